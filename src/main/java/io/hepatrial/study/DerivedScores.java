package io.hepatrial.study;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.search.SearchEngine;
import io.hepatrial.fhir.search.SearchRequestParser;
import io.hepatrial.fhir.store.ResourceStore;
import io.hepatrial.fhir.store.StoreTransactions;
import io.hepatrial.fhir.store.StoredVersion;
import io.hepatrial.fhir.store.WriteRule;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Keeps the Child-Pugh, MELD, MELD-Na and MELD 3.0 Observations of patients enrolled in a study (any
 * ResearchSubject) current: when an input Observation
 * (bilirubin, albumin, INR, ascites grade, encephalopathy grade, creatinine, sodium) is created,
 * corrected or deleted, the scores of that patient and day are recomputed at the end of the same
 * transaction from the inputs measured that day (the latest version of each), and created, updated
 * or deleted to match. Missing inputs: no score. Each score names its inputs in {@code derivedFrom}.
 */
@ApplicationScoped
public class DerivedScores implements WriteRule {

    /** Identifier system of derived scores; the value is "[patient id]/[day]/[score code]". */
    public static final String IDENTIFIER_SYSTEM = StudyCodes.BASE + "/derived-score";
    static final List<StudyMarker> INPUTS = List.of(StudyMarker.BILIRUBIN, StudyMarker.ALBUMIN, StudyMarker.INR,
            StudyMarker.ASCITES_GRADE, StudyMarker.ENCEPHALOPATHY, StudyMarker.CREATININE, StudyMarker.SODIUM);
    private static final List<StudyMarker> SCORES = List.of(StudyMarker.CHILD_PUGH, StudyMarker.MELD, StudyMarker.MELD_NA,
            StudyMarker.MELD_3);

    private final SearchRequestParser parser;
    private final SearchEngine engine;
    private final ResourceStore store;
    private final FhirContext fhirContext;
    private final StudyUnits units;
    private final io.hepatrial.fhir.search.SearchParameterRegistry registry;
    private final boolean enabled;

    public DerivedScores(SearchRequestParser parser, SearchEngine engine, ResourceStore store, FhirContext fhirContext, StudyUnits units,
            io.hepatrial.fhir.search.SearchParameterRegistry registry,
            @org.eclipse.microprofile.config.inject.ConfigProperty(name = "hepatrial.study.derived-scores") boolean enabled) {
        this.registry = registry;
        this.enabled = enabled;
        this.parser = parser;
        this.engine = engine;
        this.store = store;
        this.fhirContext = fhirContext;
        this.units = units;
    }

    @Override
    public boolean appliesTo(String resourceType) {
        return enabled && ("Observation".equals(resourceType) || "Patient".equals(resourceType));
    }

    @Override
    public void afterWrite(String type, String id, Resource written, java.util.function.Supplier<Resource> previous) {
        if ("Patient".equals(type)) {
            // sex is an input of MELD 3.0: a corrected gender recomputes every day the patient has a MELD
            if (written != null && previous.get() instanceof Patient before
                    && !java.util.Objects.equals(before.getGender(), ((Patient) written).getGender())) {
                scheduleDaysWithMeld(id);
            }
            return;
        }
        scheduleFor((Observation) written);
        // a correction may have moved an input to another patient, day or code: the old place is recomputed too
        scheduleFor((Observation) previous.get());
    }

    private void scheduleFor(Observation observation) {
        if (observation == null || !isInput(observation)) {
            return;
        }
        String patient = EnrollmentRule.literal(observation.getSubject());
        LocalDate day = day(observation);
        if (patient == null || !patient.startsWith("Patient/") || day == null) {
            return;
        }
        schedule(new PatientDay(patient.substring("Patient/".length()), day));
    }

    /** Collected over the whole transaction (a Bundle of labs) and looked at once before commit. */
    private void schedule(PatientDay patientDay) {
        Set<PatientDay> pending = StoreTransactions.transactionLocal("derived-scores", java.util.LinkedHashSet::new);
        pending.add(patientDay);
        StoreTransactions.beforeCommit("derived-scores", () -> recomputeAll(pending));
    }

    private void scheduleDaysWithMeld(String patientId) {
        Map<String, List<String>> query = Map.of("subject", List.of("Patient/" + patientId), "code",
                List.of(StudyMarker.MELD.code().token()), "_count", List.of("1000"));
        for (StoredVersion version : engine.search(parser.parse("Observation", query, false), "").matches()) {
            LocalDate day = day((Observation) fhirContext.newJsonParser().parseResource(new String(version.body(), StandardCharsets.UTF_8)));
            if (day != null) {
                schedule(new PatientDay(patientId, day));
            }
        }
    }

    /** A patient and a day whose scores may have changed. */
    record PatientDay(String patientId, LocalDate day) {
    }

    /**
     * Scores are kept for patients enrolled in a study (any ResearchSubject): one look-up for all the
     * transaction's patients, so that pushing labs of other patients costs next to nothing. Then a
     * full recomputation per patient and day.
     */
    void recomputeAll(Set<PatientDay> pending) {
        List<PatientDay> work = new ArrayList<>(pending);
        pending.clear();
        if (work.isEmpty()) {
            return;
        }
        String patients = String.join(",", work.stream().map(k -> "Patient/" + k.patientId()).distinct().toList());
        Set<String> enrolled = new java.util.HashSet<>();
        for (SearchEngine.Projection subject : engine.project(parser.parse("ResearchSubject", Map.of("individual", List.of(patients)), false),
                List.of(registry.get("ResearchSubject", "individual")))) {
            for (io.hepatrial.fhir.search.IndexRow row : subject.values()) {
                if (row instanceof io.hepatrial.fhir.search.IndexRow.Reference reference) {
                    enrolled.add(reference.targetId());
                }
            }
        }
        // a patient's sex (a MELD 3.0 input) is read once for all the days recomputed
        Map<String, Optional<Boolean>> sexes = new java.util.HashMap<>();
        for (PatientDay key : work) {
            if (enrolled.contains(key.patientId())) {
                recompute(key.patientId(), key.day(), sexes);
            }
        }
    }

    private static boolean isInput(Observation observation) {
        return observation != null && observation.getCode().getCoding().stream()
                .anyMatch(c -> StudyMarker.of(c.getSystem(), c.getCode()).filter(INPUTS::contains).isPresent());
    }

    /** The day the observation was made, as the sender wrote it (its own time zone). */
    static LocalDate day(Observation observation) {
        if (observation.hasEffectiveDateTimeType() && observation.getEffectiveDateTimeType().getValueAsString() != null) {
            String text = observation.getEffectiveDateTimeType().getValueAsString();
            return text.length() >= 10 ? LocalDate.parse(text.substring(0, 10)) : null;
        }
        if (observation.hasEffectivePeriod() && observation.getEffectivePeriod().hasStart()) {
            String text = observation.getEffectivePeriod().getStartElement().getValueAsString();
            return text.length() >= 10 ? LocalDate.parse(text.substring(0, 10)) : null;
        }
        return null;
    }

    /** Recomputes the scores of one patient and day and brings the stored score Observations in line. */
    void recompute(String patientId, LocalDate day, Map<String, Optional<Boolean>> sexes) {
        Map<StudyMarker, Observation> inputs = latestInputs(patientId, day);
        Map<StudyMarker, Observation> wanted = new EnumMap<>(StudyMarker.class);
        Optional<Double> bilirubin = value(inputs, StudyMarker.BILIRUBIN);
        Optional<Double> albumin = value(inputs, StudyMarker.ALBUMIN);
        Optional<Double> inr = value(inputs, StudyMarker.INR);
        Optional<Double> creatinine = value(inputs, StudyMarker.CREATININE);
        Optional<Double> sodium = value(inputs, StudyMarker.SODIUM);
        Optional<Integer> ascites = grade(inputs, StudyMarker.ASCITES_GRADE);
        Optional<Integer> encephalopathy = grade(inputs, StudyMarker.ENCEPHALOPATHY);
        if (bilirubin.isPresent() && albumin.isPresent() && inr.isPresent() && ascites.isPresent() && encephalopathy.isPresent()) {
            ClinicalScores.ChildPugh childPugh = ClinicalScores.childPugh(bilirubin.get(), albumin.get(), inr.get(), ascites.get(),
                    encephalopathy.get());
            Observation score = score(patientId, day, StudyMarker.CHILD_PUGH, childPugh.score(), inputs,
                    List.of(StudyMarker.BILIRUBIN, StudyMarker.ALBUMIN, StudyMarker.INR, StudyMarker.ASCITES_GRADE, StudyMarker.ENCEPHALOPATHY));
            score.addComponent().setValue(new StringType(childPugh.childPughClass())).getCode()
                    .addCoding(new Coding(StudyCodes.STUDY_CODES, "child-pugh-class", "Child-Pugh class"));
            wanted.put(StudyMarker.CHILD_PUGH, score);
        }
        if (bilirubin.isPresent() && inr.isPresent() && creatinine.isPresent()) {
            int meld = ClinicalScores.meld(creatinine.get(), bilirubin.get(), inr.get(), false);
            wanted.put(StudyMarker.MELD, score(patientId, day, StudyMarker.MELD, meld, inputs,
                    List.of(StudyMarker.CREATININE, StudyMarker.BILIRUBIN, StudyMarker.INR)));
            if (sodium.isPresent()) {
                wanted.put(StudyMarker.MELD_NA, score(patientId, day, StudyMarker.MELD_NA, ClinicalScores.meldNa(meld, sodium.get()),
                        inputs, List.of(StudyMarker.CREATININE, StudyMarker.BILIRUBIN, StudyMarker.INR, StudyMarker.SODIUM)));
            }
            Optional<Boolean> female = sodium.isPresent() && albumin.isPresent() ? sexes.computeIfAbsent(patientId, this::female) : Optional.empty();
            if (female.isPresent()) {
                wanted.put(StudyMarker.MELD_3, score(patientId, day, StudyMarker.MELD_3, ClinicalScores.meld3(female.get(),
                        creatinine.get(), bilirubin.get(), inr.get(), sodium.get(), albumin.get(), false), inputs,
                        List.of(StudyMarker.CREATININE, StudyMarker.BILIRUBIN, StudyMarker.INR, StudyMarker.SODIUM, StudyMarker.ALBUMIN)));
            }
        }
        Map<StudyMarker, StoredVersion> existing = existingScores(patientId, day);
        for (StudyMarker score : SCORES) {
            Observation want = wanted.get(score);
            StoredVersion have = existing.get(score);
            if (want == null && have != null) {
                store.delete("Observation", have.id(), null);
            } else if (want != null && have == null) {
                store.create(want);
            } else if (want != null && !sameContent(want, have)) {
                want.setId(have.id());
                store.update("Observation", have.id(), want, null);
            }
        }
    }

    /** Whether the patient is female, from Patient.gender; empty unless it says female or male (MELD 3.0 then is no guess). */
    private Optional<Boolean> female(String patientId) {
        return store.read("Patient", patientId).filter(v -> v.body() != null)
                .map(v -> ((Patient) fhirContext.newJsonParser().parseResource(new String(v.body(), StandardCharsets.UTF_8))).getGender())
                .filter(g -> g == Enumerations.AdministrativeGender.FEMALE || g == Enumerations.AdministrativeGender.MALE)
                .map(g -> g == Enumerations.AdministrativeGender.FEMALE);
    }

    private Map<StudyMarker, Observation> latestInputs(String patientId, LocalDate day) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        query.put("subject", List.of("Patient/" + patientId));
        query.put("code", List.of(StudyMarker.tokens(INPUTS)));
        // a day either side: a sender's local day may straddle the UTC day the index compares
        query.put("date", List.of("ge" + day.minusDays(1), "le" + day.plusDays(1)));
        query.put("_count", List.of("1000"));
        Map<StudyMarker, Observation> latest = new EnumMap<>(StudyMarker.class);
        for (StoredVersion version : engine.search(parser.parse("Observation", query, false), "").matches()) {
            Observation observation = (Observation) fhirContext.newJsonParser()
                    .parseResource(new String(version.body(), StandardCharsets.UTF_8));
            if (!day.equals(day(observation)) || !observation.hasStatus() || !StudyMarker.USABLE_STATUSES.contains(observation.getStatus().toCode())) {
                continue;
            }
            for (Coding coding : observation.getCode().getCoding()) {
                StudyMarker.of(coding.getSystem(), coding.getCode()).filter(INPUTS::contains).ifPresent(marker -> {
                    Observation other = latest.get(marker);
                    if (other == null || observation.getMeta().getLastUpdated().after(other.getMeta().getLastUpdated())) {
                        latest.put(marker, observation);
                    }
                });
            }
        }
        return latest;
    }

    private Optional<Double> value(Map<StudyMarker, Observation> inputs, StudyMarker marker) {
        Observation observation = inputs.get(marker);
        if (observation == null || !observation.hasValueQuantity()) {
            return Optional.empty();
        }
        Quantity quantity = observation.getValueQuantity();
        if (quantity.hasSystem() && !StudyCodes.UCUM.equals(quantity.getSystem())) {
            return Optional.empty();
        }
        return units.convert(quantity.getValue(), quantity.getCode(), marker.unit, marker.micromolesPerMgDl);
    }

    private static Optional<Integer> grade(Map<StudyMarker, Observation> inputs, StudyMarker marker) {
        Observation observation = inputs.get(marker);
        if (observation == null || !(observation.getValue() instanceof IntegerType grade) || grade.getValue() == null) {
            return Optional.empty();
        }
        return Optional.of(grade.getValue());
    }

    private Observation score(String patientId, LocalDate day, StudyMarker score, int value, Map<StudyMarker, Observation> inputs,
            List<StudyMarker> used) {
        Observation observation = new Observation();
        observation.addIdentifier().setSystem(IDENTIFIER_SYSTEM).setValue(patientId + "/" + day + "/" + score.code().code());
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.addCategory().addCoding(new Coding(StudyCodes.OBSERVATION_CATEGORY, "survey", "Survey"));
        observation.getCode().addCoding(new Coding(score.code().system(), score.code().code(), score.label));
        observation.setSubject(new Reference("Patient/" + patientId));
        observation.setEffective(new DateTimeType(day.toString()));
        observation.setValue(new Quantity().setValue(BigDecimal.valueOf(value)).setUnit("score").setSystem(StudyCodes.UCUM)
                .setCode("{score}"));
        boolean synthetic = false;
        for (StudyMarker marker : used) {
            Observation input = inputs.get(marker);
            observation.addDerivedFrom(new Reference("Observation/" + input.getIdElement().getIdPart()));
            synthetic |= input.getMeta().getTag(StudyCodes.SYNTHETIC_TAG_SYSTEM, StudyCodes.SYNTHETIC_TAG_CODE) != null;
        }
        if (synthetic) {
            observation.getMeta().addTag(StudyCodes.SYNTHETIC_TAG_SYSTEM, StudyCodes.SYNTHETIC_TAG_CODE, "test health data");
        }
        return observation;
    }

    private Map<StudyMarker, StoredVersion> existingScores(String patientId, LocalDate day) {
        List<String> identifiers = new ArrayList<>();
        for (StudyMarker score : SCORES) {
            identifiers.add(IDENTIFIER_SYSTEM + "|" + patientId + "/" + day + "/" + score.code().code());
        }
        Map<String, List<String>> query = Map.of("identifier", List.of(String.join(",", identifiers)), "_count", List.of("10"));
        Map<StudyMarker, StoredVersion> existing = new EnumMap<>(StudyMarker.class);
        for (StoredVersion version : engine.search(parser.parse("Observation", query, false), "").matches()) {
            Observation observation = (Observation) fhirContext.newJsonParser().parseResource(new String(version.body(), StandardCharsets.UTF_8));
            for (Coding coding : observation.getCode().getCoding()) {
                StudyMarker.of(coding.getSystem(), coding.getCode()).filter(SCORES::contains).ifPresent(m -> existing.put(m, version));
            }
        }
        return existing;
    }

    /** Whether a stored score already says what the recomputed one says (then no new version is written). */
    private boolean sameContent(Observation wanted, StoredVersion stored) {
        Observation have = (Observation) fhirContext.newJsonParser().parseResource(new String(stored.body(), StandardCharsets.UTF_8));
        have.setMeta(null);
        have.setIdElement(null);
        Observation want = wanted.copy();
        want.setMeta(null);
        return want.equalsDeep(have);
    }
}
