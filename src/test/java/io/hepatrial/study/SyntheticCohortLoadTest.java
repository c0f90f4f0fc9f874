package io.hepatrial.study;

import static io.hepatrial.fhir.search.SearchTestData.search;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.hl7.fhir.r4.model.Bundle;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** Loading the cohort writes it through the normal path, tagged, findable by the study's number; loading it again adds nothing. */
@QuarkusTest
class SyntheticCohortLoadTest {

    private static final String TAG = "_tag=" + StudyCodes.SYNTHETIC_TAG_SYSTEM + "|" + StudyCodes.SYNTHETIC_TAG_CODE;

    @Inject
    StudyBootstrap bootstrap;

    @Test
    void loadsOnceWithTheGeneratedShape() {
        SyntheticCohort cohort = new SyntheticCohort(SyntheticCohortTest.SEED);
        List<SyntheticCohort.SyntheticPatient> patients = cohort.patients();
        int resources = cohort.patientTransactions().stream().mapToInt(bundle -> bundle.getEntry().size()).sum();

        assertEquals(resources, bootstrap.loadCohort(cohort));
        assertEquals(0, bootstrap.loadCohort(cohort), "a second load creates nothing");

        assertEquals(131, count("Patient?" + TAG));
        assertEquals(131, count("ResearchSubject?study.identifier=NCT01491165&status=on-study&" + TAG));
        assertEquals(68, count("Condition?code=" + StudyCodes.ETIOLOGY + "|hepatitis-b&" + TAG));
        long threeCourses = patients.stream().filter(p -> p.courses() == 3).count();
        assertEquals(threeCourses, count("Procedure?course-number=3&study.identifier=ChiCTR-TNRC-11001488&" + TAG));
        long labs = patients.stream().mapToLong(p -> p.labs().size()).sum();
        // the labs, plus Child-Pugh, MELD, MELD-Na and MELD 3.0 derived at each of the four visits (all inputs are there)
        assertEquals(labs + 131 * 4 * 4, count("Observation?" + TAG));
        assertEquals(131 * 4, count("Observation?code=" + StudyCodes.STUDY_CODES + "|meld-3&" + TAG));
        assertEquals(131 * 4, count("Observation?code=" + StudyCodes.STUDY_CODES + "|child-pugh&" + TAG));
        // the labs of the enrolled patients, by the study's number: ALT at baseline and three follow-ups each
        assertEquals(131 * 4, count("Observation?code=http://loinc.org|1742-6&patient._has:ResearchSubject:individual:study.identifier="
                + "NCT01491165&" + TAG));
    }

    private static int count(String query) {
        return search(query + "&_summary=count").getInt("total");
    }
}
