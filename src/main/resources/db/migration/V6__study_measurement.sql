-- The study's marker values, one row per current Observation that is one (a lab, an ascites volume,
-- a derived score) with a usable status, a Patient subject, an effective time and a quantity the
-- study's unit for that marker can take. Kept by the StudyMeasurements write rule in the write's
-- transaction and rebuilt by $reindex: what $outcomes reads (one narrow row per value instead of
-- five index rows per Observation).
create table study_measurement (
    observation_id varchar(64)  not null,
    patient_id     varchar(64)  not null,
    marker         varchar(32)  not null,
    effective_at   timestamp(6) with time zone not null,
    value_in_unit  double precision not null,
    constraint pk_study_measurement primary key (observation_id)
);
create index ix_study_measurement_patient on study_measurement (patient_id, marker, effective_at, value_in_unit);
