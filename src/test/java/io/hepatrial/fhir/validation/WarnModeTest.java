package io.hepatrial.fhir.validation;

import static io.hepatrial.fhir.search.SearchTestData.FHIR_JSON;
import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.observation;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** The per-type modes: Observation in warn mode, Procedure off (hepatrial.validation.mode-by-type). */
@QuarkusTest
@TestProfile(WarnModeTest.ObservationWarnsProcedureOff.class)
class WarnModeTest {

    public static class ObservationWarnsProcedureOff implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("hepatrial.validation.mode-by-type", "Observation=warn,Procedure=off");
        }
    }

    @Test
    void warnModeStoresTheResourceAndReturnsTheProblemsAsWarnings() {
        String marker = unique();
        String p = create("Patient", patient(marker, "Warn", "Wanda", "female", "1970-01-01"));
        String wrongUnit = observation(marker, p, "1742-6", "2016-03-01", 80, "mg/dL");
        given().contentType(FHIR_JSON).header("Prefer", "return=OperationOutcome").body(wrongUnit).post("/fhir/Observation")
                .then().statusCode(201)
                .body("issue[0].severity", equalTo("information"))
                .body("issue.severity", not(hasItem("error")))
                .body("issue.diagnostics", hasItem(containsString("hep-unit-alt")));
        // in a transaction the warnings come back in the entry's response.outcome
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":" + wrongUnit
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}";
        given().contentType(FHIR_JSON).body(bundle).post("/fhir").then().statusCode(200)
                .body("entry[0].response.status", containsString("201"))
                .body("entry[0].response.outcome.issue[0].severity", equalTo("warning"));
        // a conforming one has no outcome
        given().contentType(FHIR_JSON).body(bundle.replace("mg/dL", "U/L")).post("/fhir").then().statusCode(200)
                .body("entry[0].response.outcome", nullValue());
    }

    @Test
    void offModeDoesNotValidate() {
        String p = create("Patient", patient(unique(), "Off", "Otto", "male", "1970-01-01"));
        String noCourseNumber = "{\"resourceType\":\"Procedure\",\"status\":\"completed\",\"code\":{\"coding\":[{\"system\":"
                + "\"https://hepatrial.org/fhir/CodeSystem/study-codes\",\"code\":\"stem-cell-transplantation\"}]},"
                + "\"subject\":{\"reference\":\"Patient/" + p + "\"}}";
        given().contentType(FHIR_JSON).header("Prefer", "return=OperationOutcome").body(noCourseNumber).post("/fhir/Procedure")
                .then().statusCode(201).body("issue.size()", equalTo(1));
        // $validate still tells the truth
        given().urlEncodingEnabled(false).contentType(FHIR_JSON).body(noCourseNumber).post("/fhir/Procedure/$validate").then()
                .statusCode(200).body("issue.severity", hasItem("error"));
    }
}
