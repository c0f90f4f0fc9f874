package io.hepatrial.fhir.search;

import static io.restassured.RestAssured.given;

import java.util.List;
import java.util.UUID;

import io.restassured.path.json.JsonPath;

/** Small helpers to write test data over HTTP and read search results. */
public final class SearchTestData {

    public static final String FHIR_JSON = "application/fhir+json";

    private SearchTestData() {
    }

    /** A marker unique to one test, so tests sharing a database never see each other's data. */
    public static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    public static String create(String type, String json) {
        String location = given().contentType(FHIR_JSON + ";charset=UTF-8").body(json).post("/fhir/" + type).then().statusCode(201)
                .extract().header("Location");
        String path = location.substring(location.indexOf("/fhir/") + 6);
        return path.split("/")[1];
    }

    /** A transaction Bundle creating each of these resources (POST [type]). */
    public static String transactionOfCreates(String type, java.util.List<String> resources) {
        return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + String.join(",", resources.stream()
                .map(r -> "{\"resource\":" + r + ",\"request\":{\"method\":\"POST\",\"url\":\"" + type + "\"}}").toList()) + "]}";
    }

    public static JsonPath search(String typeAndQuery) {
        return given().urlEncodingEnabled(false).get("/fhir/" + url(typeAndQuery)).then().statusCode(200).extract().jsonPath();
    }

    /** Percent-encodes what a URL may not hold as is ('|', non-ASCII), leaving the query's structure alone. */
    public static String url(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 127 || c == '|' || c == ' ' || c == '"' || c == '$') {
                out.append('%').append(String.format("%02X", c));
            } else {
                out.append((char) c);
            }
        }
        // REST Assured takes a second "http://" in a URL for the start of another one
        String url = out.toString();
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query) + url.substring(query).replace("://", "%3A//");
    }

    /** The ids of the entries with search mode "match", in order. */
    public static List<String> ids(String typeAndQuery) {
        return search(typeAndQuery).getList("entry.findAll { it.search.mode == 'match' }.resource.id");
    }

    public static String patient(String marker, String family, String given, String gender, String birthDate) {
        return "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:test:" + marker + "\",\"value\":\"" + family
                + "\"}],\"active\":true,\"name\":[{\"family\":\"" + family + "\",\"given\":[\"" + given + "\"]}],\"gender\":\""
                + gender + "\",\"birthDate\":\"" + birthDate + "\"}";
    }

    public static String observation(String marker, String patientId, String loinc, String effective, double value, String unit) {
        return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"identifier\":[{\"system\":\"urn:test:" + marker
                + "\",\"value\":\"" + UUID.randomUUID() + "\"}],"
                + "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"laboratory\"}]}],"
                + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" + loinc + "\"}],\"text\":\"lab " + loinc + "\"},"
                + "\"subject\":{\"reference\":\"Patient/" + patientId + "\"},\"effectiveDateTime\":\"" + effective + "\","
                + "\"valueQuantity\":{\"value\":" + value + ",\"unit\":\"" + unit + "\",\"system\":\"http://unitsofmeasure.org\",\"code\":\""
                + unit + "\"}}";
    }
}
