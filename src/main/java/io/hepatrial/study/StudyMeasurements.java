package io.hepatrial.study;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.hibernate.Session;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;

import io.hepatrial.fhir.search.FhirDates;
import io.hepatrial.fhir.store.BatchedInserts;
import io.hepatrial.fhir.store.ValueLists;
import io.hepatrial.fhir.store.WriteRule;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps the {@code study_measurement} table: per current Observation that is a study marker with a
 * usable status, its patient, marker, effective time and value converted to the marker's study
 * unit. Written in the write's transaction (a deleted or changed Observation loses or replaces its
 * row), rebuilt by {@code $reindex}; what {@code $outcomes} reads instead of the generic index.
 */
@ApplicationScoped
public class StudyMeasurements implements WriteRule {

    /** One marker value of a patient, in the marker's study unit. */
    public record Measurement(String patientId, StudyMarker marker, Instant at, double value) {
    }

    private final Session session;
    private final BatchedInserts inserts;
    private final StudyUnits units;

    public StudyMeasurements(Session session, BatchedInserts inserts, StudyUnits units) {
        this.session = session;
        this.inserts = inserts;
        this.units = units;
    }

    @Override
    public boolean appliesTo(String resourceType) {
        return "Observation".equals(resourceType);
    }

    @Override
    public void afterWrite(String type, String id, Resource written, java.util.function.Supplier<Resource> previous) {
        // a first version has no row to replace
        boolean first = written != null && "1".equals(written.getMeta().getVersionId());
        replace(id, written == null ? Optional.empty() : measurement((Observation) written), !first);
    }

    @Override
    public void reindexed(String type, String id, Resource current) {
        replace(id, current == null ? Optional.empty() : measurement((Observation) current), true);
    }

    private void replace(String observationId, Optional<Measurement> measurement, boolean mayHaveRow) {
        if (!mayHaveRow && measurement.isEmpty()) {
            return;
        }
        String source = "study_measurement:" + observationId;
        if (mayHaveRow) {
            inserts.withdraw(source);
            session.doWork(connection -> {
                try (PreparedStatement delete = connection.prepareStatement("delete from study_measurement where observation_id = ?")) {
                    delete.setString(1, observationId);
                    delete.executeUpdate();
                }
            });
        }
        if (measurement.isPresent()) {
            Measurement m = measurement.get();
            inserts.add("insert into study_measurement (observation_id, patient_id, marker, effective_at, value_in_unit)"
                    + " values (?, ?, ?, ?, ?)", source, insert -> {
                        insert.setString(1, observationId);
                        insert.setString(2, m.patientId());
                        insert.setString(3, m.marker().name());
                        insert.setObject(4, OffsetDateTime.ofInstant(m.at(), ZoneOffset.UTC));
                        insert.setDouble(5, m.value());
                    });
        }
    }

    /** The marker value an Observation holds, if it holds one the study can use. */
    Optional<Measurement> measurement(Observation observation) {
        if (!observation.hasStatus() || !StudyMarker.USABLE_STATUSES.contains(observation.getStatus().toCode())
                || !observation.hasValueQuantity()) {
            return Optional.empty();
        }
        StudyMarker marker = null;
        for (Coding coding : observation.getCode().getCoding()) {
            marker = StudyMarker.of(coding.getSystem(), coding.getCode()).filter(m -> m.unit != null).orElse(null);
            if (marker != null) {
                break;
            }
        }
        String subject = EnrollmentRule.literal(observation.getSubject());
        Instant at = effectiveStart(observation);
        if (marker == null || subject == null || !subject.startsWith("Patient/") || at == null) {
            return Optional.empty();
        }
        Quantity quantity = observation.getValueQuantity();
        if (quantity.hasSystem() && !StudyCodes.UCUM.equals(quantity.getSystem())) {
            return Optional.empty();
        }
        StudyMarker m = marker;
        return units.convert(quantity.getValue(), quantity.getCode(), m.unit, m.micromolesPerMgDl)
                .map(value -> new Measurement(subject.substring("Patient/".length()), m, at, value));
    }

    /** Where the effective time starts, as the search index reads it (no time zone = UTC). */
    private static Instant effectiveStart(Observation observation) {
        String text = null;
        if (observation.hasEffectiveDateTimeType()) {
            text = observation.getEffectiveDateTimeType().getValueAsString();
        } else if (observation.hasEffectiveInstantType()) {
            text = observation.getEffectiveInstantType().getValueAsString();
        } else if (observation.hasEffectivePeriod()) {
            text = observation.getEffectivePeriod().getStartElement().getValueAsString();
        }
        FhirDates.Range range = FhirDates.range(text);
        return range == null ? null : range.low();
    }

    /** Every measurement of these patients, read in chunks of patient ids ({@link ValueLists}). */
    public void forPatients(List<String> patientIds, Consumer<Measurement> consumer) {
        inserts.flush();
        session.doWork(connection -> {
            boolean postgres = ValueLists.isPostgres(connection);
            int chunk = Math.min(20_000, ValueLists.chunkSize(postgres));
            for (int from = 0; from < patientIds.size(); from += chunk) {
                List<String> ids = patientIds.subList(from, Math.min(patientIds.size(), from + chunk));
                StringBuilder sql = new StringBuilder(
                        "select patient_id, marker, effective_at, value_in_unit from study_measurement where patient_id");
                ValueLists.appendIn(sql, ids, postgres);
                try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
                    ValueLists.bind(statement, 1, ids, postgres, "varchar");
                    statement.setFetchSize(5_000);
                    try (ResultSet result = statement.executeQuery()) {
                        while (result.next()) {
                            consumer.accept(new Measurement(result.getString(1), StudyMarker.valueOf(result.getString(2)),
                                    result.getObject(3, OffsetDateTime.class).toInstant(), result.getDouble(4)));
                        }
                    }
                }
            }
        });
    }
}
