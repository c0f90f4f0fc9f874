package io.hepatrial.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.validation.ResourceValidator;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The study's profiles (study/conformance.json): valid and invalid examples for each, and every
 * resource the synthetic cohort generates (it follows the data dictionary). Each example is checked
 * twice, with HAPI's full validator ($validate) and with the profile's compiled rules (writes), and
 * both must give the same verdict and name the same rule.
 */
@QuarkusTest
class StudyProfilesTest {

    static final FhirContext FHIR = FhirContext.forR4Cached();

    @Inject
    ResourceValidator validator;

    // --- lab results ------------------------------------------------------------------------------

    static Observation lab(String loinc, double value, String unit) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.addCategory().addCoding(new Coding(StudyCodes.OBSERVATION_CATEGORY, "laboratory", "Laboratory"));
        observation.getCode().addCoding(new Coding(StudyCodes.LOINC, loinc, null));
        observation.setSubject(new Reference("Patient/p1")).setEffective(new DateTimeType("2012-03-04"));
        observation.setValue(new Quantity().setValue(BigDecimal.valueOf(value)).setSystem(StudyCodes.UCUM).setCode(unit).setUnit(unit));
        return observation;
    }

    @Test
    void labResultsInTheDictionarysUnitsConform() {
        assertValid(lab("1742-6", 80, "U/L"), StudyProfiles.LAB_OBSERVATION);
        assertValid(lab("1751-7", 3.1, "g/dL"), StudyProfiles.LAB_OBSERVATION);
        assertValid(lab("1751-7", 31, "g/L"), StudyProfiles.LAB_OBSERVATION);
        assertValid(lab("14631-6", 40, "umol/L"), StudyProfiles.LAB_OBSERVATION);
        assertValid(lab("777-3", 90, "10*9/L"), StudyProfiles.LAB_OBSERVATION);
    }

    @Test
    void aLabResultInAUnitThatDoesNotFitItsMarkerIsAnError() {
        assertError(lab("1742-6", 80, "mg/dL"), StudyProfiles.LAB_OBSERVATION, "hep-unit-alt");
        // bilirubin by mass is in mg/dL; µmol/L belongs to the moles code 14631-6
        assertError(lab("1975-2", 40, "umol/L"), StudyProfiles.LAB_OBSERVATION, "hep-unit-bilirubin-mass");
    }

    @Test
    void aLoincCodeOutsideTheStudysMarkersIsAnError() {
        // glucose is a LOINC code, but not one the study follows
        assertError(lab("2345-7", 5.4, "mmol/L"), StudyProfiles.LAB_OBSERVATION, "study-lab-markers");
    }

    @Test
    void aLabResultNeedsItsCategoryCodeSubjectTimeAndQuantity() {
        Observation noCategory = lab("1742-6", 80, "U/L");
        noCategory.getCategoryFirstRep().getCodingFirstRep().setCode("exam");
        assertError(noCategory, StudyProfiles.LAB_OBSERVATION, "hep-lab-1");

        Observation noCode = lab("1742-6", 80, "U/L");
        noCode.getCode().getCoding().clear();
        noCode.getCode().setText("ALT");
        assertError(noCode, StudyProfiles.LAB_OBSERVATION, "Observation.code");

        Observation text = lab("1742-6", 80, "U/L");
        text.setValue(new StringType("80 U/L"));
        assertError(text, StudyProfiles.LAB_OBSERVATION, "hep-lab-2");

        Observation noSubject = lab("1742-6", 80, "U/L");
        noSubject.setSubject(null);
        assertError(noSubject, StudyProfiles.LAB_OBSERVATION, "Observation.subject");

        Observation noTime = lab("1742-6", 80, "U/L");
        noTime.setEffective(null);
        assertError(noTime, StudyProfiles.LAB_OBSERVATION, "Observation.effective");
    }

    // --- the other profiles ---------------------------------------------------------------------

    static Procedure course(int number, String route) {
        Procedure procedure = new Procedure();
        procedure.setStatus(Procedure.ProcedureStatus.COMPLETED).setSubject(new Reference("Patient/p1"));
        procedure.getCode().addCoding(new Coding(StudyCodes.STUDY_CODES, "stem-cell-transplantation", null));
        procedure.addBodySite().addCoding(new Coding(StudyCodes.STUDY_CODES, route, null));
        procedure.setPerformed(new DateTimeType("2012-05-01"));
        procedure.addExtension(StudyCodes.COURSE_NUMBER_EXTENSION, new PositiveIntType(number));
        return procedure;
    }

    @Test
    void transplantationCourses() {
        assertValid(course(2, "hepatic-artery"), StudyProfiles.TRANSPLANTATION_PROCEDURE);
        Procedure noNumber = course(1, "peripheral-vein");
        noNumber.getExtension().clear();
        assertError(noNumber, StudyProfiles.TRANSPLANTATION_PROCEDURE, "hep-proc-2");
        assertError(course(1, "oral"), StudyProfiles.TRANSPLANTATION_PROCEDURE, "Procedure.bodySite");
        Procedure undated = course(1, "peripheral-vein");
        undated.setPerformed(null);
        assertError(undated, StudyProfiles.TRANSPLANTATION_PROCEDURE, "Procedure.performed");
    }

    static Condition cirrhosis(String etiology) {
        Condition condition = new Condition();
        condition.getCode().addCoding(new Coding(StudyCodes.SNOMED, "19943007", "Cirrhosis of liver"));
        if (etiology != null) {
            condition.getCode().addCoding(new Coding(StudyCodes.ETIOLOGY, etiology, null));
        }
        condition.setSubject(new Reference("Patient/p1"));
        return condition;
    }

    @Test
    void cirrhosisWithItsEtiology() {
        assertValid(cirrhosis("alcoholic"), StudyProfiles.CIRRHOSIS_CONDITION);
        assertError(cirrhosis(null), StudyProfiles.CIRRHOSIS_CONDITION, "hep-cond-2");
        assertError(cirrhosis("viral"), StudyProfiles.CIRRHOSIS_CONDITION, "viral");
    }

    static ResearchStudy study() {
        return (ResearchStudy) FHIR.newJsonParser().parseResource(StudyProfilesTest.class.getResourceAsStream("/study/research-study.json"));
    }

    @Test
    void theStudyWithBothRegistryNumbers() {
        assertValid(study(), StudyProfiles.RESEARCH_STUDY);
        ResearchStudy malformed = study();
        malformed.getIdentifier().get(0).setValue("NCT1491165");
        assertError(malformed, StudyProfiles.RESEARCH_STUDY, "hep-rs-1");
        ResearchStudy onlyNct = study();
        onlyNct.getIdentifier().remove(1);
        assertError(onlyNct, StudyProfiles.RESEARCH_STUDY, "hep-rs-2");
    }

    static ResearchSubject enrollment(String arm) {
        ResearchSubject subject = new ResearchSubject();
        subject.setStatus(ResearchSubject.ResearchSubjectStatus.ONSTUDY);
        subject.setStudy(new Reference("ResearchStudy/s1")).setIndividual(new Reference("Patient/p1"));
        subject.setPeriod(new Period().setStartElement(new DateTimeType("2012-01-01")));
        subject.setAssignedArm(arm);
        return subject;
    }

    @Test
    void enrollments() {
        assertValid(enrollment("hepatic-artery"), StudyProfiles.RESEARCH_SUBJECT);
        assertError(enrollment("oral"), StudyProfiles.RESEARCH_SUBJECT, "hep-sub-1");
        ResearchSubject undated = enrollment(null);
        undated.setPeriod(null);
        assertError(undated, StudyProfiles.RESEARCH_SUBJECT, "ResearchSubject.period");
    }

    // --- the synthetic cohort follows the dictionary -------------------------------------------------

    @Test
    void everyResourceOfASyntheticPatientConformsToTheProfilesTheStudyAssignsIt() {
        StudyProfiles assignment = new StudyProfiles();
        SyntheticCohort.SyntheticPatient patient = new SyntheticCohort(SyntheticCohortTest.SEED).patients().get(3);
        int validated = 0;
        for (Bundle.BundleEntryComponent entry : SyntheticCohort.transaction(patient).getEntry()) {
            Resource resource = entry.getResource();
            List<String> profiles = assignment.profilesFor(resource);
            if (resource instanceof ResearchSubject) {
                profiles = List.of(StudyProfiles.RESEARCH_SUBJECT);
            }
            if (!profiles.isEmpty()) {
                assertValid(resource, profiles.get(0));
                validated++;
            }
        }
        // the Condition, the enrollment, every course and the 11 lab markers at 4 visits
        assertEquals(2 + patient.courses() + 11 * 4, validated);
    }

    private void assertValid(Resource resource, String profile) {
        for (List<OperationOutcomeIssueComponent> errors : List.of(errors(resource, profile), writeErrors(resource, profile))) {
            assertTrue(errors.isEmpty(), () -> resource.fhirType() + " should conform to " + profile + " but: " + describe(errors));
        }
    }

    private void assertError(Resource resource, String profile, String expected) {
        for (List<OperationOutcomeIssueComponent> errors : List.of(errors(resource, profile), writeErrors(resource, profile))) {
            assertFalse(errors.isEmpty(), resource.fhirType() + " should not conform to " + profile);
            assertTrue(describe(errors).contains(expected), () -> "expected an error about " + expected + ", got: " + describe(errors));
        }
    }

    /** What a write is checked with: the profile's compiled rules (they must exist for every study profile). */
    private List<OperationOutcomeIssueComponent> writeErrors(Resource resource, String profile) {
        List<OperationOutcomeIssueComponent> errors = validator.checkOnWrite(resource, profile);
        assertTrue(errors != null, profile + " has no compiled write rules");
        return errors;
    }

    private List<OperationOutcomeIssueComponent> errors(Resource resource, String profile) {
        return validator.validate(resource, List.of(profile)).stream()
                .filter(i -> i.getSeverity() == IssueSeverity.ERROR || i.getSeverity() == IssueSeverity.FATAL).toList();
    }

    static String describe(List<OperationOutcomeIssueComponent> issues) {
        return issues.stream().map(i -> i.getSeverity().toCode() + " " + i.getExpression() + " " + i.getDiagnostics())
                .collect(Collectors.joining("\n  ", "\n  ", ""));
    }
}
