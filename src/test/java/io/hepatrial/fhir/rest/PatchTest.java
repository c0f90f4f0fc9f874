package io.hepatrial.fhir.rest;

import static io.hepatrial.fhir.rest.CrudTest.create;
import static io.hepatrial.fhir.rest.CrudTest.idFromLocation;
import static io.hepatrial.fhir.rest.CrudTest.patient;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** PATCH with JSON Patch (http.html#patch). */
@QuarkusTest
class PatchTest {

    static final String JSON_PATCH = "application/json-patch+json";

    @Test
    void jsonPatchMakesANewVersion() {
        String id = idFromLocation(create(patient(null, "Patch")));
        given().contentType(JSON_PATCH).body("[{\"op\":\"replace\",\"path\":\"/birthDate\",\"value\":\"1962-05-06\"},"
                + "{\"op\":\"add\",\"path\":\"/name/0/given/-\",\"value\":\"Mei\"}]")
                .patch("/fhir/Patient/" + id).then().statusCode(200)
                .header("ETag", equalTo("W/\"2\""))
                .body("birthDate", equalTo("1962-05-06"))
                .body("name[0].given[1]", equalTo("Mei"))
                .body("meta.versionId", equalTo("2"));
        given().get("/fhir/Patient/" + id + "/_history/1").then().body("birthDate", equalTo("1961-04-02"));
    }

    @Test
    void ifMatchIsHonoured() {
        String id = idFromLocation(create(patient(null, "Patch")));
        String patch = "[{\"op\":\"replace\",\"path\":\"/gender\",\"value\":\"male\"}]";
        given().contentType(JSON_PATCH).header("If-Match", "W/\"7\"").body(patch).patch("/fhir/Patient/" + id).then()
                .statusCode(412).body("resourceType", equalTo("OperationOutcome"));
        given().contentType(JSON_PATCH).header("If-Match", "W/\"1\"").body(patch).patch("/fhir/Patient/" + id).then()
                .statusCode(200).body("gender", equalTo("male"));
    }

    @Test
    void patchesThatCannotApplyOrGiveAnInvalidResourceAre422AndChangeNothing() {
        String id = idFromLocation(create(patient(null, "Patch")));
        given().contentType(JSON_PATCH).body("[{\"op\":\"test\",\"path\":\"/gender\",\"value\":\"male\"}]")
                .patch("/fhir/Patient/" + id).then().statusCode(422).body("resourceType", equalTo("OperationOutcome"));
        given().contentType(JSON_PATCH).body("[{\"op\":\"replace\",\"path\":\"/birthDate\",\"value\":\"2020-13-45\"}]")
                .patch("/fhir/Patient/" + id).then().statusCode(422);
        given().get("/fhir/Patient/" + id).then().header("ETag", equalTo("W/\"1\""));
    }

    @Test
    void malformedPatchUnknownResourceAndOtherMediaTypes() {
        String id = idFromLocation(create(patient(null, "Patch")));
        given().contentType(JSON_PATCH).body("{\"op\":\"replace\"}").patch("/fhir/Patient/" + id).then().statusCode(400);
        // RFC 6902 section 4: an unknown op, or an op without the members it needs, makes the document malformed
        given().contentType(JSON_PATCH).body("[{\"op\":\"frob\",\"path\":\"/active\"}]").patch("/fhir/Patient/" + id).then().statusCode(400);
        given().contentType(JSON_PATCH).body("[{\"op\":\"replace\",\"path\":\"/active\"}]").patch("/fhir/Patient/" + id).then().statusCode(400);
        given().contentType(JSON_PATCH).body("[{\"op\":\"move\",\"path\":\"/active\"}]").patch("/fhir/Patient/" + id).then().statusCode(400);
        given().contentType(JSON_PATCH).body("[]").patch("/fhir/Patient/unknown-patch").then().statusCode(404);
        given().contentType("text/plain").body("x").patch("/fhir/Patient/" + id)
                .then().statusCode(415).body("resourceType", equalTo("OperationOutcome"));
    }

    static String operation(String type, String path, String extra) {
        return "{\"name\":\"operation\",\"part\":[{\"name\":\"type\",\"valueCode\":\"" + type + "\"},"
                + "{\"name\":\"path\",\"valueString\":\"" + path + "\"}" + (extra == null ? "" : "," + extra) + "]}";
    }

    static String parameters(String... operations) {
        return "{\"resourceType\":\"Parameters\",\"parameter\":[" + String.join(",", operations) + "]}";
    }

    @Test
    void fhirPathPatchReplaceAddInsertMoveDelete() {
        String id = idFromLocation(create("{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:a\",\"value\":\"1\"},"
                + "{\"system\":\"urn:b\",\"value\":\"2\"}],\"birthDate\":\"1961-04-02\",\"name\":[{\"family\":\"Ma\",\"given\":[\"A\",\"B\"]}]}"));
        given().contentType("application/fhir+json").body(parameters(
                operation("replace", "Patient.birthDate", "{\"name\":\"value\",\"valueDate\":\"1962-05-06\"}"),
                operation("add", "Patient", "{\"name\":\"name\",\"valueString\":\"gender\"},{\"name\":\"value\",\"valueCode\":\"female\"}"),
                operation("add", "Patient", "{\"name\":\"name\",\"valueString\":\"identifier\"},{\"name\":\"value\",\"part\":["
                        + "{\"name\":\"system\",\"valueUri\":\"urn:c\"},{\"name\":\"value\",\"valueString\":\"3\"}]}"),
                operation("delete", "Patient.identifier.where(system='urn:a')", null),
                operation("insert", "Patient.name[0].given", "{\"name\":\"value\",\"valueString\":\"Z\"},{\"name\":\"index\",\"valueInteger\":0}"),
                operation("move", "Patient.name[0].given", "{\"name\":\"source\",\"valueInteger\":2},{\"name\":\"destination\",\"valueInteger\":1}")))
                .patch("/fhir/Patient/" + id).then().statusCode(200)
                .header("ETag", equalTo("W/\"2\""))
                .body("birthDate", equalTo("1962-05-06"))
                .body("gender", equalTo("female"))
                .body("identifier.system", equalTo(java.util.List.of("urn:b", "urn:c")))
                .body("name[0].given", equalTo(java.util.List.of("Z", "B", "A")));
    }

    @Test
    void fhirPathPatchThatMatchesNothingToReplaceIs422() {
        String id = idFromLocation(create(patient(null, "Patch")));
        given().contentType("application/fhir+json").body(parameters(
                operation("replace", "Patient.deceased", "{\"name\":\"value\",\"valueBoolean\":true}")))
                .patch("/fhir/Patient/" + id).then().statusCode(422).body("resourceType", equalTo("OperationOutcome"));
        given().contentType("application/fhir+json").body(parameters(operation("explode", "Patient", null)))
                .patch("/fhir/Patient/" + id).then().statusCode(400);
        given().get("/fhir/Patient/" + id).then().header("ETag", equalTo("W/\"1\""));
    }
}
