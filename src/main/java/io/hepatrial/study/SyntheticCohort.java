package io.hepatrial.study;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.Resource;

/**
 * A synthetic demo cohort shaped like the center's report: 131 patients, 68 with hepatitis-B
 * cirrhosis, the rest alcoholic, hepatitis-C and other; all Child-Pugh B–C at baseline; 1 to 3
 * courses of transplantation by either route; labs at baseline and 1, 3 and 6 months after the
 * first course. Most patients respond (alcoholic ones more often and more strongly than viral ones),
 * which shows in the labs; what a "response" is, is left to whoever analyses the data.
 * Deterministic: the same seed gives the same patients and values. Every resource carries the
 * HTEST tag and a stable identifier, so loading it twice (conditional creates) adds nothing.
 */
public final class SyntheticCohort {

    public static final int SIZE = 131;
    /** Identifier system of every synthetic resource's identifier. */
    public static final String IDENTIFIER_SYSTEM = StudyCodes.BASE + "/synthetic-id";
    /** Months after the first course at which follow-up labs are drawn (0 = baseline, a week before). */
    static final int[] VISIT_MONTHS = {0, 1, 3, 6};

    public enum Etiology {
        HEPATITIS_B("hepatitis-b", "Hepatitis B", 68, 0.87, 1.0),
        ALCOHOLIC("alcoholic", "Alcoholic", 30, 0.97, 1.3),
        HEPATITIS_C("hepatitis-c", "Hepatitis C", 15, 0.80, 0.9),
        OTHER("other", "Other (autoimmune, cryptogenic, ...)", 18, 0.78, 0.8);

        public final String code;
        public final String display;
        final int count;
        final double responseProbability;
        final double effect;

        Etiology(String code, String display, int count, double responseProbability, double effect) {
            this.code = code;
            this.display = display;
            this.count = count;
            this.responseProbability = responseProbability;
            this.effect = effect;
        }
    }

    /** One finding as the generator writes it: its code (from {@link StudyMarker}), the unit it is sent in, the decimals kept. */
    record Marker(String key, StudyMarker.Code coded, String display, String unit, String ucum, int decimals) {
        String system() {
            return coded.system();
        }

        String code() {
            return coded.code();
        }
    }

    static final Marker ALT = new Marker("alt", StudyMarker.ALT.codes.get(0), "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L", "U/L", 0);
    static final Marker AST = new Marker("ast", StudyMarker.AST.codes.get(0), "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L", "U/L", 0);
    static final Marker ALBUMIN_G_DL = new Marker("albumin", StudyMarker.ALBUMIN.codes.get(0), "Albumin [Mass/volume] in Serum or Plasma", "g/dL", "g/dL", 1);
    static final Marker ALBUMIN_G_L = new Marker("albumin", StudyMarker.ALBUMIN.codes.get(0), "Albumin [Mass/volume] in Serum or Plasma", "g/L", "g/L", 0);
    static final Marker BILIRUBIN_MG_DL = new Marker("bilirubin", StudyMarker.BILIRUBIN.codes.get(0), "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL", 1);
    static final Marker BILIRUBIN_UMOL_L = new Marker("bilirubin", StudyMarker.BILIRUBIN.codes.get(1), "Bilirubin.total [Moles/volume] in Serum or Plasma", "µmol/L", "umol/L", 0);
    static final Marker INR = new Marker("inr", StudyMarker.INR.codes.get(0), "INR in Platelet poor plasma by Coagulation assay", "INR", "{INR}", 2);
    static final Marker PLATELETS = new Marker("platelets", StudyMarker.PLATELETS.codes.get(0), "Platelets [#/volume] in Blood by Automated count", "10^3/µL", "10*3/uL", 0);
    static final Marker WBC = new Marker("wbc", StudyMarker.WBC.codes.get(0), "Leukocytes [#/volume] in Blood by Automated count", "10^3/µL", "10*3/uL", 1);
    static final Marker RBC = new Marker("rbc", StudyMarker.RBC.codes.get(0), "Erythrocytes [#/volume] in Blood by Automated count", "10^6/µL", "10*6/uL", 2);
    static final Marker HEMOGLOBIN = new Marker("hemoglobin", StudyMarker.HEMOGLOBIN.codes.get(0), "Hemoglobin [Mass/volume] in Blood", "g/dL", "g/dL", 1);
    static final Marker CREATININE_MG_DL = new Marker("creatinine", StudyMarker.CREATININE.codes.get(0), "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", "mg/dL", 2);
    static final Marker CREATININE_UMOL_L = new Marker("creatinine", StudyMarker.CREATININE.codes.get(1), "Creatinine [Moles/volume] in Serum or Plasma", "µmol/L", "umol/L", 0);
    static final Marker SODIUM = new Marker("sodium", StudyMarker.SODIUM.codes.get(0), "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", "mmol/L", 0);
    static final Marker ASCITES_VOLUME = new Marker("ascites-volume", StudyMarker.ASCITES_VOLUME.codes.get(0), "Ascites volume (ultrasound estimate)", "mL", "mL", 0);
    static final Marker ASCITES_GRADE = new Marker("ascites-grade", StudyMarker.ASCITES_GRADE.codes.get(0), "Ascites grade (International Ascites Club, 0-3)", null, null, 0);
    static final Marker ENCEPHALOPATHY = new Marker("encephalopathy", StudyMarker.ENCEPHALOPATHY.codes.get(0), "Hepatic encephalopathy grade (West Haven, 0-4)", null, null, 0);

    /** A generated patient: what the generator decided, before it becomes FHIR resources. */
    public record SyntheticPatient(String key, Etiology etiology, int courses, String arm, boolean responder, LocalDate enrolled,
            AdministrativeGender gender, LocalDate birthDate, List<Lab> labs) {
    }

    /** One lab value at one visit. */
    public record Lab(Marker marker, int visitMonth, LocalDate date, BigDecimal value) {
    }

    private final long seed;

    public SyntheticCohort(long seed) {
        this.seed = seed;
    }

    public List<SyntheticPatient> patients() {
        Random random = new Random(seed);
        List<Etiology> etiologies = new ArrayList<>();
        for (Etiology etiology : Etiology.values()) {
            etiologies.addAll(Collections.nCopies(etiology.count, etiology));
        }
        Collections.shuffle(etiologies, random);
        List<SyntheticPatient> patients = new ArrayList<>();
        for (int i = 0; i < SIZE; i++) {
            patients.add(patient(i + 1, etiologies.get(i), random));
        }
        return patients;
    }

    private static SyntheticPatient patient(int number, Etiology etiology, Random random) {
        double r = random.nextDouble();
        int courses = r < 0.6 ? 1 : r < 0.88 ? 2 : 3;
        String arm = random.nextBoolean() ? "peripheral-intravenous" : "hepatic-artery";
        boolean responder = random.nextDouble() < etiology.responseProbability;
        LocalDate enrolled = LocalDate.of(2011, 10, 1).plusDays(random.nextInt(5 * 365));
        AdministrativeGender gender = random.nextDouble() < (etiology == Etiology.ALCOHOLIC ? 0.85 : 0.65)
                ? AdministrativeGender.MALE : AdministrativeGender.FEMALE;
        LocalDate birthDate = enrolled.minusYears(35 + random.nextInt(36)).minusDays(random.nextInt(365));

        // severity 0..1 at baseline: Child-Pugh B to C
        double severity = 0.25 + 0.75 * random.nextDouble();
        double bilirubin = 1.6 + 3.4 * severity + random.nextGaussian() * 0.2; // mg/dL
        double albumin = 3.4 - 0.9 * severity + random.nextGaussian() * 0.1; // g/dL
        double inr = 1.35 + 1.0 * severity + random.nextGaussian() * 0.05;
        double ascites = 800 + 3200 * severity + random.nextGaussian() * 200; // mL
        int encephalopathy = severity > 0.8 ? 1 + random.nextInt(2) : 0;
        double alt = 45 + 110 * random.nextDouble();
        double ast = alt * (1.1 + 0.5 * random.nextDouble());
        double platelets = 45 + 65 * random.nextDouble();
        double wbc = 2.4 + 2.0 * random.nextDouble();
        double rbc = 3.0 + 1.0 * random.nextDouble();
        double hemoglobin = 9.0 + 3.0 * random.nextDouble();
        double creatinine = 0.7 + 0.8 * random.nextDouble();
        double sodium = 129 + 9 * random.nextDouble();

        boolean bilirubinMoles = number % 4 == 0;
        boolean albuminPerLitre = number % 3 == 0;
        boolean creatinineMoles = number % 5 == 0;
        double effect = etiology.effect * (0.8 + 0.4 * random.nextDouble());
        List<Lab> labs = new ArrayList<>();
        for (int month : VISIT_MONTHS) {
            LocalDate date = month == 0 ? enrolled.minusDays(7) : enrolled.plusMonths(month);
            double f = switch (month) {
                case 0 -> 0;
                case 1 -> 0.4;
                case 3 -> 0.8;
                default -> 1.0;
            };
            // responders improve with time; the others drift slowly worse
            double up = responder ? f * effect : -0.15 * f;
            double bili = bilirubin * (1 - 0.45 * up);
            double alb = albumin + 0.6 * up;
            double ascitesNow = Math.max(0, ascites - 2000 * up);
            labs.add(lab(bilirubinMoles ? BILIRUBIN_UMOL_L : BILIRUBIN_MG_DL, month, date, bilirubinMoles ? bili * 17.1 : bili));
            labs.add(lab(albuminPerLitre ? ALBUMIN_G_L : ALBUMIN_G_DL, month, date, albuminPerLitre ? alb * 10 : alb));
            labs.add(lab(INR, month, date, inr - 0.25 * up));
            labs.add(lab(ALT, month, date, alt * (1 - 0.45 * up)));
            labs.add(lab(AST, month, date, ast * (1 - 0.4 * up)));
            labs.add(lab(PLATELETS, month, date, platelets * (1 + 0.15 * up)));
            labs.add(lab(WBC, month, date, wbc * (1 + 0.12 * up)));
            labs.add(lab(RBC, month, date, rbc * (1 + 0.08 * up)));
            labs.add(lab(HEMOGLOBIN, month, date, hemoglobin + 0.8 * up));
            double creat = creatinine * (1 - 0.05 * up);
            labs.add(lab(creatinineMoles ? CREATININE_UMOL_L : CREATININE_MG_DL, month, date, creatinineMoles ? creat * 88.4 : creat));
            labs.add(lab(SODIUM, month, date, Math.min(142, sodium + 2 * up)));
            labs.add(lab(ASCITES_VOLUME, month, date, ascitesNow));
            labs.add(lab(ASCITES_GRADE, month, date, ascitesNow < 100 ? 0 : ascitesNow < 1000 ? 1 : ascitesNow < 2500 ? 2 : 3));
            labs.add(lab(ENCEPHALOPATHY, month, date, responder && month >= 3 ? Math.max(0, encephalopathy - 1) : encephalopathy));
        }
        return new SyntheticPatient(String.format("SYN-%03d", number), etiology, courses, arm, responder, enrolled, gender,
                birthDate, labs);
    }

    private static Lab lab(Marker marker, int month, LocalDate date, double value) {
        return new Lab(marker, month, date, BigDecimal.valueOf(Math.max(value, 0)).setScale(marker.decimals(), RoundingMode.HALF_UP));
    }

    /** One transaction Bundle per patient, every entry a conditional create on its synthetic identifier. */
    public List<Bundle> patientTransactions() {
        List<Bundle> transactions = new ArrayList<>();
        for (SyntheticPatient patient : patients()) {
            transactions.add(transaction(patient));
        }
        return transactions;
    }

    static Bundle transaction(SyntheticPatient p) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String patientUrl = "urn:uuid:" + UUID.nameUUIDFromBytes(p.key().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Reference subject = new Reference(patientUrl);

        Patient patient = new Patient();
        patient.addName().setFamily("Synthetic").addGiven("Patient " + p.key().substring(4));
        patient.setGender(p.gender()).setBirthDateElement(new DateType(p.birthDate().toString()));
        patient.addIdentifier(identifier(p.key()));
        add(bundle, patient, p.key(), patientUrl);

        Condition condition = new Condition();
        condition.getClinicalStatus().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active"));
        condition.getVerificationStatus().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed"));
        condition.addCategory().addCoding(new Coding("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item", "Problem List Item"));
        CodeableConcept code = condition.getCode();
        code.addCoding(new Coding(StudyCodes.SNOMED, "19943007", "Cirrhosis of liver"));
        code.addCoding(new Coding(StudyCodes.ETIOLOGY, p.etiology().code, p.etiology().display));
        if (p.etiology() == Etiology.ALCOHOLIC) {
            code.addCoding(new Coding(StudyCodes.ICD10, "K70.3", "Alcoholic cirrhosis of liver"));
        }
        code.setText("Liver cirrhosis, " + p.etiology().display.toLowerCase(java.util.Locale.ROOT));
        condition.setSubject(subject).setOnset(day(p.enrolled().minusYears(2)));
        condition.addIdentifier(identifier(p.key() + "-condition"));
        add(bundle, condition, p.key() + "-condition", null);

        ResearchSubject enrollment = new ResearchSubject();
        enrollment.setStatus(ResearchSubject.ResearchSubjectStatus.ONSTUDY);
        enrollment.setStudy(new Reference(StudyBootstrap.STUDY_REFERENCE)).setIndividual(subject);
        enrollment.setAssignedArm(p.arm()).setActualArm(p.arm());
        enrollment.setPeriod(new Period().setStartElement(day(p.enrolled())));
        enrollment.addIdentifier(identifier(p.key() + "-enrollment"));
        add(bundle, enrollment, p.key() + "-enrollment", null);

        for (int course = 1; course <= p.courses(); course++) {
            Procedure procedure = new Procedure();
            procedure.setStatus(Procedure.ProcedureStatus.COMPLETED).setSubject(subject);
            procedure.getCode().addCoding(new Coding(StudyCodes.STUDY_CODES, "stem-cell-transplantation", "Autologous stem-cell transplantation"))
                    .setText("Stem-cell transplantation, course " + course);
            boolean artery = p.arm().equals("hepatic-artery");
            procedure.addBodySite().addCoding(new Coding(StudyCodes.STUDY_CODES, artery ? "hepatic-artery" : "peripheral-vein", artery ? "Hepatic artery (interventional infusion)" : "Peripheral vein (intravenous infusion)"));
            procedure.setPerformed(day(p.enrolled().plusMonths(3L * (course - 1))));
            procedure.addExtension(StudyCodes.COURSE_NUMBER_EXTENSION, new PositiveIntType(course));
            procedure.addExtension(StudyCodes.RESEARCH_STUDY_EXTENSION, new Reference(StudyBootstrap.STUDY_REFERENCE));
            procedure.addIdentifier(identifier(p.key() + "-course-" + course));
            add(bundle, procedure, p.key() + "-course-" + course, null);
        }

        for (Lab lab : p.labs()) {
            Observation observation = new Observation();
            observation.setStatus(Observation.ObservationStatus.FINAL);
            boolean laboratory = lab.marker().system().equals(StudyCodes.LOINC);
            observation.addCategory().addCoding(new Coding(StudyCodes.OBSERVATION_CATEGORY, laboratory ? "laboratory" : "exam", laboratory ? "Laboratory" : "Exam"));
            observation.getCode().addCoding(new Coding(lab.marker().system(), lab.marker().code(), lab.marker().display()));
            observation.setSubject(subject).setEffective(day(lab.date()));
            if (lab.marker().ucum() == null) {
                observation.setValue(new IntegerType(lab.value().intValue()));
            } else {
                observation.setValue(new Quantity().setValue(lab.value()).setUnit(lab.marker().unit())
                        .setSystem(StudyCodes.UCUM).setCode(lab.marker().ucum()));
            }
            String key = p.key() + "-" + lab.marker().key() + "-m" + lab.visitMonth();
            observation.addIdentifier(identifier(key));
            add(bundle, observation, key, null);
        }
        return bundle;
    }

    private static void add(Bundle bundle, Resource resource, String identifier, String fullUrl) {
        resource.getMeta().addTag(StudyCodes.SYNTHETIC_TAG_SYSTEM, StudyCodes.SYNTHETIC_TAG_CODE, "test health data");
        Bundle.BundleEntryComponent entry = bundle.addEntry().setResource(resource);
        if (fullUrl != null) {
            entry.setFullUrl(fullUrl);
        }
        entry.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl(resource.fhirType())
                .setIfNoneExist("identifier=" + IDENTIFIER_SYSTEM + "|" + identifier);
    }

    private static Identifier identifier(String value) {
        return new Identifier().setSystem(IDENTIFIER_SYSTEM).setValue(value);
    }

    /** A date-precision dateTime ("2012-03-04"). */
    private static DateTimeType day(LocalDate date) {
        return new DateTimeType(date.toString());
    }
}
