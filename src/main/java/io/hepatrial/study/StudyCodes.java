package io.hepatrial.study;

/**
 * The systems, codes and extensions the study records its data with (docs/data-dictionary.md).
 * Local ones live under this project's canonical base; LOINC and UCUM wherever a verified code exists.
 */
public final class StudyCodes {

    /** Canonical base of the study's own code systems, extensions and search parameters. */
    public static final String BASE = "https://hepatrial.org/fhir";

    public static final String LOINC = "http://loinc.org";
    public static final String UCUM = "http://unitsofmeasure.org";
    public static final String SNOMED = "http://snomed.info/sct";
    public static final String ICD10 = "http://hl7.org/fhir/sid/icd-10";
    public static final String OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";

    /** Local codes: the transplantation procedure, the sites of infusion, and observations without a verified LOINC code. */
    public static final String STUDY_CODES = BASE + "/CodeSystem/study-codes";
    /** Cirrhosis etiology: hepatitis-b, hepatitis-c, alcoholic, other. */
    public static final String ETIOLOGY = BASE + "/CodeSystem/cirrhosis-etiology";

    /** Procedure extension: which course of transplantation (1, 2, 3, …) a Procedure is; searchable as course-number. */
    public static final String COURSE_NUMBER_EXTENSION = BASE + "/StructureDefinition/treatment-course-number";
    /** R4 core extension linking an event to a ResearchStudy; searchable as study. */
    public static final String RESEARCH_STUDY_EXTENSION = "http://hl7.org/fhir/StructureDefinition/workflow-researchStudy";

    /** meta.tag of generated data: HL7 v3 ActReason HTEST, "test health data". */
    public static final String SYNTHETIC_TAG_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    public static final String SYNTHETIC_TAG_CODE = "HTEST";

    private StudyCodes() {
    }
}
