package io.hepatrial.fhir.validation;

import static io.hepatrial.fhir.search.SearchTestData.FHIR_JSON;
import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.observation;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.search;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * Profile validation on write and {@code $validate} (operation-resource-validate.html: 200 with an
 * OperationOutcome whether or not the resource is valid; 4xx only when validation cannot be done).
 * Resources with a study marker code get the study's lab profile (default mode: enforce).
 */
@QuarkusTest
class ValidationTest {

    static final String LAB_PROFILE = "https://hepatrial.org/fhir/StructureDefinition/study-lab-observation";

    private static RequestSpecification fhir() {
        return given().urlEncodingEnabled(false).contentType(FHIR_JSON).accept(FHIR_JSON);
    }

    private static String alt(String marker, String patient, String unit) {
        return observation(marker, patient, "1742-6", "2016-03-01", 80, unit);
    }

    // --- on write -----------------------------------------------------------------------------------

    @Test
    void aStudyLabInAUnitThatDoesNotFitIsRefusedWith422AndNothingIsStored() {
        String marker = unique();
        String p = create("Patient", patient(marker, "Valid", "Vera", "female", "1970-01-01"));
        fhir().body(alt(marker, p, "mg/dL")).post("/fhir/Observation").then().statusCode(422)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].severity", equalTo("error"))
                .body("issue[0].diagnostics", containsString(LAB_PROFILE))
                .body("issue.diagnostics", hasItem(containsString("hep-unit-alt")));
        assertEquals(0, search("Observation?identifier=urn:test:" + marker + "|").getInt("total"));

        // the same in a transaction: the whole Bundle is refused, the entry named
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                + "{\"resource\":" + alt(marker, p, "U/L") + ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}},"
                + "{\"resource\":" + alt(marker, p, "mg/dL") + ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}";
        fhir().body(bundle).post("/fhir").then().statusCode(422)
                .body("issue[0].diagnostics", containsString("Bundle entry 1"))
                .body("issue.diagnostics", hasItem(containsString("hep-unit-alt")));
        assertEquals(0, search("Observation?identifier=urn:test:" + marker + "|").getInt("total"));

        // conforming: stored
        fhir().body(alt(marker, p, "U/L")).post("/fhir/Observation").then().statusCode(201);
    }

    @Test
    void anUpdateOrPatchIsValidatedToo() {
        String marker = unique();
        String p = create("Patient", patient(marker, "Patch", "Paul", "male", "1970-01-01"));
        String id = create("Observation", alt(marker, p, "U/L"));
        String patch = "[{\"op\":\"replace\",\"path\":\"/valueQuantity/code\",\"value\":\"mmol/L\"}]";
        given().contentType("application/json-patch+json").body(patch).patch("/fhir/Observation/" + id).then().statusCode(422);
        given().get("/fhir/Observation/" + id).then().statusCode(200).body("valueQuantity.code", equalTo("U/L"))
                .body("meta.versionId", equalTo("1"));
    }

    @Test
    void aDeclaredProfileTheServerDoesNotKnowIsAWarningNotARefusal() {
        String body = "{\"resourceType\":\"Patient\",\"meta\":{\"profile\":[\"http://example.org/StructureDefinition/unknown\"]},"
                + "\"name\":[{\"family\":\"Unknown\"}]}";
        fhir().header("Prefer", "return=OperationOutcome").body(body).post("/fhir/Patient").then().statusCode(201)
                .body("issue[0].severity", equalTo("information"))
                .body("issue[1].severity", equalTo("warning"))
                .body("issue[1].diagnostics", containsString("http://example.org/StructureDefinition/unknown"));
    }

    @Test
    void aDeclaredStudyProfileIsEnforcedWhateverTheCode() {
        // glucose is no study marker, so the lab profile applies only because it is declared
        String body = observation(unique(), create("Patient", patient(unique(), "G", "G", "male", "1970-01-01")), "2345-7",
                "2016-03-01", 5.5, "mmol/L").replaceFirst("\\{", "{\"meta\":{\"profile\":[\"" + LAB_PROFILE + "\"]},");
        fhir().body(body).post("/fhir/Observation").then().statusCode(422)
                .body("issue.diagnostics", hasItem(containsString("study-lab-markers")));
        fhir().body(body.replace(",\"meta\":{\"profile\":[\"" + LAB_PROFILE + "\"]}", "").replace("{\"meta\":{\"profile\":[\"" + LAB_PROFILE + "\"]},", "{"))
                .post("/fhir/Observation").then().statusCode(201);
    }

    // --- $validate ----------------------------------------------------------------------------------

    @Test
    void validateWithoutModeAnswers200WhetherOrNotTheResourceIsValid() {
        String p = create("Patient", patient(unique(), "V", "V", "male", "1970-01-01"));
        fhir().body(alt(unique(), p, "U/L")).post("/fhir/Observation/$validate").then().statusCode(200)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].severity", equalTo("information"));
        fhir().body(alt(unique(), p, "mg/dL")).post("/fhir/Observation/$validate").then().statusCode(200)
                .body("issue.severity", hasItem("error"))
                .body("issue.diagnostics", hasItem(containsString("hep-unit-alt")));
        // without a profile the base definition is checked: an Observation needs a status and a code
        fhir().body("{\"resourceType\":\"Observation\",\"valueString\":\"x\"}").post("/fhir/Observation/$validate").then().statusCode(200)
                .body("issue.severity", hasItem("error"))
                .body("issue.diagnostics", hasItem(containsString("Observation.status")));
        // content that does not parse is invalid, not a failed operation
        fhir().body("{\"resourceType\":\"Observation\",\"status\":\"final\",\"colour\":\"red\"}").post("/fhir/Observation/$validate")
                .then().statusCode(200).body("issue[0].severity", equalTo("error")).body("issue[0].code", equalTo("structure"));
        // the %24 spelling reaches it too
        fhir().body(alt(unique(), p, "U/L")).post("/fhir/Observation/%24validate").then().statusCode(200);
    }

    @Test
    void validateTakesAParametersBodyAndANominatedProfile() {
        String p = create("Patient", patient(unique(), "V", "V", "male", "1970-01-01"));
        String glucose = observation(unique(), p, "2345-7", "2016-03-01", 5.5, "mmol/L");
        // not a study marker: valid as it is, invalid against the lab profile when nominated
        fhir().body(glucose).post("/fhir/Observation/$validate").then().statusCode(200).body("issue[0].severity", equalTo("information"));
        fhir().body(glucose).post("/fhir/Observation/$validate?profile=" + LAB_PROFILE).then().statusCode(200)
                .body("issue.severity", hasItem("error"));
        String parameters = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"resource\",\"resource\":" + glucose + "},"
                + "{\"name\":\"mode\",\"valueCode\":\"profile\"},{\"name\":\"profile\",\"valueUri\":\"" + LAB_PROFILE + "\"}]}";
        fhir().body(parameters).post("/fhir/Observation/$validate").then().statusCode(200).body("issue.severity", hasItem("error"));
        // a profile the server cannot validate against: the operation cannot be done
        fhir().body(glucose).post("/fhir/Observation/$validate?profile=http://example.org/nothing").then().statusCode(400)
                .body("issue[0].code", equalTo("not-supported"));
        // a resource of another type, an unknown mode, no resource: 400
        fhir().body(patient(unique(), "X", "X", "male", "1970-01-01")).post("/fhir/Observation/$validate").then().statusCode(400);
        fhir().body(glucose).post("/fhir/Observation/$validate?mode=sideways").then().statusCode(400);
        fhir().post("/fhir/Observation/$validate").then().statusCode(400);
    }

    @Test
    void modeCreateRunsEveryRuleOfARealCreateAndKeepsNothing() {
        // the study's registry number is held by the study's ResearchStudy: a second one would be a 409
        String duplicate = "{\"resourceType\":\"ResearchStudy\",\"status\":\"active\",\"identifier\":[{\"system\":"
                + "\"https://clinicaltrials.gov/nctid\",\"value\":\"NCT01491165\"}]}";
        int before = search("ResearchStudy?_summary=count").getInt("total");
        fhir().body(duplicate).post("/fhir/ResearchStudy/$validate?mode=create").then().statusCode(200)
                .body("issue[0].severity", equalTo("error"))
                .body("issue[0].code", equalTo("duplicate"))
                .body("issue[0].diagnostics", containsString("409"));
        String fresh = duplicate.replace("NCT01491165", "NCT0" + (int) (1_000_000 + Math.random() * 8_999_999));
        fhir().body(fresh).post("/fhir/ResearchStudy/$validate?mode=create").then().statusCode(200)
                .body("issue[0].severity", equalTo("information"))
                .body("issue[0].diagnostics", containsString("create would be accepted"));
        assertEquals(before, search("ResearchStudy?_summary=count").getInt("total"), "a dry run stores nothing");
        // "The server checks the content, and then checks that the content would be acceptable as a create":
        // the content (base definition and profile=) first
        fhir().body("{\"resourceType\":\"Observation\",\"code\":{\"text\":\"x\"}}").post("/fhir/Observation/$validate?mode=create")
                .then().statusCode(200).body("issue[0].severity", equalTo("error"))
                .body("issue[0].diagnostics", containsString("status"));
        fhir().body(fresh).post("/fhir/ResearchStudy/$validate?mode=create&profile=https://hepatrial.org/fhir/StructureDefinition/study-lab-observation")
                .then().statusCode(200).body("issue[0].severity", equalTo("error"));
    }

    @Test
    void modeUpdateChecksTheIdAndTheVersionAndChangesNothing() {
        String marker = unique();
        String p = create("Patient", patient(marker, "Up", "Una", "female", "1970-01-01"));
        String changed = "{\"resourceType\":\"Patient\",\"id\":\"" + p + "\",\"name\":[{\"family\":\"Changed\"}]}";
        fhir().body(changed).post("/fhir/Patient/" + p + "/$validate?mode=update").then().statusCode(200)
                .body("issue[0].severity", equalTo("information"));
        fhir().body(changed.replace(p, "other")).post("/fhir/Patient/" + p + "/$validate?mode=update").then().statusCode(200)
                .body("issue[0].severity", equalTo("error")).body("issue[0].diagnostics", containsString("id"));
        fhir().header("If-Match", "W/\"7\"").body(changed).post("/fhir/Patient/" + p + "/$validate?mode=update").then().statusCode(200)
                .body("issue[0].severity", equalTo("error")).body("issue[0].diagnostics", containsString("412"));
        given().get("/fhir/Patient/" + p).then().statusCode(200).body("name[0].family", equalTo("Up")).body("meta.versionId", equalTo("1"));
        // update needs an instance, and the resource that would be written
        fhir().body(changed).post("/fhir/Patient/$validate?mode=update").then().statusCode(400);
        fhir().get("/fhir/Patient/" + p + "/$validate?mode=update").then().statusCode(400);
    }

    @Test
    void modeDeleteSaysWhatWouldBeLeftDangling() {
        String marker = unique();
        String p = create("Patient", patient(marker, "Del", "Dora", "female", "1970-01-01"));
        String o = create("Observation", alt(marker, p, "U/L"));
        JsonPath outcome = fhir().get("/fhir/Patient/" + p + "/$validate?mode=delete").then().statusCode(200).extract().jsonPath();
        assertEquals("information", outcome.getString("issue[0].severity"));
        assertEquals("warning", outcome.getString("issue[1].severity"));
        assertTrue(outcome.getString("issue[1].diagnostics").contains("Observation/" + o), outcome.prettify());
        given().get("/fhir/Patient/" + p).then().statusCode(200);
        fhir().get("/fhir/Patient/no-such-patient/$validate?mode=delete").then().statusCode(404);
    }

    @Test
    void theStoredResourceCanBeValidatedAgainstAProfile() {
        String p = create("Patient", patient(unique(), "S", "S", "male", "1970-01-01"));
        String glucose = create("Observation", observation(unique(), p, "2345-7", "2016-03-01", 5.5, "mmol/L"));
        fhir().get("/fhir/Observation/" + glucose + "/$validate").then().statusCode(200).body("issue[0].severity", equalTo("information"));
        fhir().get("/fhir/Observation/" + glucose + "/$validate?profile=" + LAB_PROFILE).then().statusCode(200)
                .body("issue.severity", hasItem("error"));
    }

    // --- what the server tells about its profiles ------------------------------------------------------

    @Test
    void theCapabilityStatementListsTheStudyProfilesAndValidate() {
        JsonPath cs = given().accept(FHIR_JSON).get("/fhir/metadata").then().statusCode(200).extract().jsonPath();
        assertTrue(cs.getList("rest[0].resource.find { it.type == 'Observation' }.supportedProfile").contains(LAB_PROFILE));
        for (String type : List.of("Procedure", "Condition", "ResearchStudy", "ResearchSubject")) {
            assertEquals(1, cs.getList("rest[0].resource.find { it.type == '" + type + "' }.supportedProfile").size(), type);
        }
        assertTrue(cs.getList("rest[0].resource.find { it.type == 'Patient' }.operation.name").contains("validate"));
    }

    @Test
    void theProfilesAndTheirTerminologyAreServed() {
        assertEquals(1, search("StructureDefinition?url=" + LAB_PROFILE).getInt("total"));
        assertEquals(1, search("ValueSet?url=https://hepatrial.org/fhir/ValueSet/study-lab-markers").getInt("total"));
        assertEquals(1, search("CodeSystem?url=https://hepatrial.org/fhir/CodeSystem/cirrhosis-etiology").getInt("total"));
    }
}
