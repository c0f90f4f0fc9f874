-- One index per reference row instead of three (each index entry is work for every insert, and on H2 for every store):
-- target_id now also holds the whole URL of an absolute or canonical reference (target_url still marks
-- those rows), and the index leads with the target, so the same index answers a search by target
-- (Observation?subject=Patient/1, ?subject=http://…), the reverse look-ups of _revinclude and _has,
-- chains, and compartments. A URL never equals a resource id: ids hold no ':' or '/'.
alter table search_reference alter column target_id set data type varchar(1024);
update search_reference set target_id = target_url where target_url is not null;
drop index ix_search_reference_url;
drop index ix_search_reference_reverse;
drop index ix_search_reference_target;
create index ix_search_reference_target on search_reference (target_id, target_type, res_type, param, resource_pid);
