package io.hepatrial.fhir.rest;

import static io.hepatrial.fhir.rest.CrudTest.FHIR_JSON;
import static io.hepatrial.fhir.rest.CrudTest.create;
import static io.hepatrial.fhir.rest.CrudTest.idFromLocation;
import static io.hepatrial.fhir.rest.CrudTest.patient;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** Content negotiation as http.html#mime-type describes it. */
@QuarkusTest
class FormatTest {

    static final String FHIR_XML = "application/fhir+xml";
    static final String PATIENT_XML = "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"Ma\"/></name>"
            + "<birthDate value=\"1970-01-01\"/></Patient>";

    @Test
    void jsonIsTheDefault() {
        String id = idFromLocation(create(patient(null, "Gao")));
        given().get("/fhir/Patient/" + id).then().statusCode(200).contentType(startsWith(FHIR_JSON));
        given().accept("*/*").get("/fhir/Patient/" + id).then().statusCode(200).contentType(startsWith(FHIR_JSON));
        given().accept("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8").get("/fhir/metadata").then().statusCode(200)
                .contentType(startsWith(FHIR_JSON));
    }

    @Test
    void xmlOnRequestByAcceptOrFormat() {
        String id = idFromLocation(create(patient(null, "Gao")));
        given().accept(FHIR_XML).get("/fhir/Patient/" + id).then().statusCode(200).contentType(startsWith(FHIR_XML))
                .body(startsWith("<Patient xmlns=\"http://hl7.org/fhir\">"))
                .body(containsString("<family value=\"Gao\""));
        given().queryParam("_format", "xml").get("/fhir/Patient/" + id).then().statusCode(200).contentType(startsWith(FHIR_XML));
        given().queryParam("_format", FHIR_XML).get("/fhir/Patient/" + id).then().statusCode(200).contentType(startsWith(FHIR_XML));
        // _format wins over Accept.
        given().accept(FHIR_XML).queryParam("_format", "json").get("/fhir/Patient/" + id).then().statusCode(200)
                .contentType(startsWith(FHIR_JSON));
    }

    @Test
    void plainJsonAndXmlMediaTypesAreAccepted() {
        String id = idFromLocation(create(patient(null, "Gao")));
        given().accept("application/json").get("/fhir/Patient/" + id).then().statusCode(200)
                .contentType(startsWith("application/json")).body("id", equalTo(id));
        given().accept("application/xml").get("/fhir/Patient/" + id).then().statusCode(200)
                .contentType(startsWith("application/xml"));
        given().contentType("application/json").body(patient(null, "Plain")).post("/fhir/Patient").then().statusCode(201);
        given().contentType("application/xml").body(PATIENT_XML).post("/fhir/Patient").then().statusCode(201);
    }

    @Test
    void xmlBodyIsStoredAndReadBackAsJson() {
        String location = given().contentType(FHIR_XML).accept(FHIR_XML).body(PATIENT_XML).post("/fhir/Patient").then()
                .statusCode(201).contentType(startsWith(FHIR_XML)).extract().header("Location");
        given().get(location).then().statusCode(200).body("name[0].family", equalTo("Ma"))
                .body("birthDate", equalTo("1970-01-01"));
        // xml.html: FHIR elements are in the namespace http://hl7.org/fhir (also with a prefix)
        given().contentType(FHIR_XML).body("<Patient><gender value=\"male\"/></Patient>").post("/fhir/Patient").then()
                .statusCode(400).body(containsString("namespace"));
        given().contentType(FHIR_XML).body("<f:Patient xmlns:f=\"http://hl7.org/fhir\"><f:gender value=\"male\"/></f:Patient>")
                .post("/fhir/Patient").then().statusCode(201);
    }

    @Test
    void prettyPrintsOnRequest() {
        String id = idFromLocation(create(patient(null, "Gao")));
        given().get("/fhir/Patient/" + id).then().body(not(containsString("\n")));
        given().queryParam("_pretty", "true").get("/fhir/Patient/" + id).then().body(containsString("\n  "));
    }

    @Test
    void unacceptableAcceptIs406() {
        String id = idFromLocation(create(patient(null, "Gao")));
        given().accept("text/plain").get("/fhir/Patient/" + id).then().statusCode(406)
                .contentType(startsWith(FHIR_JSON)).body("resourceType", equalTo("OperationOutcome"));
        given().accept("application/fhir+json; fhirVersion=3.0").get("/fhir/Patient/" + id).then().statusCode(406);
        // q=0 means "not acceptable" (RFC 9110 12.4.2)
        given().accept("application/fhir+json;q=0").get("/fhir/Patient/" + id).then().statusCode(406);
        given().accept("application/fhir+json;q=0, application/fhir+xml").get("/fhir/Patient/" + id).then().statusCode(200)
                .contentType(startsWith("application/fhir+xml"));
        given().queryParam("_format", "turtle").get("/fhir/Patient/" + id).then().statusCode(406)
                .body("resourceType", equalTo("OperationOutcome"));
    }

    @Test
    void unsupportedContentTypeIs415() {
        given().contentType("text/plain").body("hello").post("/fhir/Patient").then().statusCode(415)
                .body("resourceType", equalTo("OperationOutcome"));
        given().contentType("application/x-www-form-urlencoded").body("a=b").post("/fhir/Patient").then().statusCode(415)
                .body("resourceType", equalTo("OperationOutcome"));
        given().contentType("application/fhir+json; charset=no-such-charset").body("{\"resourceType\":\"Patient\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .post("/fhir/Patient").then().statusCode(415).body("resourceType", equalTo("OperationOutcome"));
    }

    /** A body is read in the charset its Content-Type names (FHIR asks for UTF-8; one that says Latin-1 is not corrupted). */
    @Test
    void bodiesAreReadInTheirDeclaredCharset() {
        byte[] latin1 = "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"M\u00fcller\"}]}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        String location = given().contentType("application/fhir+json; charset=ISO-8859-1").body(latin1).post("/fhir/Patient").then()
                .statusCode(201).extract().header("Location");
        given().get(location).then().body("name[0].family", equalTo("M\u00fcller"));
        byte[] utf8 = "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"M\u00fcller\"}]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        location = given().contentType("application/fhir+json; charset=UTF-8").body(utf8).post("/fhir/Patient").then()
                .statusCode(201).extract().header("Location");
        given().get(location).then().body("name[0].family", equalTo("M\u00fcller"));
    }

    @Test
    void errorsFollowTheNegotiatedFormat() {
        given().accept(FHIR_XML).get("/fhir/Patient/nope").then().statusCode(404).contentType(startsWith(FHIR_XML))
                .body(startsWith("<OperationOutcome xmlns=\"http://hl7.org/fhir\">"));
    }
}
