-- Conditional creates (If-None-Exist, ifNoneExist) claim their criteria here, so two clients that
-- create "the resource with identifier X" at the same moment cannot both succeed: the second
-- insert violates the unique key, its transaction is retried, and the retry finds the first one.
create table conditional_create_key (
    res_type      varchar(64)   not null,
    criteria      varchar(2000) not null,
    resource_pid  bigint        not null references resource (pid),
    constraint uq_conditional_create unique (res_type, criteria)
);
create index ix_conditional_create_pid on conditional_create_key (resource_pid);
