package io.hepatrial.fhir.search;

import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.ids;
import static io.hepatrial.fhir.search.SearchTestData.observation;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.search;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** Chaining, reverse chaining (_has), _include and _revinclude (search.html#chaining, #has, #include). */
@QuarkusTest
class SearchChainsAndIncludesTest {

    record Cohort(String marker, String study, String enrolled, String notEnrolled, String subject, String obsEnrolled,
            String obsOther) {
    }

    static Cohort cohort() {
        String m = unique();
        String study = create("ResearchStudy", "{\"resourceType\":\"ResearchStudy\",\"status\":\"active\",\"identifier\":[{"
                + "\"system\":\"urn:test:registry\",\"value\":\"STUDY-" + m + "\"}]}");
        String enrolled = create("Patient", patient(m, "Enrolled" + m, "E", "female", "1960"));
        String notEnrolled = create("Patient", patient(m, "Outside" + m, "O", "male", "1961"));
        String subject = create("ResearchSubject", "{\"resourceType\":\"ResearchSubject\",\"status\":\"on-study\","
                + "\"study\":{\"reference\":\"ResearchStudy/" + study + "\"},\"individual\":{\"reference\":\"Patient/" + enrolled + "\"}}");
        String obsEnrolled = create("Observation", observation(m, enrolled, "1742-6", "2016-01-01", 40, "U/L"));
        String obsOther = create("Observation", observation(m, notEnrolled, "1742-6", "2016-01-01", 41, "U/L"));
        return new Cohort(m, study, enrolled, notEnrolled, subject, obsEnrolled, obsOther);
    }

    @Test
    void chainFindsSubjectsByTheStudysRegistryIdentifier() {
        Cohort c = cohort();
        assertEquals(List.of(c.subject()), ids("ResearchSubject?study.identifier=urn:test:registry|STUDY-" + c.marker()));
        assertEquals(List.of(c.subject()), ids("ResearchSubject?study:ResearchStudy.identifier=STUDY-" + c.marker()));
        assertEquals(List.of(), ids("ResearchSubject?study.identifier=STUDY-none"));
    }

    @Test
    void chainOnPatientIdentifierAndName() {
        Cohort c = cohort();
        assertEquals(List.of(c.obsEnrolled()), ids("Observation?subject.identifier=urn:test:" + c.marker() + "|Enrolled" + c.marker()));
        assertEquals(List.of(c.obsEnrolled()), ids("Observation?patient.name=enrolled" + c.marker()));
        assertEquals(List.of(c.obsOther()), ids("Observation?subject:Patient.family=Outside" + c.marker()));
    }

    @Test
    void reverseChainFindsPatientsEnrolledInTheStudy() {
        Cohort c = cohort();
        assertEquals(List.of(c.enrolled()), ids("Patient?_has:ResearchSubject:individual:study=ResearchStudy/" + c.study()));
        // and combined with a chain: enrolled by registry number
        assertEquals(List.of(c.enrolled()),
                ids("Patient?_has:ResearchSubject:individual:study.identifier=STUDY-" + c.marker()));
        // their labs, through the patient
        assertEquals(List.of(c.obsEnrolled()),
                ids("Observation?patient._has:ResearchSubject:individual:study=ResearchStudy/" + c.study()));
    }

    @Test
    void includeBringsTheReferencedPatients() {
        Cohort c = cohort();
        JsonPath page = search("ResearchSubject?study.identifier=STUDY-" + c.marker() + "&_include=ResearchSubject:individual");
        assertEquals(List.of(c.subject()), page.getList("entry.findAll { it.search.mode == 'match' }.resource.id"));
        assertEquals(List.of(c.enrolled()), page.getList("entry.findAll { it.search.mode == 'include' }.resource.id"));
        assertEquals(List.of("Patient"), page.getList("entry.findAll { it.search.mode == 'include' }.resource.resourceType"));
        assertEquals(1, page.getInt("total"), "total counts matches only");
    }

    @Test
    void includeWithTargetTypeAndWildcard() {
        Cohort c = cohort();
        JsonPath typed = search("ResearchSubject?_id=" + c.subject() + "&_include=ResearchSubject:study:ResearchStudy");
        assertEquals(List.of(c.study()), typed.getList("entry.findAll { it.search.mode == 'include' }.resource.id"));
        JsonPath all = search("ResearchSubject?_id=" + c.subject() + "&_include=*");
        assertEquals(Set.of(c.study(), c.enrolled()),
                new HashSet<>(all.getList("entry.findAll { it.search.mode == 'include' }.resource.id")));
    }

    @Test
    void revincludeAndIterate() {
        Cohort c = cohort();
        JsonPath page = search("Patient?_id=" + c.enrolled() + "&_revinclude=Observation:subject&_revinclude=ResearchSubject:individual");
        assertEquals(Set.of(c.obsEnrolled(), c.subject()),
                new HashSet<>(page.getList("entry.findAll { it.search.mode == 'include' }.resource.id")));
        // iterate: from the study to its subjects, and from the subjects to their patients
        JsonPath iterated = search("ResearchStudy?_id=" + c.study()
                + "&_revinclude=ResearchSubject:study&_include:iterate=ResearchSubject:individual");
        List<String> included = iterated.getList("entry.findAll { it.search.mode == 'include' }.resource.id");
        assertTrue(included.contains(c.subject()) && included.contains(c.enrolled()), included.toString());
    }
}
