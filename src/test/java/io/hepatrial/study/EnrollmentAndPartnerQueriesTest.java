package io.hepatrial.study;

import static io.hepatrial.fhir.search.SearchTestData.FHIR_JSON;
import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.ids;
import static io.hepatrial.fhir.search.SearchTestData.observation;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.search;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.hepatrial.fhir.search.SearchTestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Enrollment (one active ResearchSubject per patient and study) and the queries partner centers
 * make knowing only the registry number, on a small study built here with known answers: patients
 * A and B enrolled, C not; A had two courses, B one.
 */
@QuarkusTest
class EnrollmentAndPartnerQueriesTest {

    String nct;
    String studyId;
    String a;
    String b;
    String c;
    String marker;

    @BeforeEach
    void smallStudy() {
        marker = SearchTestData.unique();
        nct = StudyIdentifiersTest.randomNct();
        studyId = create("ResearchStudy", StudyIdentifiersTest.study("https://clinicaltrials.gov/nctid", nct));
        a = create("Patient", patient(marker, "Alpha", "Ann", "female", "1961-02-03"));
        b = create("Patient", patient(marker, "Beta", "Bob", "male", "1958-04-05"));
        c = create("Patient", patient(marker, "Gamma", "Cy", "male", "1970-06-07"));
        create("ResearchSubject", subject(a, "on-study"));
        create("ResearchSubject", subject(b, "on-study"));
        create("Observation", observation(marker, a, "1742-6", "2015-01-01", 120, "U/L"));
        create("Observation", observation(marker, a, "1742-6", "2015-04-01", 60, "U/L"));
        create("Observation", observation(marker, b, "1742-6", "2015-02-01", 90, "U/L"));
        create("Observation", observation(marker, c, "1742-6", "2015-03-01", 70, "U/L"));
        create("Procedure", course(a, 1, "hepatic-artery"));
        create("Procedure", course(a, 2, "hepatic-artery"));
        create("Procedure", course(b, 1, "peripheral-vein"));
    }

    @Test
    void enrolledPatientsByRegistryNumberInOneRequest() {
        JsonPath result = search("ResearchSubject?study.identifier=" + nct.toLowerCase() + "&_include=ResearchSubject:individual");
        assertEquals(2, result.getInt("total"));
        List<String> included = result.getList("entry.findAll { it.search.mode == 'include' }.resource.id");
        assertEquals(Set.of(a, b), new HashSet<>(included));
    }

    @Test
    void labsOfTheEnrolledPatientsByRegistryNumber() {
        List<String> labs = ids("Observation?patient._has:ResearchSubject:individual:study.identifier=" + nct + "&_count=50");
        assertEquals(3, labs.size());
        JsonPath byPatient = search("Observation?patient._has:ResearchSubject:individual:study=ResearchStudy/" + studyId
                + "&code=http://loinc.org|1742-6&_sort=date");
        assertEquals(3, byPatient.getInt("total"));
        assertEquals("2015-01-01", byPatient.getString("entry[0].resource.effectiveDateTime"));
    }

    @Test
    void treatmentCoursesAreSearchableByNumberSiteAndStudy() {
        assertEquals(3, search("Procedure?study.identifier=" + nct).getInt("total"));
        JsonPath second = search("Procedure?study.identifier=" + nct + "&course-number=2");
        assertEquals(1, second.getInt("total"));
        assertEquals("Patient/" + a, second.getString("entry[0].resource.subject.reference"));
        assertEquals(2, search("Procedure?study.identifier=" + nct + "&course-number=ge1&body-site="
                + StudyCodes.STUDY_CODES + "|hepatic-artery").getInt("total"));
        given().get("/fhir/metadata").then().statusCode(200)
                .body("rest[0].resource.find { it.type == 'Procedure' }.searchParam.name", hasItem("course-number"))
                .body("rest[0].resource.find { it.type == 'Patient' }.operation.name", hasItem("everything"));
    }

    @Test
    void oneActiveEnrollmentPerPatientAndStudy() {
        String d = create("Patient", patient(marker, "Delta", "Di", "female", "1965-01-01"));
        String first = create("ResearchSubject", subject(d, "on-study"));
        given().contentType(FHIR_JSON).body(subject(d, "follow-up")).post("/fhir/ResearchSubject").then().statusCode(409)
                .body("issue[0].code", equalTo("duplicate"))
                .body("issue[0].diagnostics", containsString("ResearchSubject/" + first));
        // candidates and ended enrollments do not count
        create("ResearchSubject", subject(d, "withdrawn"));
        create("ResearchSubject", subject(d, "candidate"));
        // ending the first enrollment frees the patient for a new one
        given().contentType(FHIR_JSON).body(subject(d, "off-study").replace("{\"resourceType\":\"ResearchSubject\",",
                "{\"resourceType\":\"ResearchSubject\",\"id\":\"" + first + "\",")).put("/fhir/ResearchSubject/" + first)
                .then().statusCode(200);
        create("ResearchSubject", subject(d, "on-study"));
        // two active enrollments in one transaction: refused whole
        String e = create("Patient", patient(marker, "Epsilon", "Ed", "male", "1966-01-01"));
        String bundle = """
                {"resourceType":"Bundle","type":"transaction","entry":[
                {"resource":%s,"request":{"method":"POST","url":"ResearchSubject"}},
                {"resource":%s,"request":{"method":"POST","url":"ResearchSubject"}}]}""".formatted(subject(e, "on-study"),
                subject(e, "on-study-intervention"));
        given().contentType(FHIR_JSON).body(bundle).post("/fhir").then().statusCode(409);
        assertEquals(0, search("ResearchSubject?individual=Patient/" + e).getInt("total"));
    }

    @Test
    void everythingOfAPatientIsItsCompartmentPaged() {
        JsonPath all = everything(a, "");
        // the patient, its enrollment, two labs and two courses
        assertEquals(6, all.getInt("total"));
        assertEquals(Set.of("Patient", "ResearchSubject", "Observation", "Procedure"),
                new HashSet<>(all.getList("entry.resource.resourceType")));

        Set<String> seen = new HashSet<>();
        List<Integer> pageSizes = new ArrayList<>();
        String next = "/fhir/Patient/" + a + "/$everything?_count=4";
        while (next != null) {
            JsonPath page = given().urlEncodingEnabled(false).get(next).then().statusCode(200).extract().jsonPath();
            pageSizes.add(page.getList("entry").size());
            seen.addAll(page.getList("entry.fullUrl"));
            String link = page.getString("link.find { it.relation == 'next' }.url");
            next = link == null ? null : link.substring(link.indexOf("/fhir/"));
        }
        assertEquals(List.of(4, 2), pageSizes);
        assertEquals(6, seen.size());

        assertEquals(2, everything(a, "?_type=Observation").getInt("total"));
        // the '$' percent-encoded is the same operation
        given().urlEncodingEnabled(false).get("/fhir/Patient/" + a + "/%24everything?_type=Observation").then().statusCode(200)
                .body("total", equalTo(2));
        assertEquals(2, everything(c, "").getInt("total")); // C and its one lab
        given().urlEncodingEnabled(false).get("/fhir/Patient/no-such-patient/$everything").then().statusCode(404)
                .body("resourceType", equalTo("OperationOutcome"));
        given().urlEncodingEnabled(false).get("/fhir/Patient/" + a + "/$everything?_type=Medication").then().statusCode(404);
    }

    /**
     * Care dates (patient-operation-everything.html: start, end): a resource whose type has a date
     * is in when that date overlaps start..end, each taken at its precision; the Patient and
     * undated types are always in. A's labs are of 2015-01-01 and 2015-04-01, its courses of
     * 2015-01-15 and 2015-02-15, its enrollment from 2014-12-01 on.
     */
    @Test
    void everythingBetweenCareDates() {
        JsonPath february = everything(a, "?start=2015-02-01&end=2015-03-31");
        assertEquals(Set.of("Patient/" + a, "ResearchSubject", "Procedure 2015-02-15"), describe(february));
        assertEquals(3, february.getInt("total"));
        // month precision: April 2015 on, with no end
        assertEquals(Set.of("Patient/" + a, "ResearchSubject", "Observation 2015-04-01"), describe(everything(a, "?start=2015-04")));
        // no start: everything up to the end of 2015-01-01
        assertEquals(Set.of("Patient/" + a, "ResearchSubject", "Observation 2015-01-01"), describe(everything(a, "?end=2015-01-01")));
        // before the enrollment: only the patient
        assertEquals(Set.of("Patient/" + a), describe(everything(a, "?end=2014-11")));
        // the range is kept on the next links, with _type
        JsonPath first = everything(a, "?start=2015&end=2015&_type=Observation,Procedure&_count=3");
        assertEquals(4, first.getInt("total"));
        String next = first.getString("link.find { it.relation == 'next' }.url");
        assertTrue(next.contains("start=2015") && next.contains("end=2015"), next);
        JsonPath second = given().urlEncodingEnabled(false).get(next.substring(next.indexOf("/fhir/"))).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(1, second.getList("entry").size());

        for (String bad : List.of("?start=yesterday", "?end=2015-13", "?start=2016&end=2015")) {
            given().urlEncodingEnabled(false).get("/fhir/Patient/" + a + "/$everything" + bad).then().statusCode(400)
                    .body("resourceType", equalTo("OperationOutcome"));
        }
    }

    /** Each entry as "Type date" (a lab's effective date, a course's performed date), the patient by id, an enrollment by type. */
    private static Set<String> describe(JsonPath bundle) {
        Set<String> described = new HashSet<>();
        List<Map<String, Object>> resources = bundle.getList("entry.resource");
        for (Map<String, Object> resource : resources == null ? List.<Map<String, Object>>of() : resources) {
            String type = (String) resource.get("resourceType");
            described.add(switch (type) {
                case "Patient" -> "Patient/" + resource.get("id");
                case "Observation" -> type + " " + resource.get("effectiveDateTime");
                case "Procedure" -> type + " " + resource.get("performedDateTime");
                default -> type;
            });
        }
        return described;
    }

    /** The pages of one $everything hold what was stored before its first page: what is written while paging does not extend it. */
    @Test
    void everythingPagesHoldWhatWasStoredWhenPagingBegan() {
        String m = java.util.UUID.randomUUID().toString().substring(0, 8);
        String p = create("Patient", patient(m, "Pager", "P", "female", "1960-01-01"));
        for (int i = 0; i < 3; i++) {
            create("Observation", observation(m, p, "1742-6", "2016-01-0" + (i + 1), 40 + i, "U/L"));
        }
        JsonPath first = given().urlEncodingEnabled(false).get("/fhir/Patient/" + p + "/$everything?_count=2").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(4, first.getInt("total"));
        create("Observation", observation(m, p, "1742-6", "2016-02-01", 50, "U/L")); // written while the client pages
        String next = first.getString("link.find { it.relation == 'next' }.url");
        JsonPath second = given().urlEncodingEnabled(false).get(next.substring(next.indexOf("/fhir/"))).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(4, second.getInt("total"));
        assertEquals(2, second.getList("entry").size());
        assertEquals(null, second.getString("link.find { it.relation == 'next' }.url"));
        assertEquals(5, everything(p, "").getInt("total")); // a new $everything sees it
        given().urlEncodingEnabled(false).get("/fhir/Patient/" + p + "/$everything?_cursor=12").then().statusCode(400);
    }

    private static JsonPath everything(String patientId, String query) {
        return given().urlEncodingEnabled(false).get("/fhir/Patient/" + patientId + "/$everything" + query).then().statusCode(200)
                .extract().jsonPath();
    }

    private String subject(String patientId, String status) {
        return "{\"resourceType\":\"ResearchSubject\",\"status\":\"" + status + "\",\"assignedArm\":\"hepatic-artery\","
                + "\"period\":{\"start\":\"2014-12-01\"},\"study\":{\"reference\":\"ResearchStudy/" + studyId + "\"},"
                + "\"individual\":{\"reference\":\"Patient/" + patientId + "\"}}";
    }

    private String course(String patientId, int number, String site) {
        return "{\"resourceType\":\"Procedure\",\"status\":\"completed\","
                + "\"extension\":[{\"url\":\"" + StudyCodes.COURSE_NUMBER_EXTENSION + "\",\"valuePositiveInt\":" + number + "},"
                + "{\"url\":\"" + StudyCodes.RESEARCH_STUDY_EXTENSION + "\",\"valueReference\":{\"reference\":\"ResearchStudy/" + studyId + "\"}}],"
                + "\"code\":{\"coding\":[{\"system\":\"" + StudyCodes.STUDY_CODES + "\",\"code\":\"stem-cell-transplantation\"}]},"
                + "\"subject\":{\"reference\":\"Patient/" + patientId + "\"},\"performedDateTime\":\"2015-0" + number + "-15\","
                + "\"bodySite\":[{\"coding\":[{\"system\":\"" + StudyCodes.STUDY_CODES + "\",\"code\":\"" + site + "\"}]}]}";
    }
}
