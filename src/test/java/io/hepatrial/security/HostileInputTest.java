package io.hepatrial.security;

import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.observation;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Hostile request bodies, ids and search values (issue 8, hardening): each is answered with a 4xx
 * OperationOutcome, never a 5xx, nothing is resolved, expanded or stored, and no data changes.
 */
@QuarkusTest
class HostileInputTest {

    static final String FHIR_JSON = "application/fhir+json";
    static final String FHIR_XML = "application/fhir+xml";

    @ConfigProperty(name = "hepatrial.input.max-resource-chars")
    int maxResourceChars;

    @ConfigProperty(name = "hepatrial.input.max-depth")
    int maxDepth;

    @ConfigProperty(name = "hepatrial.bundle.max-chars")
    int maxBundleChars;

    @TestHTTPResource("/")
    java.net.URL root;

    // --- XML: external entities and entity expansion ---------------------------------------------

    static final String XXE_DOCTYPE = "<?xml version=\"1.0\"?>\n<!DOCTYPE Patient [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n";

    static final String BILLION_LAUGHS_DOCTYPE = "<?xml version=\"1.0\"?>\n<!DOCTYPE Patient [\n"
            + " <!ENTITY lol \"lol\">\n"
            + " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
            + " <!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">\n"
            + " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
            + " <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
            + " <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
            + " <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
            + " <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
            + " <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
            + " <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
            + "]>\n";

    static String xmlPatient(String system, String family) {
        return "<Patient xmlns=\"http://hl7.org/fhir\"><identifier><system value=\"" + system + "\"/><value value=\"x\"/></identifier>"
                + "<name><family value=\"" + family + "\"/></name></Patient>";
    }

    static String xmlTransaction(String patient) {
        return "<Bundle xmlns=\"http://hl7.org/fhir\"><type value=\"transaction\"/><entry><fullUrl value=\"urn:uuid:"
                + java.util.UUID.randomUUID() + "\"/><resource>" + patient.replace(" xmlns=\"http://hl7.org/fhir\"", "")
                + "</resource><request><method value=\"POST\"/><url value=\"Patient\"/></request></entry></Bundle>";
    }

    @Test
    void aJsonPatchHasTheSameLimitsAsABody() {
        String id = create("Patient", patient(unique(), "Patchy", "Pat", "female", "1970-01-01"));
        String deep = "[{\"op\":\"add\",\"path\":\"/extension\",\"value\":" + "[".repeat(5000) + "]".repeat(5000) + "}]";
        given().contentType("application/json-patch+json").body(deep).patch("/fhir/Patient/" + id).then().statusCode(400)
                .body("issue[0].code", equalTo("too-costly"));
        String nul = "[{\"op\":\"replace\",\"path\":\"/name/0/family\",\"value\":\"a\\u0000b\"}]";
        given().contentType("application/json-patch+json").body(nul).patch("/fhir/Patient/" + id).then().statusCode(400)
                .body("issue[0].code", equalTo("invalid"));
        given().get("/fhir/Patient/" + id).then().statusCode(200).body("meta.versionId", equalTo("1"));
    }

    @Test
    void xmlWithAnExternalEntityIsRefusedAndNothingIsResolved() {
        for (String doctype : List.of(XXE_DOCTYPE, "<!DOCTYPE Patient SYSTEM \"file:///etc/passwd\">\n")) {
            refusedEverywhere(doctype, "&xxe;");
        }
    }

    @Test
    void xmlWithEntityExpansionIsRefused() {
        refusedEverywhere(BILLION_LAUGHS_DOCTYPE, "&lol9;");
    }

    /** A DOCTYPE body on create, update, transaction and $validate: 400 not-supported, nothing stored, nothing echoed. */
    private void refusedEverywhere(String doctype, String entity) {
        String system = "urn:test:xxe:" + unique();
        String patient = doctype + xmlPatient(system, entity);
        String bundle = doctype.replace("DOCTYPE Patient", "DOCTYPE Bundle") + xmlTransaction(xmlPatient(system, entity));
        assertRefusedXml(given().contentType(FHIR_XML).body(patient).post("/fhir/Patient"));
        assertRefusedXml(given().contentType(FHIR_XML).body(patient).put("/fhir/Patient/xxe-" + unique()));
        assertRefusedXml(given().contentType(FHIR_XML).body(bundle).post("/fhir"));
        assertRefusedXml(given().contentType(FHIR_XML).urlEncodingEnabled(false).body(patient).post("/fhir/Patient/$validate"));
        assertRefusedXml(given().contentType(FHIR_XML).urlEncodingEnabled(false).body(patient)
                .post("/fhir/Patient/$validate?mode=create"));
        assertEquals(0, count("Patient?identifier=" + system + "|"));
    }

    private static void assertRefusedXml(Response response) {
        response.then().statusCode(400).body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].code", equalTo("not-supported"))
                .body(not(containsString("root:")))
                .body(not(containsString("lollol")));
    }

    @Test
    void undeclaredEntitiesAreNotResolvedEither() {
        // Without a DTD an entity reference has nothing to name; it must not reach the file system.
        String system = "urn:test:xxe:" + unique();
        Response response = given().contentType(FHIR_XML).body(xmlPatient(system, "&xxe;")).post("/fhir/Patient");
        assertTrue(response.statusCode() == 400, response.asString());
        assertEquals(0, count("Patient?identifier=" + system + "|"));
    }

    @Test
    void deeplyNestedXmlIs400() {
        String system = "urn:test:deep:" + unique();
        StringBuilder xml = new StringBuilder("<Patient xmlns=\"http://hl7.org/fhir\"><identifier><system value=\"" + system
                + "\"/></identifier>");
        int levels = 5_000;
        for (int i = 0; i < levels; i++) {
            xml.append("<extension url=\"http://example.org/x\">");
        }
        for (int i = 0; i < levels; i++) {
            xml.append("</extension>");
        }
        xml.append("</Patient>");
        Response response = given().contentType(FHIR_XML).accept(FHIR_JSON).body(xml.toString().getBytes(StandardCharsets.UTF_8)).post("/fhir/Patient");
        assertEquals(400, response.statusCode());
        assertEquals("too-costly", io.restassured.path.json.JsonPath.from(response.asString()).getString("issue[0].code"));
        assertEquals(0, count("Patient?identifier=" + system + "|"));
    }

    // --- JSON: nesting and size -------------------------------------------------------------------

    @Test
    void tenThousandNestedArraysAre400() {
        String system = "urn:test:deep:" + unique();
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        String body = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + system + "\"}],\"unknownElement\":" + deep + "}";
        assertTooDeep(given().contentType(FHIR_JSON).body(body).post("/fhir/Patient"));
        assertTooDeep(given().contentType(FHIR_JSON).urlEncodingEnabled(false).body(body).post("/fhir/Patient/$validate"));
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":" + body
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}";
        assertTooDeep(given().contentType(FHIR_JSON).body(bundle).post("/fhir"));
        assertEquals(0, count("Patient?identifier=" + system + "|"));
    }

    @Test
    void tenThousandNestedExtensionsAre400() {
        String system = "urn:test:deep:" + unique();
        StringBuilder extension = new StringBuilder();
        int levels = 10_000;
        for (int i = 0; i < levels; i++) {
            extension.append("{\"url\":\"http://example.org/x\",\"extension\":[");
        }
        extension.append("{\"url\":\"http://example.org/x\",\"valueString\":\"leaf\"}");
        for (int i = 0; i < levels; i++) {
            extension.append("]}");
        }
        String body = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + system + "\"}],\"extension\":[" + extension + "]}";
        assertTooDeep(given().contentType(FHIR_JSON).body(body).post("/fhir/Patient"));
        assertEquals(0, count("Patient?identifier=" + system + "|"));
    }

    @Test
    void nestingJustWithinTheLimitIsAccepted() {
        // Patient{ extension[ {…extension[ … valueString } ]… } : two levels per extension, plus the Patient object
        int extensions = (maxDepth - 1) / 2;
        StringBuilder extension = new StringBuilder();
        for (int i = 0; i < extensions - 1; i++) {
            extension.append("{\"url\":\"http://example.org/x\",\"extension\":[");
        }
        extension.append("{\"url\":\"http://example.org/x\",\"valueString\":\"leaf\"}");
        for (int i = 0; i < extensions - 1; i++) {
            extension.append("]}");
        }
        String body = "{\"resourceType\":\"Patient\",\"extension\":[" + extension + "]}";
        given().contentType(FHIR_JSON).body(body).post("/fhir/Patient").then().statusCode(201);
    }

    private static void assertTooDeep(Response response) {
        response.then().statusCode(400).body("resourceType", equalTo("OperationOutcome")).body("issue[0].code", equalTo("too-costly"));
    }

    @Test
    void oversizedResourceIs413() {
        String system = "urn:test:big:" + unique();
        String head = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + system + "\"}],\"name\":[{\"family\":\"";
        String body = head + "x".repeat(maxResourceChars - head.length()) + "\"}]}";
        given().contentType(FHIR_JSON).body(body).post("/fhir/Patient").then().statusCode(413)
                .body("resourceType", equalTo("OperationOutcome")).body("issue[0].code", equalTo("too-long"));
        given().contentType(FHIR_JSON).body(body).put("/fhir/Patient/big-" + unique()).then().statusCode(413)
                .body("issue[0].code", equalTo("too-long"));
        given().contentType(FHIR_JSON).urlEncodingEnabled(false).body(body).post("/fhir/Patient/$validate").then().statusCode(413)
                .body("issue[0].code", equalTo("too-long"));
        assertEquals(0, count("Patient?identifier=" + system + "|"));
    }

    /** Requests too large to read are refused before routing, still with an OperationOutcome. */
    @Test
    void aBodyAboveTheHttpLimitIs413WithoutBeingRead() throws Exception {
        // the header announces 100 MB (above quarkus.http.limits.max-body-size); none of it is sent
        String answer = rawAnswerBeforeTheBody("POST /fhir/Patient HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/fhir+json\r\n"
                + "Content-Length: 100000000\r\n\r\n");
        org.junit.jupiter.api.Assertions.assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
        org.junit.jupiter.api.Assertions.assertTrue(answer.contains("\"resourceType\":\"OperationOutcome\"") && answer.contains("too-long"), answer);
        assertEquals(0, count("Patient?family=NeverSent"));
    }

    @Test
    void aUrlAboveTheLimitIs414() {
        String name = "a".repeat(20_000);
        given().urlEncodingEnabled(false).get("/fhir/Patient?name=" + name).then().statusCode(414)
                .body("resourceType", equalTo("OperationOutcome")).body("issue[0].code", equalTo("too-long"))
                .body("issue[0].diagnostics", containsString("_search"));
        // the same search as a form body is read
        given().urlEncodingEnabled(false).contentType("application/x-www-form-urlencoded").body("name=" + name)
                .post("/fhir/Patient/_search").then().statusCode(200).body("resourceType", equalTo("Bundle"));
    }

    @Test
    void oversizedBundleIs413() {
        String body = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[]," + "\"id\":\"" + "x".repeat(maxBundleChars) + "\"}";
        given().contentType(FHIR_JSON).body(body).post("/fhir").then().statusCode(413)
                .body("resourceType", equalTo("OperationOutcome")).body("issue[0].code", equalTo("too-long"));
    }

    // --- Ids --------------------------------------------------------------------------------------

    static final List<String> INVALID_IDS = List.of("..%2F..", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "a".repeat(65), "a%20b", "a'b",
            "a%22b", "%C3%A9t%C3%A9", "a;b", "a%00b", "a*b", "%27%20OR%20%271%27%3D%271");

    @Test
    void invalidIdsAre400OnEveryInstancePath() {
        String patientBody = "{\"resourceType\":\"Patient\"}";
        for (String id : INVALID_IDS) {
            String path = "/fhir/Patient/" + id;
            assertInvalidId(id, given().urlEncodingEnabled(false).get(path));
            assertInvalidId(id, given().urlEncodingEnabled(false).get(path + "/_history/1"));
            assertInvalidId(id, given().urlEncodingEnabled(false).get(path + "/_history"));
            assertInvalidId(id, given().urlEncodingEnabled(false).contentType(FHIR_JSON).body(patientBody).put(path));
            assertInvalidId(id, given().urlEncodingEnabled(false).delete(path));
            assertInvalidId(id, given().urlEncodingEnabled(false).contentType("application/json-patch+json").body("[]").patch(path));
            assertInvalidId(id, given().urlEncodingEnabled(false).get(path + "/$everything"));
            assertInvalidId(id, given().urlEncodingEnabled(false).get(path + "/$validate"));
            assertInvalidId(id, given().urlEncodingEnabled(false).contentType(FHIR_JSON).body(patientBody).post(path + "/$validate?mode=update"));
        }
    }

    private static void assertInvalidId(String id, Response response) {
        assertEquals(400, response.statusCode(), id + ": " + response.asString());
        assertEquals("OperationOutcome", response.jsonPath().getString("resourceType"), id);
    }

    @Test
    void dotSegmentIdsAreRefusedInBundles() {
        String system = "urn:test:ids:" + unique();
        for (String id : List.of("..", ".", "a b", "a".repeat(65), "é", "a/b", "a'b")) {
            String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\","
                    + "\"id\":\"" + id.replace("\"", "\\\"") + "\",\"identifier\":[{\"system\":\"" + system + "\"}]},\"request\":{\"method\":\"PUT\","
                    + "\"url\":\"Patient/" + id + "\"}}]}";
            Response response = given().contentType(FHIR_JSON).body(bundle).post("/fhir");
            assertEquals(400, response.statusCode(), id + ": " + response.asString());
            assertEquals("OperationOutcome", response.jsonPath().getString("resourceType"));
            for (String method : List.of("GET", "DELETE")) {
                String read = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"request\":{\"method\":\"" + method
                        + "\",\"url\":\"Patient/" + id + "\"}}]}";
                Response answer = given().contentType(FHIR_JSON).body(read).post("/fhir");
                assertEquals(400, answer.statusCode(), method + " " + id + ": " + answer.asString());
            }
        }
        assertEquals(0, count("Patient?identifier=" + system + "|"));
    }

    @Test
    void referencesWithInvalidIdsAre400() {
        String marker = unique();
        String patient = create("Patient", patient(marker, "Ref", "Ida", "female", "1960-01-01"));
        for (String reference : List.of("Patient/..", "Patient/a b", "Patient/" + "a".repeat(65), "Patient/x/../../etc", "Patient/",
                "Patient/é", "Patient/1'; DROP TABLE resource; --")) {
            String body = observation(marker, patient, "1742-6", "2016-03-01", 42, "U/L").replace("Patient/" + patient, reference);
            Response response = given().contentType(FHIR_JSON).body(body).post("/fhir/Observation");
            assertEquals(400, response.statusCode(), reference + ": " + response.asString());
            assertEquals("OperationOutcome", response.jsonPath().getString("resourceType"));
        }
        // the usual kinds still pass: relative with and without version, absolute, contained, conditional in a Bundle
        for (String reference : List.of("Patient/" + patient, "Patient/" + patient + "/_history/1")) {
            String body = observation(marker, patient, "1742-6", "2016-03-01", 42, "U/L").replace("Patient/" + patient, reference);
            given().contentType(FHIR_JSON).body(body).post("/fhir/Observation").then().statusCode(201);
        }
        assertEquals(2, count("Observation?identifier=urn:test:" + marker + "|"));
        String conditional = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
                + observation(marker, patient, "1742-6", "2016-03-01", 42, "U/L").replace("Patient/" + patient,
                        "Patient?identifier=urn:test:" + marker + "|Ref")
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}]}";
        given().contentType(FHIR_JSON).body(conditional).post("/fhir").then().statusCode(200);
        String badConditional = conditional.replace("Patient?identifier=urn:test:" + marker + "|Ref", "Patient?identifier='%00;--");
        Response refused = given().contentType(FHIR_JSON).body(badConditional).post("/fhir");
        assertTrue(refused.statusCode() >= 400 && refused.statusCode() < 500, refused.asString());
        assertEquals(3, count("Observation?identifier=urn:test:" + marker + "|"));
    }

    @Test
    void hugeAndTinyNumbersAre400NotAHang() {
        String system = "urn:test:num:" + unique();
        for (String number : List.of("1e999999999", "-1e999999999", "1e-999999999", "1" + "0".repeat(60), "1e46")) {
            String body = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"identifier\":[{\"system\":\"" + system
                    + "\"}],\"code\":{\"text\":\"x\"},\"valueQuantity\":{\"value\":" + number
                    + ",\"system\":\"http://unitsofmeasure.org\",\"code\":\"Cel\"}}";
            Response response = given().contentType(FHIR_JSON).body(body).post("/fhir/Observation");
            assertEquals(400, response.statusCode(), number + ": " + response.asString());
            for (String query : List.of("Observation?value-quantity=" + number, "Observation?value-quantity=ap" + number
                    + "%7Chttp://unitsofmeasure.org%7CCel", "RiskAssessment?probability=" + number)) {
                Response answer = given().urlEncodingEnabled(false).get("/fhir/" + query);
                assertTrue(answer.statusCode() == 400 || answer.statusCode() == 404, query + ": " + answer.asString());
            }
        }
        for (String number : List.of("1e999999999", "1e-999999999", "1" + "0".repeat(1_000_000), "1." + "1".repeat(1_000_000))) {
            String xml = "<Observation xmlns=\"http://hl7.org/fhir\"><identifier><system value=\"" + system + "\"/></identifier>"
                    + "<status value=\"final\"/><code><text value=\"x\"/></code><valueQuantity><value value=\"" + number
                    + "\"/></valueQuantity></Observation>";
            long start = System.nanoTime();
            Response response = given().contentType(FHIR_XML).body(xml).post("/fhir/Observation");
            assertEquals(400, response.statusCode(), number.length() + ": " + response.asString());
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "refused quickly");
            Response json = given().contentType(FHIR_JSON).body("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":"
                    + "{\"text\":\"x\"},\"valueQuantity\":{\"value\":" + number + "}}").post("/fhir/Observation");
            assertEquals(400, json.statusCode(), number.length() + ": " + json.asString());
        }
        assertEquals(0, count("Observation?identifier=" + system + "|"));
    }

    // --- Search values with SQL meta-characters ----------------------------------------------------

    static final List<String> META_VALUES = List.of("'", "%27", "%22", "%3B", "--", "%25", "_", "%5C", "/*", "*/", "%00", "%E2%80%AE",
            "%F0%9F%92%A9", "'%20OR%20'1'%3D'1", "1%3B%20DROP%20TABLE%20resource%3B%20--", "%5C'", "%25%25", "a_b%25c", "%7C", "%7C%7C%7C",
            "x%7C'", "'%7C--", "ge'", "lt%00", "eq1e999999", "9".repeat(400), "-", "%2C", "%2C%2C", "%24", "%3A", "%5B%5D", "%7B%7D");

    static final List<String> PARAMETERS = List.of("Patient?name=", "Patient?family:exact=", "Patient?family:contains=",
            "Patient?identifier=", "Patient?identifier=urn:x%7C", "Patient?gender=", "Patient?gender:not=", "Patient?birthdate=",
            "Patient?_id=", "Patient?_lastUpdated=", "Patient?_sort=", "Patient?_count=", "Patient?_total=", "Patient?_summary=",
            "Patient?_elements=", "Patient?_include=", "Patient?_revinclude=", "Patient?_has:Observation:subject:code=",
            "Patient?_has=", "Patient?general-practitioner=", "Observation?subject=", "Observation?subject=Patient/",
            "Observation?subject:Patient.name=", "Observation?subject.identifier=", "Observation?value-quantity=",
            "Observation?value-quantity=5%7C", "Observation?value-quantity=5%7Chttp://unitsofmeasure.org%7C", "Observation?code=",
            "Observation?code:text=", "Observation?date=", "Observation?_sort=-", "Observation?category:missing=",
            "ResearchStudy?url=", "ResearchStudy?identifier=", "ResearchSubject?study.identifier=", "Condition?code:below=",
            "Procedure?date=ge", "ValueSet?url:below=", "CodeSystem?url=", "Patient?_format=", "Patient?_cursor=", "Patient?",
            "Patient?name:unknownmodifier=", "Patient?unknown-param=");

    @Test
    void searchValuesWithSqlMetaCharactersAreAnsweredNormally() {
        int before = count("Patient");
        int observationsBefore = count("Observation");
        for (String parameter : PARAMETERS) {
            for (String value : META_VALUES) {
                String url = "/fhir/" + parameter + value;
                Response response = given().urlEncodingEnabled(false).get(url);
                assertSearchAnswered(url, response);
            }
        }
        assertEquals(before, count("Patient"));
        assertEquals(observationsBefore, count("Observation"));
    }

    @Test
    void searchByPostWithMetaCharactersIsAnsweredNormally() {
        for (String value : List.of("'", "\"", ";", "--", "%", "_", "\\", "/*", "\u0000", "é", "\u202e", "'; DROP TABLE resource; --")) {
            for (String name : List.of("name", "identifier", "birthdate", "_id", "_sort", "_count", "general-practitioner", "_has:Observation:subject:code")) {
                Response response = given().contentType("application/x-www-form-urlencoded; charset=UTF-8").formParam(name, value)
                        .post("/fhir/Patient/_search");
                assertSearchAnswered(name + "=" + value, response);
            }
        }
    }

    static void assertSearchAnswered(String what, Response response) {
        int status = response.statusCode();
        // _format names the answer's format: one it cannot produce is a 406 (http.html#mime-type)
        assertTrue(status == 200 || status == 400 || status == 406 && what.contains("_format="),
                what + " answered " + status + ": " + response.asString());
        String type = response.jsonPath().getString("resourceType");
        assertEquals(status == 200 ? "Bundle" : "OperationOutcome", type, what);
    }

    /** Malformed percent-encoding, which most HTTP clients refuse to send: sent over a plain socket. */
    @Test
    void malformedPercentEncodingIsA4xx() throws Exception {
        for (String target : List.of("/fhir/Patient?name=%zz", "/fhir/Patient?name=%", "/fhir/Patient/%zz", "/fhir/Patient?%=1",
                "/fhir/Patient?name=%C3%28", "/fhir/Patient/a%C3%28", "/fhir/Patient?_id=%00", "/fhir/%2e%2e/%2e%2e/etc/passwd",
                "/fhir/Patient;x=1", "/fhir/Patient/a;b/_history", "/fhir/Patient?name=" + "x".repeat(10_000))) {
            // a request line beyond quarkus.http.limits.max-initial-line-length is answered 414 by the HTTP layer itself
            String answer = raw("GET " + target + " HTTP/1.1\r\nHost: localhost\r\nAccept: application/fhir+json\r\nConnection: close\r\n\r\n");
            int status = Integer.parseInt(answer.substring(9, 12));
            assertTrue(status >= 200 && status < 500, target + " answered " + answer);
        }
    }

    private String raw(String request) throws Exception {
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Sends the request head only and reads the answer up to its Content-Length (the connection stays open: the body never comes). */
    private String rawAnswerBeforeTheBody(String head) throws Exception {
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                read.write(b);
                String text = read.toString(StandardCharsets.ISO_8859_1);
                int end = text.indexOf("\r\n\r\n");
                java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
                if (end >= 0 && length.find() && read.size() >= end + 4 + Integer.parseInt(length.group(1))) {
                    break;
                }
            }
            return read.toString(StandardCharsets.UTF_8);
        }
    }

    /** The total a search reports (with _total=accurate). */
    static int count(String typeAndQuery) {
        String query = typeAndQuery + (typeAndQuery.contains("?") ? "&" : "?") + "_total=accurate&_count=1";
        return given().urlEncodingEnabled(false).get("/fhir/" + io.hepatrial.fhir.search.SearchTestData.url(query)).then().statusCode(200)
                .extract().path("total");
    }
}
