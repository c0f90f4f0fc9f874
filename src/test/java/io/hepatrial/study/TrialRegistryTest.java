package io.hepatrial.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Registry systems in every spelling clients send, and the registries' number formats. */
class TrialRegistryTest {

    @ParameterizedTest
    @ValueSource(strings = {"https://clinicaltrials.gov/nctid", "http://clinicaltrials.gov", "https://clinicaltrials.gov",
            "http://clinicaltrials.gov/", "https://www.clinicaltrials.gov/", "HTTP://WWW.ClinicalTrials.gov/nctid/",
            "urn:oid:2.16.840.1.113883.3.1077"})
    void everySpellingOfTheClinicalTrialsGovSystemIsRecognized(String system) {
        assertEquals(Optional.of(TrialRegistry.CLINICALTRIALS_GOV), TrialRegistry.bySystem(system));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://www.chictr.org.cn", "http://www.chictr.org.cn", "https://chictr.org.cn/", "http://chictr.org.cn"})
    void everySpellingOfTheChictrSystemIsRecognized(String system) {
        assertEquals(Optional.of(TrialRegistry.CHICTR), TrialRegistry.bySystem(system));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://clinicaltrials.gov/ct2", "https://example.org", "urn:ietf:rfc:3986", ""})
    void otherSystemsAreNotRegistries(String system) {
        assertTrue(TrialRegistry.bySystem(system).isEmpty());
    }

    @org.junit.jupiter.api.Test
    void numbersAreCanonicalizedOrRefused() {
        assertEquals(Optional.of("NCT01491165"), TrialRegistry.CLINICALTRIALS_GOV.canonicalNumber("nct01491165"));
        assertEquals(Optional.of("NCT01491165"), TrialRegistry.CLINICALTRIALS_GOV.canonicalNumber(" NCT01491165 "));
        assertTrue(TrialRegistry.CLINICALTRIALS_GOV.canonicalNumber("NCT0149116").isEmpty());
        assertTrue(TrialRegistry.CLINICALTRIALS_GOV.canonicalNumber("NCT014911650").isEmpty());
        assertTrue(TrialRegistry.CLINICALTRIALS_GOV.canonicalNumber("01491165").isEmpty());

        assertEquals(Optional.of("ChiCTR-TNRC-11001488"), TrialRegistry.CHICTR.canonicalNumber("chictr-tnrc-11001488"));
        assertEquals(Optional.of("ChiCTR-TRC-12002345"), TrialRegistry.CHICTR.canonicalNumber("ChiCTR-TRC-12002345"));
        assertEquals(Optional.of("ChiCTR2000029308"), TrialRegistry.CHICTR.canonicalNumber("CHICTR2000029308"));
        assertTrue(TrialRegistry.CHICTR.canonicalNumber("ChiCTR-TNRC-1100148").isEmpty());
        assertTrue(TrialRegistry.CHICTR.canonicalNumber("ChiCTR200002930").isEmpty());
        assertTrue(TrialRegistry.CHICTR.canonicalNumber("NCT01491165").isEmpty());

        assertEquals(Optional.of(TrialRegistry.CHICTR), TrialRegistry.byNumber("chictr-tnrc-11001488"));
        assertEquals(Optional.of(TrialRegistry.CLINICALTRIALS_GOV), TrialRegistry.byNumber("nct01491165"));
        assertTrue(TrialRegistry.byNumber("12345").isEmpty());
    }
}
