package io.hepatrial.fhir.rest;

import static io.hepatrial.fhir.rest.CrudTest.FHIR_JSON;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;

/**
 * Request URIs as clients write them: search.html's own examples put a raw {@code |} between a
 * token's system and code ({@code GET [base]/Patient?identifier=http://acme.org/patient|2345}), and
 * curl sends it so. Sent here over a plain socket, since HTTP client libraries encode it first.
 */
@QuarkusTest
class RequestUriTest {

    record RawResponse(int status, String headers, String body) {
    }

    /** Sends one HTTP/1.1 request with the request target exactly as given. */
    static RawResponse send(String method, String target, String body) throws Exception {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket("127.0.0.1", RestAssured.port)) {
            OutputStream out = socket.getOutputStream();
            String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/fhir+json\r\n"
                    + (body == null ? "" : "Content-Type: application/fhir+json\r\nContent-Length: " + content.length + "\r\n") + "\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(content);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String response = all.toString(StandardCharsets.UTF_8);
            int split = response.indexOf("\r\n\r\n");
            String headers = response.substring(0, split);
            int status = Integer.parseInt(headers.substring(9, 12));
            return new RawResponse(status, headers, response.substring(split + 4));
        }
    }

    @Test
    void aTokenSearchWithARawBarFindsWhatTheEncodedOneFinds() throws Exception {
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:raw-bar\",\"value\":\"rb-1\"}]}")
                .post("/fhir/Patient").then().statusCode(201);
        given().queryParam("identifier", "urn:raw-bar|rb-1").get("/fhir/Patient").then().statusCode(200).body("total", equalTo(1));

        RawResponse raw = send("GET", "/fhir/Patient?identifier=urn:raw-bar|rb-1", null);
        assertEquals(200, raw.status(), raw.body());
        assertTrue(raw.body().contains("\"total\":1"), raw.body());
        // the self link is a valid URI again
        assertTrue(raw.body().contains("identifier=urn:raw-bar%7Crb-1"), raw.body());
    }

    @Test
    void aConditionalUpdateWithARawBarKeepsItsBody() throws Exception {
        RawResponse raw = send("PUT", "/fhir/Patient?identifier=urn:raw-bar|rb-put",
                "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:raw-bar\",\"value\":\"rb-put\"}],\"name\":[{\"family\":\"Barr\"}]}");
        assertEquals(201, raw.status(), raw.body());
        given().queryParam("identifier", "urn:raw-bar|rb-put").get("/fhir/Patient").then().statusCode(200)
                .body("total", equalTo(1)).body("entry[0].resource.name[0].family", equalTo("Barr"));
    }

    @Test
    void otherCharactersTheRfcLeavesOutAreReadAsWritten() throws Exception {
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"O{Brien}^\"}]}")
                .post("/fhir/Patient").then().statusCode(201);
        RawResponse raw = send("GET", "/fhir/Patient?name:exact=O{Brien}^&_summary=count", null);
        assertEquals(200, raw.status(), raw.body());
        assertTrue(raw.body().contains("\"total\":1"), raw.body());
    }

    @Test
    void aMalformedEscapeIs400WithAnOperationOutcome() throws Exception {
        RawResponse raw = send("GET", "/fhir/Patient?name=%zz", null);
        assertEquals(400, raw.status(), raw.body());
        assertTrue(raw.headers().toLowerCase().contains("content-type: application/fhir+json"), raw.headers());
        assertTrue(raw.body().contains("\"resourceType\":\"OperationOutcome\"") && raw.body().contains("\"code\":\"invalid\""), raw.body());
    }
}
