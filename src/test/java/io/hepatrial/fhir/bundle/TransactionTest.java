package io.hepatrial.fhir.bundle;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;

/** Transaction and batch Bundles and conditional interactions (http.html#transaction, #ccreate, #cond-update). */
@QuarkusTest
class TransactionTest {

    static final String FHIR_JSON = "application/fhir+json";

    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    static ValidatableResponse post(String bundle) {
        return given().contentType(FHIR_JSON).body(bundle).post("/fhir").then();
    }

    static String bundle(String type, String... entries) {
        return "{\"resourceType\":\"Bundle\",\"type\":\"" + type + "\",\"entry\":[" + String.join(",", entries) + "]}";
    }

    static String entry(String fullUrl, String resource, String method, String url, String extraRequest) {
        return "{" + (fullUrl == null ? "" : "\"fullUrl\":\"" + fullUrl + "\",") + (resource == null ? "" : "\"resource\":" + resource + ",")
                + "\"request\":{\"method\":\"" + method + "\",\"url\":\"" + url + "\"" + (extraRequest == null ? "" : "," + extraRequest) + "}}";
    }

    static String patient(String system, String value) {
        return "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + system + "\",\"value\":\"" + value + "\"}],"
                + "\"name\":[{\"family\":\"Tx\"}]}";
    }

    static String observation(String system, String value, String subject) {
        return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"identifier\":[{\"system\":\"" + system + "\",\"value\":\""
                + value + "\"}],\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\","
                + "\"code\":\"laboratory\"}]}],\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"1742-6\"}]},"
                + "\"subject\":{\"reference\":\"" + subject + "\"},\"effectiveDateTime\":\"2016-03-01\","
                + "\"extension\":[{\"url\":\"http://example.org/fhir/StructureDefinition/reviewed-with\",\"valueReference\":{\"reference\":\""
                + subject + "\"}}],"
                + "\"valueQuantity\":{\"value\":42,\"unit\":\"U/L\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"U/L\"}}";
    }

    static int count(String query) {
        return given().urlEncodingEnabled(false).get("/fhir/" + query.replace("|", "%7C")).then().statusCode(200)
                .extract().path("total");
    }

    @Test
    void transactionCreatesAndRewritesUrnUuidReferences() {
        String sys = "urn:test:" + unique();
        String p = "urn:uuid:" + UUID.randomUUID();
        JsonPath response = post(bundle("transaction",
                entry(null, observation(sys, "o1", p), "POST", "Observation", null),
                entry(p, patient(sys, "p1"), "POST", "Patient", null),
                entry(null, observation(sys, "o2", p), "POST", "Observation", null)))
                .statusCode(200)
                .body("resourceType", equalTo("Bundle"))
                .body("type", equalTo("transaction-response"))
                .body("entry", hasSize(3))
                .body("entry.response.status", equalTo(List.of("201 Created", "201 Created", "201 Created")))
                .body("entry[1].response.location", matchesPattern("Patient/[^/]+/_history/1"))
                .body("entry[0].response.etag", equalTo("W/\"1\""))
                .extract().jsonPath();
        String patientId = response.getString("entry[1].response.location").split("/")[1];
        String obsLocation = response.getString("entry[0].response.location");
        given().get("/fhir/" + obsLocation).then().statusCode(200)
                .body("subject.reference", equalTo("Patient/" + patientId))
                .body("extension[0].valueReference.reference", equalTo("Patient/" + patientId));
        assertEquals(2, count("Observation?subject=Patient/" + patientId));
    }

    @Test
    void aFailingEntryRollsBackEverythingAndIsNamed() {
        String sys = "urn:test:" + unique();
        String p = "urn:uuid:" + UUID.randomUUID();
        post(bundle("transaction",
                entry(p, patient(sys, "p1"), "POST", "Patient", null),
                entry(null, observation(sys, "o1", p), "POST", "Observation", null),
                entry("urn:uuid:bad-entry", observation(sys, "o2", "urn:uuid:nowhere"), "POST", "Observation", null)))
                .statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", containsString("entry 2"))
                .body("issue[0].diagnostics", containsString("urn:uuid:bad-entry"));
        assertEquals(0, count("Patient?identifier=" + sys + "|"));
        assertEquals(0, count("Observation?identifier=" + sys + "|"));
        int patientVersions = given().get("/fhir/Patient/_history?_count=1").then().extract().path("total");
        post(bundle("transaction",
                entry(p, patient(sys, "p1"), "POST", "Patient", null),
                entry(null, "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},\"effectiveDateTime\":\"2020-13-45\"}",
                        "POST", "Observation", null)))
                .statusCode(400);
        int after = given().get("/fhir/Patient/_history?_count=1").then().extract().path("total");
        assertEquals(patientVersions, after, "history holds nothing of the rolled-back transaction");
    }

    @Test
    void malformedEntriesAre400NamingTheEntry() {
        post(bundle("transaction", "{\"resource\":{\"resourceType\":\"Patient\"}}")).statusCode(400)
                .body("issue[0].diagnostics", containsString("entry 0"));
        post(bundle("transaction", entry(null, patient("urn:x", "1"), "POST", "Patient/123", null))).statusCode(400);
        post(bundle("transaction", entry(null, patient("urn:x", "1"), "POST", "Medication", null))).statusCode(404);
        post(bundle("transaction", entry(null, patient("urn:x", "1"), "POST", "Observation", null))).statusCode(400);
        post(bundle("collection", entry(null, patient("urn:x", "1"), "POST", "Patient", null))).statusCode(400);
    }

    /** A JSON Bundle is parsed entry by entry; strictness and the Bundle's own elements are unchanged by it. */
    @Test
    void bundleBodiesAreReadStrictlyEntryByEntry() {
        String sys = "urn:test:" + unique();
        String p = "urn:uuid:" + UUID.randomUUID();
        String badResource = observation(sys, "o1", p).replace("\"status\":\"final\"", "\"status\":\"final\",\"colour\":\"red\"");
        post(bundle("transaction", entry(p, patient(sys, "p1"), "POST", "Patient", null),
                entry(null, badResource, "POST", "Observation", null)))
                .statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", containsString("entry 1"))
                .body("issue[0].diagnostics", containsString("colour"));
        post("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"colour\":\"red\",\"entry\":["
                + entry(null, patient(sys, "p2"), "POST", "Patient", null) + "]}")
                .statusCode(400)
                .body("issue[0].diagnostics", containsString("colour"));
        post("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":{\"method\":\"POST\",\"url\":\"Patient\"},"
                + "\"resource\":" + patient(sys, "p3") + ",\"shade\":\"blue\"}]}")
                .statusCode(400)
                .body("issue[0].diagnostics", containsString("entry 0"))
                .body("issue[0].diagnostics", containsString("shade"));
        assertEquals(0, count("Patient?identifier=" + sys + "|"));

        // elements after the entries, blanks between tokens, and the Bundle's own id and meta
        post("{ \"resourceType\": \"Bundle\", \"id\": \"sent\", \"meta\": {\"tag\": [{\"code\": \"x\"}]}, \"entry\": [ "
                + entry(p, patient(sys, "p4"), "POST", "Patient", null) + " ,\n "
                + entry(null, observation(sys, "o4", p), "POST", "Observation", null) + " ],\n \"type\": \"transaction\" }")
                .statusCode(200)
                .body("entry.response.status", equalTo(List.of("201 Created", "201 Created")));
        assertEquals(1, count("Observation?identifier=" + sys + "|o4&subject.identifier=" + sys + "|p4"));

        // beyond a hundred entries (parsed in parts): all kept in order, and a bad one named by its own index
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            many.add(entry(null, patient(sys, "m" + i), "POST", "Patient", null));
        }
        post(bundle("transaction", many.toArray(String[]::new))).statusCode(200)
                .body("entry", hasSize(150))
                .body("entry[149].response.status", equalTo("201 Created"));
        assertEquals(1, count("Patient?identifier=" + sys + "|m149"));
        many.set(130, entry(null, patient(sys, "bad").replace("\"name\"", "\"colour\":\"red\",\"name\""), "POST", "Patient", null));
        post(bundle("transaction", many.toArray(String[]::new))).statusCode(400)
                .body("issue[0].diagnostics", containsString("entry 130"));
    }

    @Test
    void rePushingWithIfNoneExistStoresNothingNew() {
        String sys = "urn:test:" + unique();
        String p = "urn:uuid:" + UUID.randomUUID();
        String labs = bundle("transaction",
                entry(p, patient(sys, "p1"), "POST", "Patient", "\"ifNoneExist\":\"identifier=" + sys + "|p1\""),
                entry(null, observation(sys, "lab-1", p), "POST", "Observation", "\"ifNoneExist\":\"identifier=" + sys + "|lab-1\""),
                entry(null, observation(sys, "lab-2", p), "POST", "Observation", "\"ifNoneExist\":\"identifier=" + sys + "|lab-2\""));
        post(labs).statusCode(200).body("entry.response.status", equalTo(List.of("201 Created", "201 Created", "201 Created")));
        JsonPath again = post(labs).statusCode(200)
                .body("entry.response.status", equalTo(List.of("200 OK", "200 OK", "200 OK"))).extract().jsonPath();
        assertEquals(1, count("Patient?identifier=" + sys + "|p1"));
        assertEquals(2, count("Observation?identifier=" + sys + "|"));
        String patientId = again.getString("entry[0].response.location").split("/")[1];
        assertEquals(2, count("Observation?subject=Patient/" + patientId));
    }

    @Test
    void conditionalReferencesMustMatchExactlyOne() {
        String sys = "urn:test:" + unique();
        String ref = "Patient?identifier=" + sys + "|c1";
        post(bundle("transaction", entry(null, observation(sys, "o", ref), "POST", "Observation", null))).statusCode(412)
                .body("resourceType", equalTo("OperationOutcome"));
        String id = given().contentType(FHIR_JSON).body(patient(sys, "c1")).post("/fhir/Patient").then().statusCode(201)
                .extract().header("Location").split("/Patient/")[1].split("/")[0];
        post(bundle("transaction", entry(null, observation(sys, "o", ref), "POST", "Observation", null))).statusCode(200);
        assertEquals(1, count("Observation?subject=Patient/" + id));
        given().contentType(FHIR_JSON).body(patient(sys, "c1")).post("/fhir/Patient").then().statusCode(201);
        post(bundle("transaction", entry(null, observation(sys, "o2", ref), "POST", "Observation", null))).statusCode(412);
        post(bundle("transaction", entry(null, observation(sys, "o3", "Patient?nonsense-param=1"), "POST", "Observation", null)))
                .statusCode(400);
    }

    @Test
    void conditionalUpdateAndDeleteInATransaction() {
        String sys = "urn:test:" + unique();
        String url = "Observation?identifier=" + sys + "|lab-9";
        post(bundle("transaction", entry(null, observation(sys, "lab-9", "Patient/x"), "PUT", url, null))).statusCode(200)
                .body("entry[0].response.status", equalTo("201 Created"));
        post(bundle("transaction", entry(null, observation(sys, "lab-9", "Patient/y"), "PUT", url, null))).statusCode(200)
                .body("entry[0].response.status", equalTo("200 OK"))
                .body("entry[0].response.etag", equalTo("W/\"2\""));
        assertEquals(1, count(url));
        post(bundle("transaction", entry(null, null, "DELETE", url, null))).statusCode(200)
                .body("entry[0].response.status", equalTo("204 No Content"));
        assertEquals(0, count(url));
    }

    @Test
    void patchEntriesWithFhirPathPatchAndJsonPatch() {
        String sys = "urn:test:" + unique();
        String first = given().contentType(FHIR_JSON).body(patient(sys, "pa1")).post("/fhir/Patient").then().statusCode(201)
                .extract().header("Location").split("/Patient/")[1].split("/")[0];
        String second = given().contentType(FHIR_JSON).body(patient(sys, "pa2")).post("/fhir/Patient").then().statusCode(201)
                .extract().header("Location").split("/Patient/")[1].split("/")[0];
        String fhirPathPatch = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
                + "{\"name\":\"type\",\"valueCode\":\"add\"},{\"name\":\"path\",\"valueString\":\"Patient\"},"
                + "{\"name\":\"name\",\"valueString\":\"gender\"},{\"name\":\"value\",\"valueCode\":\"female\"}]}]}";
        String jsonPatch = java.util.Base64.getEncoder().encodeToString(
                "[{\"op\":\"add\",\"path\":\"/birthDate\",\"value\":\"1960-02-03\"}]".getBytes());
        post(bundle("transaction",
                entry(null, fhirPathPatch, "PATCH", "Patient/" + first, null),
                entry(null, "{\"resourceType\":\"Binary\",\"contentType\":\"application/json-patch+json\",\"data\":\"" + jsonPatch + "\"}",
                        "PATCH", "Patient?identifier=" + sys + "|pa2", null)))
                .statusCode(200)
                .body("entry.response.status", equalTo(List.of("200 OK", "200 OK")))
                .body("entry.response.etag", equalTo(List.of("W/\"2\"", "W/\"2\"")));
        given().get("/fhir/Patient/" + first).then().body("gender", equalTo("female"));
        given().get("/fhir/Patient/" + second).then().body("birthDate", equalTo("1960-02-03"));
    }

    @Test
    void twoEntriesForOneResourceAre400() {
        String sys = "urn:test:" + unique();
        String id = "twice-" + unique();
        post(bundle("transaction",
                entry(null, patient(sys, "t1").replace("{\"resourceType\":\"Patient\",", "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\","),
                        "PUT", "Patient/" + id, null),
                entry(null, null, "DELETE", "Patient/" + id, null)))
                .statusCode(400).body("issue[0].diagnostics", containsString("Patient/" + id));
        given().get("/fhir/Patient/" + id).then().statusCode(404);
        // two conditional creates of the resource the same criteria name, which does not exist yet
        String twice = "\"ifNoneExist\":\"identifier=" + sys + "|t2\"";
        post(bundle("transaction", entry(null, patient(sys, "t2"), "POST", "Patient", twice),
                entry(null, patient(sys, "t2"), "POST", "Patient", twice)))
                .statusCode(400).body("issue[0].diagnostics", containsString("Bundle entry 1"))
                .body("issue[0].diagnostics", containsString("conditional creates"));
        assertEquals(0, count("Patient?identifier=" + sys + "|t2"));
    }

    @Test
    void getEntriesReadAndSearch() {
        String sys = "urn:test:" + unique();
        String id = given().contentType(FHIR_JSON).body(patient(sys, "g1")).post("/fhir/Patient").then().statusCode(201)
                .extract().header("Location").split("/Patient/")[1].split("/")[0];
        post(bundle("batch", entry(null, null, "GET", "Patient/" + id, null),
                entry(null, null, "GET", "Patient?identifier=" + sys + "|g1", null),
                entry(null, null, "GET", "Patient/unknown-" + sys.substring(9), null)))
                .statusCode(200)
                .body("type", equalTo("batch-response"))
                .body("entry[0].response.status", equalTo("200 OK"))
                .body("entry[0].resource.id", equalTo(id))
                .body("entry[0].fullUrl", matchesPattern("https?://.+/fhir/Patient/" + id))
                .body("entry[1].resource.resourceType", equalTo("Bundle"))
                .body("entry[1].resource.total", equalTo(1))
                .body("entry[2].response.status", containsString("404"));
    }

    /**
     * A GET entry on an instance or a version takes the read's parameters: _summary and _elements cut
     * the entry's resource down as on the plain read (tagged SUBSETTED). Other methods refuse a query
     * on an instance URL with 400.
     */
    @Test
    void getEntriesOnAnInstanceTakeSummaryAndElements() {
        String sys = "urn:test:" + unique();
        String id = given().contentType(FHIR_JSON).body(patient(sys, "s1")).post("/fhir/Patient").then().statusCode(201)
                .extract().header("Location").split("/Patient/")[1].split("/")[0];
        post(bundle("batch", entry(null, null, "GET", "Patient/" + id + "?_elements=identifier", null),
                entry(null, null, "GET", "Patient/" + id + "/_history/1?_summary=false", null),
                entry(null, null, "GET", "Patient/" + id + "?_summary=count", null),
                entry(null, null, "DELETE", "Patient/" + id + "?_summary=true", null)))
                .statusCode(200)
                .body("entry[0].response.status", equalTo("200 OK"))
                .body("entry[0].resource.id", equalTo(id))
                .body("entry[0].resource.identifier[0].value", equalTo("s1"))
                .body("entry[0].resource.name", org.hamcrest.Matchers.nullValue())
                .body("entry[0].resource.meta.tag.code", org.hamcrest.Matchers.hasItem("SUBSETTED"))
                .body("entry[1].response.status", equalTo("200 OK"))
                .body("entry[1].resource.name[0].family", equalTo("Tx"))
                .body("entry[2].response.status", containsString("400"))
                .body("entry[3].response.status", containsString("400"));
        given().get("/fhir/Patient/" + id).then().statusCode(200); // the refused DELETE deleted nothing
    }

    /**
     * bundle.html (transaction-response): each entry's response carries status, location, etag and
     * lastModified; the resource only when the client prefers it (http.html#ops, Prefer: return).
     * Entries created, matched by ifNoneExist and updated alike, in transactions and batches.
     */
    @Test
    void preferReturnDecidesWhetherEntriesCarryTheStoredResource() {
        String sys = "urn:test:" + unique();
        String p = "urn:uuid:" + UUID.randomUUID();
        String labs = bundle("transaction",
                entry(p, patient(sys, "r1"), "POST", "Patient", "\"ifNoneExist\":\"identifier=" + sys + "|r1\""),
                entry(null, observation(sys, "lab-r1", p), "POST", "Observation", null),
                entry(null, patient(sys, "r2"), "PUT", "Patient?identifier=" + sys + "|r2", null));
        JsonPath minimal = given().contentType(FHIR_JSON).header("Prefer", "return=minimal").body(labs).post("/fhir").then()
                .statusCode(200)
                .body("entry.response.status", equalTo(List.of("201 Created", "201 Created", "201 Created")))
                .body("entry.response.etag", equalTo(List.of("W/\"1\"", "W/\"1\"", "W/\"1\"")))
                .body("entry.response.lastModified", hasSize(3))
                .body("entry.resource", equalTo(java.util.Arrays.asList(null, null, null)))
                .extract().jsonPath();
        String patientId = minimal.getString("entry[0].response.location").split("/")[1];

        // the same push again, answered with the resources: the matched Patient as stored, the new
        // Observation pointing at it, the updated Patient at version 2
        given().contentType(FHIR_JSON).header("Prefer", "return=representation").body(labs).post("/fhir").then()
                .statusCode(200)
                .body("entry.response.status", equalTo(List.of("200 OK", "201 Created", "200 OK")))
                .body("entry[0].resource.id", equalTo(patientId))
                // bundle.html, Bundle.entry.fullUrl: it SHALL have a value (here, absolute and agreeing with the id)
                .body("entry[0].fullUrl", matchesPattern("https?://.+/fhir/Patient/" + patientId))
                .body("entry[1].fullUrl", matchesPattern("https?://.+/fhir/Observation/[^/]+"))
                .body("entry[0].resource.meta.versionId", equalTo("1"))
                .body("entry[1].resource.subject.reference", equalTo("Patient/" + patientId))
                .body("entry[1].resource.meta.versionId", equalTo("1"))
                .body("entry[2].resource.identifier[0].value", equalTo("r2"))
                .body("entry[2].resource.meta.versionId", equalTo("2"));

        given().contentType(FHIR_JSON).header("Prefer", "return=minimal")
                .body(bundle("batch", entry(null, patient(sys, "r3"), "POST", "Patient", null))).post("/fhir").then()
                .statusCode(200)
                .body("entry[0].response.status", equalTo("201 Created"))
                .body("entry[0].response.location", matchesPattern("Patient/[^/]+/_history/1"))
                .body("entry[0].resource", equalTo(null));
        given().contentType(FHIR_JSON)
                .body(bundle("batch", entry(null, patient(sys, "r4"), "POST", "Patient", null))).post("/fhir").then()
                .statusCode(200)
                .body("entry[0].resource.identifier[0].value", equalTo("r4"));
    }

    @Test
    void batchEntriesSucceedOrFailOnTheirOwn() {
        String sys = "urn:test:" + unique();
        post(bundle("batch",
                entry(null, patient(sys, "b1"), "POST", "Patient", null),
                entry(null, patient(sys, "b2"), "PUT", "Patient/other-id", null),
                entry(null, patient(sys, "b3"), "POST", "Patient", null)))
                .statusCode(200)
                .body("type", equalTo("batch-response"))
                .body("entry[0].response.status", equalTo("201 Created"))
                .body("entry[1].response.status", containsString("400"))
                .body("entry[1].response.outcome.resourceType", equalTo("OperationOutcome"))
                .body("entry[2].response.status", equalTo("201 Created"));
        assertEquals(2, count("Patient?identifier=" + sys + "|"));
    }

    @Test
    void plainConditionalCreateUpdateAndDelete() {
        String sys = "urn:test:" + unique();
        given().contentType(FHIR_JSON).header("If-None-Exist", "identifier=" + sys + "|k1").body(patient(sys, "k1"))
                .post("/fhir/Patient").then().statusCode(201);
        String location = given().contentType(FHIR_JSON).header("If-None-Exist", "identifier=" + sys + "|k1").body(patient(sys, "k1"))
                .post("/fhir/Patient").then().statusCode(200).extract().header("Location");
        assertEquals(1, count("Patient?identifier=" + sys + "|k1"));

        given().urlEncodingEnabled(false).contentType(FHIR_JSON).body(patient(sys, "k1").replace("Tx", "Updated"))
                .put("/fhir/Patient?identifier=" + sys + "%7Ck1").then().statusCode(200).header("ETag", equalTo("W/\"2\""));
        given().get(location.replace("/_history/1", "")).then().body("name[0].family", equalTo("Updated"));
        given().urlEncodingEnabled(false).contentType(FHIR_JSON).body(patient(sys, "k2"))
                .put("/fhir/Patient?identifier=" + sys + "%7Ck2").then().statusCode(201);

        given().contentType(FHIR_JSON).body(patient(sys, "k1")).post("/fhir/Patient").then().statusCode(201);
        given().urlEncodingEnabled(false).delete("/fhir/Patient?identifier=" + sys + "%7Ck1").then().statusCode(412)
                .body("resourceType", equalTo("OperationOutcome"));
        given().urlEncodingEnabled(false).delete("/fhir/Patient?identifier=" + sys + "%7Ck2").then().statusCode(200);
        assertEquals(0, count("Patient?identifier=" + sys + "|k2"));
    }

    /**
     * http.html#cond-update, no match with an id in the body: R4 says "update as create"; R4B and R5
     * make explicit that an existing resource of that id (which does not match) is not overwritten: 409.
     */
    @Test
    void conditionalUpdateMatchingNothingDoesNotOverwriteTheResourceOfTheBodysId() {
        String sys = "urn:test:" + unique();
        String victim = "victim-" + unique();
        given().contentType(FHIR_JSON).body(patient(sys, "v1").replace("{\"resourceType\":\"Patient\",", "{\"resourceType\":\"Patient\",\"id\":\"" + victim + "\","))
                .put("/fhir/Patient/" + victim).then().statusCode(201);
        String other = patient(sys, "other").replace("{\"resourceType\":\"Patient\",", "{\"resourceType\":\"Patient\",\"id\":\"" + victim + "\",");
        given().urlEncodingEnabled(false).contentType(FHIR_JSON).body(other)
                .put("/fhir/Patient?identifier=" + sys + "%7Cother").then().statusCode(409)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", matchesPattern("^the conditional update .*"));
        post(bundle("transaction", entry(null, other, "PUT", "Patient?identifier=" + sys + "|other", null))).statusCode(409)
                .body("issue[0].diagnostics", containsString("Bundle entry 0"));
        given().get("/fhir/Patient/" + victim).then().statusCode(200).header("ETag", equalTo("W/\"1\""))
                .body("identifier[0].value", equalTo("v1"));
        // a new id in the body: update as create
        String fresh = "fresh-" + unique();
        given().urlEncodingEnabled(false).contentType(FHIR_JSON).body(other.replace(victim, fresh))
                .put("/fhir/Patient?identifier=" + sys + "%7Cother").then().statusCode(201);
        given().get("/fhir/Patient/" + fresh).then().statusCode(200);
    }

    /**
     * http.html#ccreate, no match: "the server processes the create as normal", also when an
     * earlier create with the same criteria made a resource that does not match them.
     */
    @Test
    void conditionalCreatesWhoseResourceDoesNotMatchTheirCriteriaStillCreate() {
        String sys = "urn:test:" + unique();
        String criteria = "identifier=" + sys + "|wanted";
        for (String value : List.of("mm-b", "mm-c")) {
            given().contentType(FHIR_JSON).header("If-None-Exist", criteria).body(patient(sys, value)).post("/fhir/Patient")
                    .then().statusCode(201);
        }
        given().contentType(FHIR_JSON).header("If-None-Exist", criteria).body(patient(sys, "wanted")).post("/fhir/Patient")
                .then().statusCode(201);
        given().contentType(FHIR_JSON).header("If-None-Exist", criteria).body(patient(sys, "wanted")).post("/fhir/Patient")
                .then().statusCode(200);
        assertEquals(3, count("Patient?identifier=" + sys + "|"));
    }

    /** Invariant bdl-7: a fullUrl is unique in a Bundle; a resource with no elements is still a resource. */
    @Test
    void duplicateFullUrlsAre400AndAnEmptyResourceIsOne() {
        String sys = "urn:test:" + unique();
        String p = "urn:uuid:" + UUID.randomUUID();
        post(bundle("transaction",
                entry(p, patient(sys, "d1"), "POST", "Patient", null),
                entry(p, patient(sys, "d2"), "POST", "Patient", null)))
                .statusCode(400)
                .body("issue[0].diagnostics", containsString("bdl-7"));
        assertEquals(0, count("Patient?identifier=" + sys + "|"));
        post(bundle("transaction", entry(null, "{\"resourceType\":\"Patient\"}", "POST", "Patient", null)))
                .statusCode(200)
                .body("entry[0].response.status", equalTo("201 Created"));
    }

    /** bundle.html: a GET entry's ifNoneMatch / ifModifiedSince answer 304 when the client's copy is current. */
    @Test
    void getEntriesHonourIfNoneMatchAndIfModifiedSince() {
        String sys = "urn:test:" + unique();
        String id = given().contentType(FHIR_JSON).body(patient(sys, "n1")).post("/fhir/Patient").then().statusCode(201)
                .extract().header("Location").split("/Patient/")[1].split("/")[0];
        post(bundle("batch",
                entry(null, null, "GET", "Patient/" + id, "\"ifNoneMatch\":\"W/\\\"1\\\"\""),
                entry(null, null, "GET", "Patient/" + id, "\"ifNoneMatch\":\"W/\\\"7\\\"\""),
                entry(null, null, "GET", "Patient/" + id, "\"ifModifiedSince\":\"2099-01-01T00:00:00Z\""),
                entry(null, null, "GET", "Patient/" + id, "\"ifModifiedSince\":\"2000-01-01T00:00:00Z\"")))
                .statusCode(200)
                .body("entry.response.status", equalTo(List.of("304 Not Modified", "200 OK", "304 Not Modified", "200 OK")))
                .body("entry[0].resource", equalTo(null))
                .body("entry[1].resource.id", equalTo(id));
    }

    /** Two clients pushing the same conditional create at the same moment: one resource, not two. */
    @Test
    void concurrentConditionalCreatesMakeNoDuplicates() throws Exception {
        String sys = "urn:test:" + unique();
        int clients = 6;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            statuses.add(pool.submit(() -> {
                start.await();
                return given().contentType(FHIR_JSON)
                        .body(bundle("transaction", entry(null, observation(sys, "same-lab", "Patient/p"), "POST", "Observation",
                                "\"ifNoneExist\":\"identifier=" + sys + "|same-lab\"")))
                        .post("/fhir").then().extract().statusCode();
            }));
        }
        start.countDown();
        for (Future<Integer> status : statuses) {
            assertEquals(200, status.get());
        }
        pool.shutdown();
        assertEquals(1, count("Observation?identifier=" + sys + "|same-lab"));
    }

    @Test
    void tooManyEntriesIs413() {
        StringBuilder entries = new StringBuilder();
        for (int i = 0; i < 501; i++) {
            entries.append(i == 0 ? "" : ",").append(entry(null, "{\"resourceType\":\"Patient\"}", "POST", "Patient", null));
        }
        post("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[" + entries + "]}").statusCode(413)
                .body("resourceType", equalTo("OperationOutcome"));
    }
}
