-- Keys that at most one current resource may hold at a time, declared by write rules (e.g. a trial
-- registry number held by one ResearchStudy, one active enrollment per patient and study). The
-- unique key makes two concurrent writers of the same key collide in the database; the loser's
-- transaction is retried and then sees the holder (409).
create table unique_key (
    key_value     varchar(1000) not null,
    resource_pid  bigint        not null,
    constraint uq_unique_key unique (key_value)
);
create index ix_unique_key_pid on unique_key (resource_pid);
