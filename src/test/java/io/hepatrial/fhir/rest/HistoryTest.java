package io.hepatrial.fhir.rest;

import static io.hepatrial.fhir.rest.CrudTest.FHIR_JSON;
import static io.hepatrial.fhir.rest.CrudTest.create;
import static io.hepatrial.fhir.rest.CrudTest.idFromLocation;
import static io.hepatrial.fhir.rest.CrudTest.patient;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** History at instance, type and system level (http.html#history). */
@QuarkusTest
class HistoryTest {

    @Test
    void instanceHistoryIsNewestFirstWithDeletion() {
        String id = idFromLocation(create(patient(null, "H1")));
        given().contentType(FHIR_JSON).body(patient(id, "H2")).put("/fhir/Patient/" + id).then().statusCode(200);
        given().delete("/fhir/Patient/" + id).then().statusCode(200);

        given().get("/fhir/Patient/" + id + "/_history").then().statusCode(200)
                .body("resourceType", equalTo("Bundle"))
                .body("type", equalTo("history"))
                .body("total", equalTo(3))
                .body("link.find { it.relation == 'self' }.url", containsString("/fhir/Patient/" + id + "/_history"))
                .body("entry[0].request.method", equalTo("DELETE"))
                .body("entry[0].request.url", equalTo("Patient/" + id))
                .body("entry[0].resource", nullValue())
                .body("entry[0].response.etag", equalTo("W/\"3\""))
                .body("entry[1].request.method", equalTo("PUT"))
                .body("entry[1].resource.meta.versionId", equalTo("2"))
                .body("entry[1].resource.name[0].family", equalTo("H2"))
                .body("entry[2].request.method", equalTo("POST"))
                .body("entry[2].request.url", equalTo("Patient"))
                .body("entry[2].response.status", equalTo("201 Created"))
                .body("entry[2].fullUrl", containsString("/fhir/Patient/" + id));
    }

    /** A version an update made as a create (PUT to a new id) is listed with the 201 its answer had. */
    @Test
    void updateAsCreateIsListedAsCreated() {
        String id = "hist-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        given().contentType(FHIR_JSON).body(patient(id, "U1")).put("/fhir/Patient/" + id).then().statusCode(201);
        given().contentType(FHIR_JSON).body(patient(id, "U2")).put("/fhir/Patient/" + id).then().statusCode(200);
        given().get("/fhir/Patient/" + id + "/_history").then().statusCode(200)
                .body("entry.response.status", equalTo(java.util.List.of("200 OK", "201 Created")));
    }

    @Test
    void instanceHistoryOfUnknownIdIs404() {
        given().get("/fhir/Patient/unknown-history/_history").then().statusCode(404)
                .body("resourceType", equalTo("OperationOutcome"));
    }

    @Test
    void typeHistoryHoldsOnlyThatType() {
        create(patient(null, "T1"));
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p\"}}")
                .post("/fhir/Condition").then().statusCode(201);
        given().queryParam("_count", 50).get("/fhir/Patient/_history").then().statusCode(200)
                .body("type", equalTo("history"))
                .body("entry.resource.resourceType", everyItem(equalTo("Patient")));
    }

    @Test
    void systemHistoryHoldsAllTypes() {
        create(patient(null, "S1"));
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p\"}}")
                .post("/fhir/Condition").then().statusCode(201);
        given().queryParam("_count", 2).get("/fhir/_history").then().statusCode(200)
                .body("type", equalTo("history"))
                .body("entry.resource.resourceType", hasItem("Condition"))
                .body("entry.resource.resourceType", hasItem("Patient"));
    }

    @Test
    void pagesFollowNextLinksWithoutGapsOrRepeatsWhileNewDataArrives() {
        String id = idFromLocation(create(patient(null, "P0")));
        for (int i = 1; i < 7; i++) {
            given().contentType(FHIR_JSON).body(patient(id, "P" + i)).put("/fhir/Patient/" + id).then().statusCode(200);
        }
        List<String> versions = new ArrayList<>();
        String url = "/fhir/Patient/" + id + "/_history?_count=3";
        int pages = 0;
        while (url != null) {
            JsonPath page = given().urlEncodingEnabled(false).get(url).then().statusCode(200).extract().jsonPath();
            versions.addAll(page.getList("entry.resource.meta.versionId"));
            url = page.getString("link.find { it.relation == 'next' }.url");
            if (pages++ == 0) {
                // A version written after the first page must not shift the later pages.
                given().contentType(FHIR_JSON).body(patient(id, "late")).put("/fhir/Patient/" + id).then().statusCode(200);
            }
        }
        assertEquals(List.of("7", "6", "5", "4", "3", "2", "1"), versions);
        assertEquals(3, pages);
    }

    @Test
    void sinceLimitsTheVersions() {
        String id = idFromLocation(create(patient(null, "Since")));
        given().queryParam("_since", "2100-01-01T00:00:00Z").get("/fhir/Patient/" + id + "/_history").then()
                .statusCode(200).body("total", equalTo(0));
        given().queryParam("_since", "2000-01-01T00:00:00Z").get("/fhir/Patient/" + id + "/_history").then()
                .statusCode(200).body("total", equalTo(1));
    }

    @Test
    void badPagingParametersAre400() {
        given().queryParam("_count", "many").get("/fhir/_history").then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"));
        given().queryParam("_since", "yesterday").get("/fhir/_history").then().statusCode(400);
        given().queryParam("_cursor", "forged").get("/fhir/_history").then().statusCode(400);
    }

    @Test
    void lastPageHasNoNextLink() {
        String id = idFromLocation(create(patient(null, "Last")));
        JsonPath page = given().get("/fhir/Patient/" + id + "/_history").then().statusCode(200).extract().jsonPath();
        assertNull(page.getString("link.find { it.relation == 'next' }.url"));
        assertFalse(page.getList("entry").isEmpty());
    }
}
