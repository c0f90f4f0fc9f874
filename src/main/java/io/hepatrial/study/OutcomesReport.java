package io.hepatrial.study;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;

import io.hepatrial.fhir.search.IndexRow;
import io.hepatrial.fhir.search.SearchEngine;
import io.hepatrial.fhir.search.SearchParameterRegistry;
import io.hepatrial.fhir.search.SearchRequestParser;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * {@code $outcomes}: recomputes the study's claims from the stored data (definitions and sources in
 * docs/outcomes.md). Per enrolled patient: an index date (first transplantation, else enrollment),
 * a baseline and a follow-up value of each marker, the change, whether it improved, and whether the
 * patient responded (Child-Pugh down by at least one point); then medians and shares for all
 * patients and per stratum (etiology, number of courses). Reads index values and the study's
 * measurement table, not resources, so it stays fast over many patients.
 */
@ApplicationScoped
public class OutcomesReport {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(OutcomesReport.class);

    /** The markers the report follows, in report order. */
    static final List<StudyMarker> MARKERS = List.of(StudyMarker.ALT, StudyMarker.AST, StudyMarker.ALBUMIN, StudyMarker.BILIRUBIN,
            StudyMarker.PLATELETS, StudyMarker.WBC, StudyMarker.RBC, StudyMarker.ASCITES_VOLUME, StudyMarker.CHILD_PUGH, StudyMarker.MELD);
    /** ResearchSubject statuses of a patient who entered the study (withdrawn and off-study ones stay counted). */
    static final Set<String> ENROLLED = Set.of("on-study", "on-study-intervention", "on-study-observation", "follow-up", "off-study",
            "withdrawn");

    /** The report's time windows, in days around the index date. */
    public record Windows(int baselineDays, int followUpFrom, int followUpTo) {
    }

    public enum Stratifier {
        ETIOLOGY, COURSES
    }

    private final SearchRequestParser parser;
    private final SearchEngine engine;
    private final SearchParameterRegistry registry;
    private final StudyMeasurements measurements;
    private final org.hibernate.Session session;

    public OutcomesReport(SearchRequestParser parser, SearchEngine engine, SearchParameterRegistry registry, StudyMeasurements measurements,
            org.hibernate.Session session) {
        this.session = session;
        this.parser = parser;
        this.engine = engine;
        this.registry = registry;
        this.measurements = measurements;
    }

    /** What the report knows of one patient. */
    static final class PatientData {
        Instant enrolled;
        Instant firstCourse;
        int courses;
        String etiology = "unknown";
        final Map<StudyMarker, List<Value>> values = new EnumMap<>(StudyMarker.class);

        Instant indexDate() {
            return firstCourse != null ? firstCourse : enrolled;
        }
    }

    record Value(Instant at, double value) {
    }

    public Parameters report(String studyId, Windows windows, List<Stratifier> strata) {
        // all the report's queries read one snapshot: a lab written meanwhile is in all its counts or in none
        Map<String, PatientData> patients = io.hepatrial.fhir.store.StoreTransactions.readingOneSnapshot(session, () -> load(studyId));
        Parameters result = new Parameters();
        result.addParameter().setName("study").setValue(new Reference("ResearchStudy/" + studyId));
        result.addParameter().setName("baselineDays").setValue(new IntegerType(windows.baselineDays()));
        result.addParameter().setName("followUpFrom").setValue(new IntegerType(windows.followUpFrom()));
        result.addParameter().setName("followUpTo").setValue(new IntegerType(windows.followUpTo()));
        result.addParameter().setName("definitions").setValue(new StringType(
                "Index date: first completed stem-cell transplantation, else enrollment. Baseline: latest value from "
                        + windows.baselineDays() + " days before the index date to the index date. Follow-up: latest value more than "
                        + windows.followUpFrom() + " and at most " + windows.followUpTo() + " days after it. Change: follow-up minus "
                        + "baseline. Improved: changed in the better direction (lower ALT, AST, bilirubin, ascites, Child-Pugh, MELD; "
                        + "higher albumin, platelets, WBC, RBC). Responder: Child-Pugh score at follow-up at least 1 point below "
                        + "baseline; response rate = responders / patients with both Child-Pugh scores. See docs/outcomes.md."));
        result.addParameter(summary("all", null, patients.values(), windows));
        for (Stratifier stratifier : strata) {
            Map<String, List<PatientData>> groups = new TreeMap<>();
            for (PatientData patient : patients.values()) {
                String key = stratifier == Stratifier.ETIOLOGY ? patient.etiology
                        : patient.courses >= 3 ? "3+" : Integer.toString(patient.courses);
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(patient);
            }
            for (Map.Entry<String, List<PatientData>> group : groups.entrySet()) {
                result.addParameter(summary(stratifier.name().toLowerCase(java.util.Locale.ROOT), group.getKey(), group.getValue(), windows));
            }
        }
        return result;
    }

    private ParametersParameterComponent summary(String stratifier, String value, java.util.Collection<PatientData> patients,
            Windows windows) {
        ParametersParameterComponent summary = new ParametersParameterComponent().setName(value == null ? "all" : "stratum");
        if (value != null) {
            summary.addPart().setName("stratifier").setValue(new StringType(stratifier));
            summary.addPart().setName("value").setValue(new StringType(value));
        }
        summary.addPart().setName("subjectsEnrolled").setValue(new IntegerType(patients.size()));
        int withBoth = 0;
        int evaluable = 0;
        int responders = 0;
        Map<StudyMarker, List<Double>> changes = new EnumMap<>(StudyMarker.class);
        for (PatientData patient : patients) {
            boolean any = false;
            for (StudyMarker marker : MARKERS) {
                Double baseline = baseline(patient, marker, windows);
                Double followUp = followUp(patient, marker, windows);
                if (baseline != null && followUp != null) {
                    any = true;
                    changes.computeIfAbsent(marker, m -> new ArrayList<>()).add(followUp - baseline);
                    if (marker == StudyMarker.CHILD_PUGH) {
                        evaluable++;
                        if (followUp <= baseline - 1) {
                            responders++;
                        }
                    }
                }
            }
            if (any) {
                withBoth++;
            }
        }
        summary.addPart().setName("subjectsWithBaselineAndFollowUp").setValue(new IntegerType(withBoth));
        ParametersParameterComponent response = summary.addPart().setName("responseRate");
        response.addPart().setName("evaluable").setValue(new IntegerType(evaluable));
        response.addPart().setName("responders").setValue(new IntegerType(responders));
        if (evaluable > 0) {
            response.addPart().setName("rate").setValue(new DecimalType(ratio(responders, evaluable)));
        }
        for (StudyMarker marker : MARKERS) {
            List<Double> markerChanges = changes.getOrDefault(marker, List.of());
            ParametersParameterComponent part = summary.addPart().setName("marker");
            part.addPart().setName("code").setValue(new Coding(marker.code().system(), marker.code().code(), marker.label));
            part.addPart().setName("unit").setValue(new StringType(marker.unit));
            part.addPart().setName("subjects").setValue(new IntegerType(markerChanges.size()));
            if (!markerChanges.isEmpty()) {
                int improved = (int) markerChanges.stream().filter(c -> marker.higherIsBetter ? c > 0 : c < 0).count();
                part.addPart().setName("medianChange").setValue(new DecimalType(median(markerChanges)));
                part.addPart().setName("improved").setValue(new IntegerType(improved));
                part.addPart().setName("shareImproved").setValue(new DecimalType(ratio(improved, markerChanges.size())));
            }
        }
        return summary;
    }

    static BigDecimal median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        int n = sorted.size();
        double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        return BigDecimal.valueOf(median).setScale(3, RoundingMode.HALF_UP).stripTrailingZeros();
    }

    private static BigDecimal ratio(int part, int whole) {
        return BigDecimal.valueOf(part).divide(BigDecimal.valueOf(whole), 4, RoundingMode.HALF_UP);
    }

    private static Double baseline(PatientData patient, StudyMarker marker, Windows windows) {
        Instant index = patient.indexDate();
        return index == null ? null : latest(patient, marker, index.minus(Duration.ofDays(windows.baselineDays())), true, index, true);
    }

    private static Double followUp(PatientData patient, StudyMarker marker, Windows windows) {
        Instant index = patient.indexDate();
        return index == null ? null : latest(patient, marker, index.plus(Duration.ofDays(windows.followUpFrom())), false,
                index.plus(Duration.ofDays(windows.followUpTo())), true);
    }

    private static Double latest(PatientData patient, StudyMarker marker, Instant from, boolean fromIncluded, Instant to, boolean toIncluded) {
        Value best = null;
        for (Value value : patient.values.getOrDefault(marker, List.of())) {
            boolean afterFrom = fromIncluded ? !value.at().isBefore(from) : value.at().isAfter(from);
            boolean beforeTo = toIncluded ? !value.at().isAfter(to) : value.at().isBefore(to);
            if (afterFrom && beforeTo && (best == null || value.at().isAfter(best.at()))) {
                best = value;
            }
        }
        return best == null ? null : best.value();
    }

    /** The enrolled patients of the study with their enrollment, courses, etiology and marker values. */
    private Map<String, PatientData> load(String studyId) {
        long began = System.nanoTime();
        Map<String, PatientData> patients = new LinkedHashMap<>();
        for (SearchEngine.Projection subject : project("ResearchSubject", Map.of("study", "ResearchStudy/" + studyId),
                "individual", "status", "date")) {
            String patient = referenceId(subject, "individual");
            String status = token(subject, "status");
            if (patient == null || status == null || !ENROLLED.contains(status)) {
                continue;
            }
            PatientData data = patients.computeIfAbsent(patient, p -> new PatientData());
            Instant start = dateLow(subject, "date");
            if (start != null && (data.enrolled == null || start.isBefore(data.enrolled))) {
                data.enrolled = start;
            }
        }
        // The enrolled patients' data, by their ids in chunks: a few index probes per chunk, whatever the study's size.
        List<String> ids = new ArrayList<>(patients.keySet());
        long subjectsRead = System.nanoTime();
        for (int from = 0; from < ids.size(); from += CHUNK) {
            String subjects = String.join(",", ids.subList(from, Math.min(ids.size(), from + CHUNK)).stream().map(id -> "Patient/" + id).toList());
            loadChunk(patients, subjects);
        }
        long conditionsAndCoursesRead = System.nanoTime();
        // marker values come converted from study_measurement (kept by StudyMeasurements on every write)
        int[] values = new int[1];
        measurements.forPatients(ids, m -> {
            if (MARKERS.contains(m.marker())) {
                values[0]++;
                patients.get(m.patientId()).values.computeIfAbsent(m.marker(), k -> new ArrayList<>()).add(new Value(m.at(), m.value()));
            }
        });
        LOG.debugf("$outcomes of ResearchStudy/%s: %d subjects in %d ms, conditions and courses in %d ms, %d values in %d ms", studyId,
                patients.size(), (subjectsRead - began) / 1_000_000, (conditionsAndCoursesRead - subjectsRead) / 1_000_000, values[0],
                (System.nanoTime() - conditionsAndCoursesRead) / 1_000_000);
        return patients;
    }

    /** Patients per chunk of look-ups (a search value with this many references ORed). */
    private static final int CHUNK = 20_000;

    private void loadChunk(Map<String, PatientData> patients, String subjects) {
        for (SearchEngine.Projection condition : project("Condition", Map.of("subject", subjects, "code", StudyCodes.ETIOLOGY + "|"),
                "subject", "code")) {
            PatientData data = patients.get(referenceId(condition, "subject"));
            if (data != null) {
                for (IndexRow row : condition.values()) {
                    if (row instanceof IndexRow.Token token && StudyCodes.ETIOLOGY.equals(token.system())) {
                        data.etiology = token.code().equals("hepatitis-b") || token.code().equals("alcoholic") ? token.code() : "other";
                    }
                }
            }
        }
        // status is checked here rather than in the search: a second list-valued criterion made H2 plan badly
        for (SearchEngine.Projection procedure : project("Procedure", Map.of("subject", subjects,
                "code", StudyCodes.STUDY_CODES + "|stem-cell-transplantation"), "subject", "date", "status")) {
            PatientData data = patients.get(referenceId(procedure, "subject"));
            Instant performed = dateLow(procedure, "date");
            if (data != null && "completed".equals(token(procedure, "status"))) {
                data.courses++;
                if (performed != null && (data.firstCourse == null || performed.isBefore(data.firstCourse))) {
                    data.firstCourse = performed;
                }
            }
        }
    }

    private List<SearchEngine.Projection> project(String type, Map<String, String> criteria, String... params) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        criteria.forEach((name, value) -> query.put(name, List.of(value)));
        List<io.hepatrial.fhir.search.SearchParameterDefinition> projected = new ArrayList<>();
        for (String param : params) {
            projected.add(registry.get(type, param));
        }
        return engine.project(parser.parse(type, query, true), projected);
    }

    private static String referenceId(SearchEngine.Projection projection, String param) {
        for (IndexRow row : projection.values()) {
            if (row instanceof IndexRow.Reference reference && reference.param().equals(param) && "Patient".equals(reference.targetType())) {
                return reference.targetId();
            }
        }
        return null;
    }

    private static String token(SearchEngine.Projection projection, String param) {
        for (IndexRow row : projection.values()) {
            if (row instanceof IndexRow.Token token && token.param().equals(param)) {
                return token.code();
            }
        }
        return null;
    }

    private static Instant dateLow(SearchEngine.Projection projection, String param) {
        for (IndexRow row : projection.values()) {
            if (row instanceof IndexRow.DateRange date && date.param().equals(param)) {
                return date.low();
            }
        }
        return null;
    }
}
