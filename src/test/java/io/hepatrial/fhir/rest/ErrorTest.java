package io.hepatrial.fhir.rest;

import static io.hepatrial.fhir.rest.CrudTest.FHIR_JSON;
import static io.hepatrial.fhir.rest.CrudTest.create;
import static io.hepatrial.fhir.rest.CrudTest.idFromLocation;
import static io.hepatrial.fhir.rest.CrudTest.patient;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;

/** Bad input is answered 400 with an OperationOutcome, and nothing is stored. */
@QuarkusTest
class ErrorTest {

    /** The number of Patient versions stored so far, from the type history. */
    static int patientVersions() {
        return given().queryParam("_count", 1).get("/fhir/Patient/_history").then().statusCode(200)
                .extract().path("total");
    }

    static ValidatableResponse assertOutcome(ValidatableResponse response, int status, String code) {
        return response.statusCode(status)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].severity", equalTo("error"))
                .body("issue[0].code", equalTo(code))
                .body("issue[0].diagnostics", notNullValue());
    }

    void rejectedOnCreate(String body, String code) {
        int before = patientVersions();
        assertOutcome(given().contentType(FHIR_JSON).body(body).post("/fhir/Patient").then(), 400, code);
        org.junit.jupiter.api.Assertions.assertEquals(before, patientVersions(), "nothing may be stored");
    }

    @Test
    void malformedJsonIs400() {
        rejectedOnCreate("{\"resourceType\":\"Patient\",", "structure");
        rejectedOnCreate("not json at all", "structure");
        rejectedOnCreate("", "invalid");
    }

    @Test
    void malformedXmlIs400() {
        int before = patientVersions();
        assertOutcome(given().contentType("application/fhir+xml").body("<Patient xmlns=\"http://hl7.org/fhir\"><name>")
                .post("/fhir/Patient").then(), 400, "structure");
        org.junit.jupiter.api.Assertions.assertEquals(before, patientVersions());
    }

    @Test
    void resourceTypeNotMatchingUrlIs400() {
        int before = patientVersions();
        assertOutcome(given().contentType(FHIR_JSON).body("{\"resourceType\":\"Observation\",\"status\":\"final\","
                + "\"code\":{\"text\":\"ALT\"}}").post("/fhir/Patient").then(), 400, "invalid")
                .body("issue[0].diagnostics", containsString("Observation"));
        org.junit.jupiter.api.Assertions.assertEquals(before, patientVersions());
    }

    @Test
    void unknownElementIs400() {
        rejectedOnCreate("{\"resourceType\":\"Patient\",\"favouriteColour\":\"blue\"}", "structure");
    }

    @Test
    void invalidPrimitiveValuesAre400() {
        rejectedOnCreate("{\"resourceType\":\"Patient\",\"birthDate\":\"2020-13-45\"}", "structure");
        rejectedOnCreate("{\"resourceType\":\"Patient\",\"gender\":\"nonsense\"}", "structure");
        rejectedOnCreate("{\"resourceType\":\"Patient\",\"active\":\"yes\"}", "structure");
    }

    @Test
    void putWithIdNotMatchingUrlIs400AndStoresNothing() {
        String id = idFromLocation(create(patient(null, "Qian")));
        assertOutcome(given().contentType(FHIR_JSON).body(patient("another-id", "Qian")).put("/fhir/Patient/" + id).then(),
                400, "invalid").body("issue[0].diagnostics", containsString("another-id"));
        given().get("/fhir/Patient/" + id).then().statusCode(200).header("ETag", equalTo("W/\"1\""));
    }

    @Test
    void putWithoutIdInBodyIs400() {
        String id = idFromLocation(create(patient(null, "Qian")));
        assertOutcome(given().contentType(FHIR_JSON).body(patient(null, "Qian")).put("/fhir/Patient/" + id).then(),
                400, "invalid");
    }

    @Test
    void putOfInvalidBodyStoresNothing() {
        String id = idFromLocation(create(patient(null, "Qian")));
        assertOutcome(given().contentType(FHIR_JSON).body("{\"resourceType\":\"Patient\",\"id\":\"" + id
                + "\",\"birthDate\":\"2020-13-45\"}").put("/fhir/Patient/" + id).then(), 400, "structure");
        given().get("/fhir/Patient/" + id).then().statusCode(200).header("ETag", equalTo("W/\"1\""))
                .body("birthDate", equalTo("1961-04-02"));
    }

    @Test
    void invalidIdIs400() {
        assertOutcome(given().get("/fhir/Patient/bad_id!").then(), 400, "invalid");
        assertOutcome(given().contentType(FHIR_JSON).body(patient("a".repeat(65), "X")).put("/fhir/Patient/" + "a".repeat(65)).then(),
                400, "invalid");
    }

    @Test
    void unknownPathIs404WithOperationOutcome() {
        assertOutcome(given().get("/fhir/Patient/1/something/else").then(), 404, "not-found");
    }
}
