-- Search index: one table per kind of search parameter, one row per value a resource's current
-- version yields for a parameter. Written in the same transaction as the version, derived from
-- the body (and rebuildable from it). No foreign key to resource: the rows are written before the
-- resource row is flushed (a Bundle's inserts then go in batches), and only the store writes them. Every row names its resource type and parameter, so one
-- probe of the leading index columns finds the matching resources.

create table search_token (
    resource_pid  bigint        not null,
    res_type      varchar(64)   not null,
    param         varchar(100)  not null,
    system        varchar(512),
    code          varchar(512),
    display       varchar(512)
);
create index ix_search_token_code on search_token (res_type, param, code, system, resource_pid);
create index ix_search_token_pid on search_token (resource_pid);

create table search_string (
    resource_pid  bigint        not null,
    res_type      varchar(64)   not null,
    param         varchar(100)  not null,
    value_normalized varchar(512) not null,
    value_exact   varchar(512)  not null
);
create index ix_search_string_value on search_string (res_type, param, value_normalized, resource_pid);
create index ix_search_string_pid on search_string (resource_pid);

-- A date value is the range [low, high) its precision covers; open ends are the extreme instants.
create table search_date (
    resource_pid  bigint        not null,
    res_type      varchar(64)   not null,
    param         varchar(100)  not null,
    low_value     timestamp(6) with time zone not null,
    high_value    timestamp(6) with time zone not null
);
create index ix_search_date_low on search_date (res_type, param, low_value, high_value, resource_pid);
create index ix_search_date_pid on search_date (resource_pid);

create table search_number (
    resource_pid  bigint        not null,
    res_type      varchar(64)   not null,
    param         varchar(100)  not null,
    value_number  decimal(65, 20) not null
);
create index ix_search_number_value on search_number (res_type, param, value_number, resource_pid);
create index ix_search_number_pid on search_number (resource_pid);

-- Quantities as stored, and (where UCUM can) in canonical UCUM units, compared in those units.
create table search_quantity (
    resource_pid  bigint        not null,
    res_type      varchar(64)   not null,
    param         varchar(100)  not null,
    value_number  decimal(65, 20),
    system        varchar(512),
    code          varchar(256),
    canonical_value decimal(65, 20),
    canonical_code  varchar(256)
);
create index ix_search_quantity_value on search_quantity (res_type, param, value_number, resource_pid);
create index ix_search_quantity_canonical on search_quantity (res_type, param, canonical_code, canonical_value, resource_pid);
create index ix_search_quantity_pid on search_quantity (resource_pid);

create table search_reference (
    resource_pid  bigint        not null,
    res_type      varchar(64)   not null,
    param         varchar(100)  not null,
    target_type   varchar(64),
    target_id     varchar(64),
    target_url    varchar(1024)
);
create index ix_search_reference_target on search_reference (res_type, param, target_id, target_type, resource_pid);
create index ix_search_reference_url on search_reference (res_type, param, target_url, resource_pid);
create index ix_search_reference_pid on search_reference (resource_pid);
-- reverse look-ups (_revinclude, _has): who points at this target?
create index ix_search_reference_reverse on search_reference (target_type, target_id, res_type, param);

create table search_uri (
    resource_pid  bigint        not null,
    res_type      varchar(64)   not null,
    param         varchar(100)  not null,
    uri           varchar(1024) not null
);
create index ix_search_uri_value on search_uri (res_type, param, uri, resource_pid);
create index ix_search_uri_pid on search_uri (resource_pid);

-- No further index on resource (res_type, …): searches start from the index rows of their most
-- selective criterion and reach resource rows by primary key; an index led by res_type tempts
-- H2's planner to scan a whole type in pid order instead.
