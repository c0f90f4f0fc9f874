package io.hepatrial.study;

import static io.hepatrial.fhir.search.SearchTestData.FHIR_JSON;
import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.search;
import static io.hepatrial.fhir.search.SearchTestData.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.hepatrial.fhir.search.SearchTestData;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Both registry numbers of the study, in every spelling, find the one ResearchStudy; numbers are
 * stored canonically, checked against the registry's format, and held by one study only.
 */
@QuarkusTest
class StudyIdentifiersTest {

    private static String studyId() {
        return search("ResearchStudy?identifier=https://clinicaltrials.gov/nctid|NCT01491165").getString("entry[0].resource.id");
    }

    @ParameterizedTest
    @ValueSource(strings = {"NCT01491165", "nct01491165", "https://clinicaltrials.gov/nctid|NCT01491165",
            "http://clinicaltrials.gov|NCT01491165", "https://www.clinicaltrials.gov/|nct01491165",
            "http://clinicaltrials.gov/nctid/|NCT01491165", "urn:oid:2.16.840.1.113883.3.1077|NCT01491165",
            "ChiCTR-TNRC-11001488", "chictr-tnrc-11001488", "https://www.chictr.org.cn|ChiCTR-TNRC-11001488",
            "http://chictr.org.cn/|ChiCTR-TNRC-11001488", "https://www.chictr.org.cn/|chictr-tnrc-11001488"})
    void everySpellingOfEitherNumberFindsTheStudy(String identifier) {
        var result = search("ResearchStudy?identifier=" + identifier);
        assertEquals(1, result.getInt("total"), identifier);
        assertEquals(studyId(), result.getString("entry[0].resource.id"), identifier);
    }

    @Test
    void chainsAndConditionalReferencesResolveEverySpelling() {
        String marker = SearchTestData.unique();
        String patient = create("Patient", SearchTestData.patient(marker, "Chain", "Ada", "female", "1960-01-01"));
        // a transaction whose enrollment names the study by a legacy system and a lower-case number
        String bundle = """
                {"resourceType":"Bundle","type":"transaction","entry":[{"resource":{"resourceType":"ResearchSubject",
                "identifier":[{"system":"urn:test:%s","value":"e1"}],"status":"screening",
                "study":{"reference":"ResearchStudy?identifier=http://www.clinicaltrials.gov/|nct01491165"},
                "individual":{"reference":"Patient/%s"}},"request":{"method":"POST","url":"ResearchSubject"}}]}
                """.formatted(marker, patient);
        given().contentType(FHIR_JSON).body(bundle).post("/fhir").then().statusCode(200);
        var subjects = search("ResearchSubject?identifier=urn:test:" + marker + "|e1");
        assertEquals("ResearchStudy/" + studyId(), subjects.getString("entry[0].resource.study.reference"));

        for (String number : List.of("nct01491165", "ChiCTR-TNRC-11001488", "https://www.chictr.org.cn/|chictr-tnrc-11001488")) {
            var chained = search("ResearchSubject?study.identifier=" + number + "&individual=Patient/" + patient);
            assertEquals(1, chained.getInt("total"), number);
        }
    }

    @Test
    void numbersAreStoredUnderTheCanonicalSystemAndSpelling() {
        String number = randomNct();
        String id = create("ResearchStudy", study("http://www.clinicaltrials.gov/", number.toLowerCase()));
        given().get("/fhir/ResearchStudy/" + id).then().statusCode(200)
                .body("identifier[0].system", equalTo("https://clinicaltrials.gov/nctid"))
                .body("identifier[0].value", equalTo(number));
        assertEquals(1, search("ResearchStudy?identifier=" + number).getInt("total"));
        String chictr = create("ResearchStudy", study("http://chictr.org.cn", "chictr" + number.substring(3) + "42"));
        given().get("/fhir/ResearchStudy/" + chictr).then().statusCode(200)
                .body("identifier[0].system", equalTo("https://www.chictr.org.cn"))
                .body("identifier[0].value", equalTo("ChiCTR" + number.substring(3) + "42"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://clinicaltrials.gov|NCT01491165", "https://clinicaltrials.gov/nctid|nct01491165",
            "https://www.chictr.org.cn|ChiCTR-TNRC-11001488"})
    void aSecondStudyClaimingANumberIsRefused(String identifier) {
        String[] parts = identifier.split("\\|");
        String title = "dup-" + SearchTestData.unique();
        given().contentType(FHIR_JSON).body(study(parts[0], parts[1], title)).post("/fhir/ResearchStudy").then()
                .statusCode(409)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].code", equalTo("duplicate"))
                .body("issue[0].diagnostics", containsString("ResearchStudy/" + studyId()));
        // nor in a transaction, which is rolled back whole
        String other = randomNct();
        String bundle = """
                {"resourceType":"Bundle","type":"transaction","entry":[
                {"resource":%s,"request":{"method":"POST","url":"ResearchStudy"}},
                {"resource":%s,"request":{"method":"POST","url":"ResearchStudy"}}]}
                """.formatted(study("https://clinicaltrials.gov/nctid", other, title), study(parts[0], parts[1], title));
        given().contentType(FHIR_JSON).body(bundle).post("/fhir").then().statusCode(409);
        assertEquals(0, search("ResearchStudy?title=" + title).getInt("total"));
        assertEquals(0, search("ResearchStudy?identifier=" + other).getInt("total"));
    }

    @Test
    void aStudyKeepsItsOwnNumbersOnUpdateAndADeletedStudyFreesThem() {
        String number = randomNct();
        String id = create("ResearchStudy", study("https://clinicaltrials.gov/nctid", number));
        given().contentType(FHIR_JSON).body(study("https://clinicaltrials.gov/nctid", number).replace("{\"resourceType\":\"ResearchStudy\",",
                "{\"resourceType\":\"ResearchStudy\",\"id\":\"" + id + "\",")).put("/fhir/ResearchStudy/" + id).then().statusCode(200);
        given().contentType(FHIR_JSON).body(study("https://clinicaltrials.gov/nctid", number)).post("/fhir/ResearchStudy").then()
                .statusCode(409);
        given().delete("/fhir/ResearchStudy/" + id).then().statusCode(200);
        create("ResearchStudy", study("http://clinicaltrials.gov", number));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://clinicaltrials.gov/nctid|NCT123", "http://clinicaltrials.gov|01491165",
            "https://clinicaltrials.gov/nctid|NCT014911650", "https://www.chictr.org.cn|ChiCTR-TNRC-1100148",
            "https://www.chictr.org.cn|NCT01491165", "https://www.chictr.org.cn|ChiCTR20000293"})
    void malformedNumbersAreRefusedOnWriteAndInSearch(String identifier) {
        String[] parts = identifier.split("\\|");
        String title = "bad-" + SearchTestData.unique();
        given().contentType(FHIR_JSON).body(study(parts[0], parts[1], title)).post("/fhir/ResearchStudy").then()
                .statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", containsString(parts[1]));
        assertEquals(0, search("ResearchStudy?title=" + title).getInt("total"));
        given().urlEncodingEnabled(false).get("/fhir/" + url("ResearchStudy?identifier=" + identifier)).then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"));
    }

    @Test
    void theChictrNamingSystemIsServed() {
        var result = search("NamingSystem?value:exact=https://www.chictr.org.cn");
        assertEquals(1, result.getInt("total"));
        assertEquals("identifier", result.getString("entry[0].resource.kind"));
        assertEquals("Chinese Clinical Trial Registry (ChiCTR)", result.getString("entry[0].resource.responsible"));
    }

    static String randomNct() {
        return String.format("NCT9%07d", new Random().nextInt(10_000_000));
    }

    static String study(String system, String value) {
        return study(system, value, "Test study " + SearchTestData.unique());
    }

    static String study(String system, String value, String title) {
        return "{\"resourceType\":\"ResearchStudy\",\"title\":\"" + title + "\",\"status\":\"active\",\"identifier\":[{\"system\":\""
                + system + "\",\"value\":\"" + value + "\"}]}";
    }
}
