-- Composite search parameters (e.g. Observation code-value-quantity): one row per pair of values
-- taken from the same element. The first component (a token) is in c1_*; the second sits in the
-- columns its kind has in its own index table, so the same conditions apply to it.
create table search_composite (
    resource_pid     bigint        not null,
    res_type         varchar(64)   not null,
    param            varchar(100)  not null,
    c1_system        varchar(512),
    c1_code          varchar(512),
    system           varchar(512),
    code             varchar(512),
    display          varchar(512),
    value_number     decimal(65, 20),
    canonical_value  decimal(65, 20),
    canonical_code   varchar(256),
    low_value        timestamp(6) with time zone,
    high_value       timestamp(6) with time zone,
    value_normalized varchar(512),
    value_exact      varchar(512)
);
create index ix_search_composite_code on search_composite (res_type, param, c1_code, c1_system, resource_pid);
create index ix_search_composite_pid on search_composite (resource_pid);
