package io.hepatrial.fhir.search;

import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.ids;
import static io.hepatrial.fhir.search.SearchTestData.observation;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.search;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static io.restassured.RestAssured.given;
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
    /**
     * Chains and reverse chains follow references only to resources that exist now: a deleted
     * ResearchSubject no longer enrolls its patient, and a deleted patient's labs are no longer found
     * through it (search.html#chaining, #has). On H2 these searches start from the innermost criterion.
     */
    @Test
    void chainsFollowOnlyLiveResources() {
        Cohort c = cohort();
        String m = c.marker();
        String left = create("Patient", patient(m, "Left" + m, "L", "female", "1962"));
        String leftSubject = create("ResearchSubject", "{\"resourceType\":\"ResearchSubject\",\"status\":\"withdrawn\","
                + "\"study\":{\"reference\":\"ResearchStudy/" + c.study() + "\"},\"individual\":{\"reference\":\"Patient/" + left + "\"}}");
        String obsLeft = create("Observation", observation(m, left, "1742-6", "2016-02-01", 42, "U/L"));
        String enrolledLabs = "Observation?patient._has:ResearchSubject:individual:study.identifier=STUDY-" + m
                + "&code=http://loinc.org|1742-6&_sort=-date";
        assertEquals(List.of(obsLeft, c.obsEnrolled()), ids(enrolledLabs));
        assertEquals(2, search(enrolledLabs + "&_summary=count").getInt("total"));

        given().delete("/fhir/ResearchSubject/" + leftSubject).then().statusCode(200);
        assertEquals(List.of(c.enrolled()), ids("Patient?_has:ResearchSubject:individual:study.identifier=STUDY-" + m));
        assertEquals(List.of(c.obsEnrolled()), ids(enrolledLabs));

        given().delete("/fhir/Patient/" + c.enrolled()).then().statusCode(200);
        assertEquals(List.of(), ids(enrolledLabs));
        assertEquals(0, search(enrolledLabs + "&_summary=count").getInt("total"));
        assertEquals(List.of(), ids("Observation?subject.identifier=urn:test:" + m + "|Enrolled" + m));
        assertEquals(List.of(obsLeft), ids("Observation?subject.identifier=urn:test:" + m + "|Left" + m));
    }

    /** A chain whose target criterion is on the resource itself (_id) or negated (:not), with paging through it. */
    @Test
    void chainsOnIdsAndNegations() {
        Cohort c = cohort();
        String m = c.marker();
        assertEquals(List.of(c.obsOther()), ids("Observation?subject._id=" + c.notEnrolled()));
        assertEquals(List.of(c.obsEnrolled()),
                ids("Observation?subject:Patient.gender:not=male&subject:Patient.identifier=urn:test:" + m + "|"));
        // two pages of one lab each, through the chain
        JsonPath first = search("Observation?subject.identifier=urn:test:" + m + "|&_sort=value-quantity&_count=1");
        assertEquals(List.of(c.obsEnrolled()), first.getList("entry.resource.id"));
        String next = first.getString("link.find { it.relation == 'next' }.url");
        assertEquals(List.of(c.obsOther()), given().urlEncodingEnabled(false).get(next.substring(next.indexOf("/fhir/")))
                .then().statusCode(200).extract().jsonPath().getList("entry.resource.id"));
    }
}
