package io.hepatrial.study;

import java.util.List;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Resource;

import io.hepatrial.fhir.validation.ProfileAssignment;
import jakarta.inject.Singleton;

/**
 * The study's profiles (src/main/resources/study/conformance.json) guard the study's data even when
 * an EHR does not declare them: a lab result coded with one of the study's LOINC markers must be a
 * study lab result, a Procedure coded as the study's transplantation a transplantation course, a
 * Condition coded as liver cirrhosis a cirrhosis with its etiology. The ResearchStudy and
 * ResearchSubject profiles apply where they are declared (the study's own ResearchStudy does).
 */
@Singleton
public class StudyProfiles implements ProfileAssignment {

    public static final String LAB_OBSERVATION = StudyCodes.BASE + "/StructureDefinition/study-lab-observation";
    public static final String TRANSPLANTATION_PROCEDURE = StudyCodes.BASE + "/StructureDefinition/study-transplantation-procedure";
    public static final String CIRRHOSIS_CONDITION = StudyCodes.BASE + "/StructureDefinition/study-cirrhosis-condition";
    public static final String RESEARCH_STUDY = StudyCodes.BASE + "/StructureDefinition/study-research-study";
    public static final String RESEARCH_SUBJECT = StudyCodes.BASE + "/StructureDefinition/study-research-subject";

    static final String TRANSPLANTATION_CODE = "stem-cell-transplantation";
    static final String CIRRHOSIS_SNOMED = "19943007";

    @Override
    public List<String> profilesFor(Resource resource) {
        if (resource instanceof Observation observation && hasLabMarker(observation.getCode())) {
            return List.of(LAB_OBSERVATION);
        }
        if (resource instanceof Procedure procedure && has(procedure.getCode(), StudyCodes.STUDY_CODES, TRANSPLANTATION_CODE)) {
            return List.of(TRANSPLANTATION_PROCEDURE);
        }
        if (resource instanceof Condition condition && has(condition.getCode(), StudyCodes.SNOMED, CIRRHOSIS_SNOMED)) {
            return List.of(CIRRHOSIS_CONDITION);
        }
        return List.of();
    }

    private static boolean hasLabMarker(CodeableConcept code) {
        for (Coding coding : code.getCoding()) {
            if (StudyCodes.LOINC.equals(coding.getSystem()) && StudyMarker.of(coding.getSystem(), coding.getCode()).isPresent()) {
                return true;
            }
        }
        return false;
    }

    private static boolean has(CodeableConcept concept, String system, String code) {
        for (Coding coding : concept.getCoding()) {
            if (system.equals(coding.getSystem()) && code.equals(coding.getCode())) {
                return true;
            }
        }
        return false;
    }
}
