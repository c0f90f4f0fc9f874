-- The resource store: one row per resource (its current version) and one row per version.
-- The JSON body is the truth; every other column is derived from it when it is written.
-- Written in the SQL that H2 and PostgreSQL both accept, so one migration serves both.

create sequence resource_seq start with 1 increment by 50;
create sequence resource_version_seq start with 1 increment by 50;

create table resource (
    pid           bigint       not null primary key,
    res_type      varchar(64)  not null,
    res_id        varchar(64)  not null,
    version       bigint       not null,
    last_updated  timestamp(6) with time zone not null,
    deleted       boolean      not null,
    body          bytea,
    constraint uq_resource_type_id unique (res_type, res_id)
);

create table resource_version (
    vid           bigint       not null primary key,
    resource_pid  bigint       not null references resource (pid),
    res_type      varchar(64)  not null,
    res_id        varchar(64)  not null,
    version       bigint       not null,
    last_updated  timestamp(6) with time zone not null,
    method        varchar(8)   not null,
    body          bytea,
    constraint uq_resource_version unique (resource_pid, version)
);

-- History is read newest first: per instance (above), per type and for the whole system.
create index ix_resource_version_type_time on resource_version (res_type, last_updated, vid);
create index ix_resource_version_time on resource_version (last_updated, vid);
