package io.hepatrial.security;

import static io.hepatrial.fhir.search.SearchTestData.FHIR_JSON;
import static io.hepatrial.fhir.search.SearchTestData.observation;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.smallrye.jwt.build.Jwt;

/**
 * Authentication, SMART scopes and partner isolation (docs/security.md), with tokens signed by a
 * test key. A partner token is bound to study S; patient A is enrolled in S, B in another study,
 * C in none: through every read and search feature the partner sees A and nothing of B or C.
 */
@QuarkusTest
@TestProfile(SecurityTest.SecurityOn.class)
class SecurityTest {

    static final String ISSUER = "https://idp.hepatrial.test";

    public static class SecurityOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("hepatrial.security.enabled", "true", "hepatrial.audit.enabled", "true",
                    "mp.jwt.verify.publickey.location", "security/test-public-key.pem",
                    "mp.jwt.verify.issuer", ISSUER,
                    "smallrye.jwt.sign.key.location", "security/test-private-key.pem");
        }
    }

    static String token(String scopes, String study) {
        return token(scopes, study, "test-client");
    }

    static String token(String scopes, String study, String client) {
        var builder = Jwt.issuer(ISSUER).subject("tester").claim("client_id", client).claim("scope", scopes);
        if (study != null) {
            builder.claim("study", study);
        }
        return builder.sign();
    }

    static final String ADMIN = token("system/*.cruds", null);

    static RequestSpecification as(String token) {
        return given().urlEncodingEnabled(false).header("Authorization", "Bearer " + token).contentType(FHIR_JSON).accept(FHIR_JSON);
    }

    static String create(String token, String type, String body) {
        String location = as(token).body(body).post("/fhir/" + type).then().statusCode(201).extract().header("Location");
        return location.split("/")[location.split("/").length - 3];
    }

    static String study(String nct) {
        return "{\"resourceType\":\"ResearchStudy\",\"status\":\"active\",\"title\":\"t\",\"identifier\":[{\"system\":"
                + "\"https://clinicaltrials.gov/nctid\",\"value\":\"" + nct + "\"}]}";
    }

    static String enrollment(String study, String patient) {
        return "{\"resourceType\":\"ResearchSubject\",\"status\":\"on-study\",\"study\":{\"reference\":\"ResearchStudy/" + study
                + "\"},\"individual\":{\"reference\":\"Patient/" + patient + "\"}}";
    }

    String marker;
    String nct;
    String studyS;
    String studyT;
    String a;
    String b;
    String c;
    String obsA;
    String obsB;
    String partner;

    @jakarta.inject.Inject
    AuditTrail trail;

    static final String AUDITOR = token("system/AuditEvent.rs", null);

    @BeforeEach
    void data() {
        marker = unique();
        nct = "NCT" + (10_000_000 + (int) (Math.random() * 89_999_999));
        studyS = create(ADMIN, "ResearchStudy", study(nct));
        studyT = create(ADMIN, "ResearchStudy", study("NCT" + (10_000_000 + (int) (Math.random() * 89_999_999))));
        a = create(ADMIN, "Patient", patient(marker, "Alpha", "Ann", "female", "1960-01-01"));
        b = create(ADMIN, "Patient", patient(marker, "Beta", "Ben", "male", "1961-01-01"));
        c = create(ADMIN, "Patient", patient(marker, "Gamma", "Cy", "male", "1962-01-01"));
        create(ADMIN, "ResearchSubject", enrollment(studyS, a));
        create(ADMIN, "ResearchSubject", enrollment(studyT, b));
        obsA = create(ADMIN, "Observation", observation(marker, a, "1742-6", "2016-03-01", 40, "U/L"));
        obsB = create(ADMIN, "Observation", observation(marker, b, "1742-6", "2016-03-01", 50, "U/L"));
        create(ADMIN, "Observation", observation(marker, c, "1742-6", "2016-03-01", 60, "U/L"));
        partner = token("system/*.rs", nct);
    }

    // --- authentication -------------------------------------------------------------------------------

    @Test
    void noTokenOrABadTokenIs401WithAnOperationOutcome() {
        given().accept(FHIR_JSON).get("/fhir/Patient").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("resourceType", equalTo("OperationOutcome")).body("issue[0].code", equalTo("login"));
        given().header("Authorization", "Bearer not.a.token").get("/fhir/Patient").then().statusCode(401)
                .body("issue[0].code", equalTo("login"));
        String otherIssuer = Jwt.issuer("https://someone.else").subject("x").claim("scope", "system/*.cruds").sign();
        given().header("Authorization", "Bearer " + otherIssuer).get("/fhir/Patient").then().statusCode(401);
        String expired = Jwt.issuer(ISSUER).subject("x").claim("scope", "system/*.cruds").expiresAt(1_000_000L).sign();
        given().header("Authorization", "Bearer " + expired).get("/fhir/Patient").then().statusCode(401);
    }

    @Test
    void metadataHealthAndTheOpenApiDocumentStayPublic() {
        given().get("/fhir/metadata").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
    }

    // --- scopes -------------------------------------------------------------------------------------------

    @Test
    void eachInteractionNeedsItsScope() {
        String ehr = token("system/Patient.cru system/Observation.cruds", null);
        create(ehr, "Patient", patient(marker, "Ehr", "Eve", "female", "1970-01-01"));
        as(ehr).delete("/fhir/Patient/" + c).then().statusCode(403).body("issue[0].code", equalTo("forbidden"))
                .body("issue[0].diagnostics", containsString("system/Patient.d"));
        as(ehr).get("/fhir/Patient?identifier=urn:test:" + marker + "%7C").then().statusCode(403); // no s on Patient
        as(ehr).get("/fhir/Patient/" + a).then().statusCode(200);
        as(ehr).get("/fhir/ResearchStudy/" + studyS).then().statusCode(403);
        as(ehr).post("/fhir/$reindex").then().statusCode(403);
        // SMART v1
        String v1 = token("user/Observation.read", null);
        as(v1).get("/fhir/Observation?subject=Patient/" + a).then().statusCode(200);
        as(v1).body(observation(marker, a, "1742-6", "2016-04-01", 41, "U/L")).post("/fhir/Observation").then().statusCode(403);
        // patient/ scopes need a launch context: they grant nothing here
        as(token("patient/*.rs", null)).get("/fhir/Observation/" + obsA).then().statusCode(403);
    }

    @Test
    void aBundleEntryTheTokenMayNotDoRefusesTheTransactionAndStoresNothing() {
        String ehr = token("system/Observation.cruds", null);
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                + "{\"resource\":" + observation(marker, a, "1742-6", "2016-05-01", 42, "U/L") + ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}},"
                + "{\"resource\":" + patient(marker, "Bundled", "Bo", "male", "1970-01-01") + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}";
        as(ehr).body(bundle).post("/fhir").then().statusCode(403).body("issue[0].diagnostics", containsString("Bundle entry 1"));
        as(ADMIN).get("/fhir/Patient?family=Bundled&identifier=urn:test:" + marker + "%7C").then().statusCode(200).body("total", equalTo(0));
    }

    // --- partner isolation ------------------------------------------------------------------------------

    private Set<String> ids(String token, String query) {
        JsonPath page = as(token).get("/fhir/" + query).then().statusCode(200).extract().jsonPath();
        Set<String> ids = new HashSet<>();
        List<String> types = page.getList("entry.resource.resourceType");
        List<String> idList = page.getList("entry.resource.id");
        if (idList == null) {
            return ids;
        }
        for (int i = 0; i < idList.size(); i++) {
            ids.add(types.get(i) + "/" + idList.get(i));
        }
        return ids;
    }

    @Test
    void aPartnerSearchesOnlyThePatientsOfItsStudy() {
        String mine = "identifier=urn:test:" + marker + "%7C";
        assertEquals(Set.of("Patient/" + a), ids(partner, "Patient?" + mine));
        as(partner).get("/fhir/Patient?" + mine + "&_total=accurate").then().body("total", equalTo(1));
        as(partner).get("/fhir/Patient?" + mine + "&_summary=count").then().body("total", equalTo(1));
        assertEquals(Set.of("Observation/" + obsA), ids(partner, "Observation?" + mine));
        // includes, revincludes, _has, chains
        assertEquals(Set.of("Patient/" + a, "Observation/" + obsA), ids(partner, "Patient?" + mine + "&_revinclude=Observation:subject"));
        assertEquals(Set.of("Patient/" + a, "Observation/" + obsA), ids(partner, "Observation?" + mine + "&_include=Observation:subject"));
        assertEquals(Set.of("Patient/" + a), ids(partner, "Patient?" + mine + "&_has:Observation:subject:code=http://loinc.org%7C1742-6"));
        assertEquals(Set.of(), ids(partner, "Observation?subject.family=Beta&" + mine));
        assertEquals(Set.of("ResearchStudy/" + studyS), ids(partner, "ResearchStudy?_id=" + studyS + "," + studyT));
        // ResearchSubjects: only the study's
        assertEquals(1, ids(partner, "ResearchSubject?individual=Patient/" + a + ",Patient/" + b).size());
    }

    @Test
    void aPartnerReadsNothingOutsideItsStudy() {
        as(partner).get("/fhir/Patient/" + a).then().statusCode(200);
        as(partner).get("/fhir/Patient/" + b).then().statusCode(404);
        as(partner).get("/fhir/Patient/" + c).then().statusCode(404);
        as(partner).get("/fhir/Observation/" + obsB).then().statusCode(404);
        as(partner).get("/fhir/Observation/" + obsB + "/_history/1").then().statusCode(404);
        as(partner).get("/fhir/Patient/" + a + "/_history").then().statusCode(200);
        as(partner).get("/fhir/Patient/" + b + "/_history").then().statusCode(404);
        as(partner).get("/fhir/Observation/_history").then().statusCode(403);
        as(partner).get("/fhir/_history").then().statusCode(403);
        as(partner).get("/fhir/Patient/" + a + "/$everything").then().statusCode(200);
        as(partner).get("/fhir/Patient/" + b + "/$everything").then().statusCode(404);
        as(partner).get("/fhir/ResearchStudy/" + studyT + "/$outcomes").then().statusCode(404);
        as(partner).get("/fhir/ResearchStudy/" + studyS + "/$outcomes").then().statusCode(200);
        // a batch cannot read around it
        String batch = "{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[{\"request\":{\"method\":\"GET\",\"url\":\"Patient/" + b
                + "\"}},{\"request\":{\"method\":\"GET\",\"url\":\"Observation?identifier=urn:test:" + marker + "|\"}}]}";
        JsonPath answer = as(partner).body(batch).post("/fhir").then().statusCode(200).extract().jsonPath();
        assertEquals("404 Not Found", answer.getString("entry[0].response.status"));
        assertEquals(1, answer.getInt("entry[1].resource.total"));
    }

    @Test
    void aPartnerWritesNothing() {
        as(partner).body(patient(marker, "Intruder", "I", "male", "1970-01-01")).post("/fhir/Patient").then().statusCode(403);
        as(partner).delete("/fhir/Observation/" + obsA).then().statusCode(403);
        as(partner).get("/fhir/Patient/" + a + "/$validate?mode=delete").then().statusCode(403);
        as(token("system/*.cruds", nct)).body(patient(marker, "Intruder", "I", "male", "1970-01-01")).post("/fhir/Patient")
                .then().statusCode(403).body("issue[0].diagnostics", containsString("reads only"));
    }

    @Test
    void aTokenBoundToAnUnknownStudyIsRefused() {
        as(token("system/*.rs", "NCT00000000")).get("/fhir/Patient").then().statusCode(403);
    }

    // --- audit --------------------------------------------------------------------------------------------

    private JsonPath audits(String query) {
        trail.flush();
        return as(AUDITOR).get("/fhir/AuditEvent?" + query).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void everyInteractionLeavesAnAuditEvent() {
        // the creates of the set-up were recorded with their writes
        JsonPath created = audits("entity=Patient/" + a + "&action=C");
        assertEquals(1, created.getInt("total"));
        assertEquals("test-client", created.getString("entry[0].resource.agent[0].altId"));
        assertEquals("tester", created.getString("entry[0].resource.agent[0].who.identifier.value"));
        assertEquals("0", created.getString("entry[0].resource.outcome"));
        // a read, a search, an update, a delete, an operation, a refusal
        as(partner).get("/fhir/Patient/" + a).then().statusCode(200);
        assertEquals(1, audits("entity=Patient/" + a + "&subtype=http://hl7.org/fhir/restful-interaction%7Cread").getInt("total"));
        String client = "searcher-" + unique();
        as(token("system/*.rs", nct, client)).get("/fhir/Observation?subject=Patient/" + a).then().statusCode(200);
        JsonPath searched = audits("altid=" + client + "&subtype=http://hl7.org/fhir/restful-interaction%7Csearch-type");
        assertEquals(1, searched.getInt("total"));
        assertEquals("R", searched.getString("entry[0].resource.action"));
        String changed = patient(marker, "Gamma", "Cyrus", "male", "1962-01-01").replaceFirst("\\{", "{\"id\":\"" + c + "\",");
        as(ADMIN).body(changed).put("/fhir/Patient/" + c).then().statusCode(200);
        assertEquals(1, audits("entity=Patient/" + c + "&action=U").getInt("total"));
        as(ADMIN).delete("/fhir/Observation/" + obsB).then().statusCode(200);
        assertEquals(1, audits("entity=Observation/" + obsB + "&action=D").getInt("total"));
        as(ADMIN).get("/fhir/Patient/" + a + "/$everything").then().statusCode(200);
        assertEquals(1, audits("entity=Patient/" + a + "&action=E").getInt("total"));
        as(partner).get("/fhir/Patient/" + b).then().statusCode(404);
        JsonPath refused = audits("entity=Patient/" + b + "&outcome=4");
        assertEquals(1, refused.getInt("total"));
        assertEquals("HTTP 404", refused.getString("entry[0].resource.outcomeDesc"));
    }

    @Test
    void aRolledBackWriteLeavesOnlyTheRecordOfItsRefusal() {
        String bad = observation(marker, a, "1742-6", "2016-03-01", 40, "mg/dL"); // refused by the study's lab profile
        String client = "pusher-" + unique();
        as(token("system/*.cruds", null, client)).body(bad).post("/fhir/Observation").then().statusCode(422);
        assertEquals(1, audits("altid=" + client + "&subtype=http://hl7.org/fhir/restful-interaction%7Ccreate&outcome=4").getInt("total"));
        assertEquals(0, audits("altid=" + client + "&outcome=0").getInt("total"));
        // nothing was stored, so no record names a new Observation of A besides obsA
        assertEquals(Set.of("Observation/" + obsA), ids(ADMIN, "Observation?subject=Patient/" + a));
    }

    @Test
    void theAuditTrailIsForAdministratorsAndWrittenByTheServerOnly() {
        as(partner).get("/fhir/AuditEvent").then().statusCode(403);
        as(ADMIN).get("/fhir/AuditEvent").then().statusCode(403); // a wildcard does not grant it
        as(AUDITOR).get("/fhir/AuditEvent?_count=1").then().statusCode(200);
        // nor through an include: the records about A are there, but only an auditor's search brings them along
        trail.flush();
        assertEquals(Set.of("Patient/" + a), ids(partner, "Patient?_id=" + a + "&_revinclude=AuditEvent:entity"));
        assertEquals(Set.of("Patient/" + a), ids(ADMIN, "Patient?_id=" + a + "&_revinclude=AuditEvent:entity"));
        assertTrue(ids(token("system/*.rs system/AuditEvent.rs", null), "Patient?_id=" + a + "&_revinclude=AuditEvent:entity").size() > 1);
        String forged = "{\"resourceType\":\"AuditEvent\",\"type\":{\"code\":\"rest\"},\"recorded\":\"2016-01-01T00:00:00Z\","
                + "\"agent\":[{\"requestor\":true}],\"source\":{\"observer\":{\"display\":\"x\"}}}";
        as(token("system/AuditEvent.cruds", null)).body(forged).post("/fhir/AuditEvent").then().statusCode(403);
    }
}
