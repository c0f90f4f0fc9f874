package io.hepatrial.fhir.bundle;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** The Bundles the README and docs/ehr-integration.md tell EHR engineers to send, sent as written there. */
@QuarkusTest
class DocumentedExamplesTest {

    static List<String> statuses(String bundle) {
        return given().contentType("application/fhir+json; charset=UTF-8").header("Prefer", "return=minimal").body(bundle)
                .post("/fhir").then().statusCode(200).extract().jsonPath().getList("entry.response.status");
    }

    @Test
    void theEhrIntegrationSampleIsAcceptedAndIdempotent() throws Exception {
        String doc = Files.readString(Path.of("docs/ehr-integration.md"));
        Matcher json = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(json.find(), "docs/ehr-integration.md has a JSON sample");
        List<String> first = statuses(json.group(1));
        assertEquals(3, first.size());
        first.forEach(status -> assertTrue(status.startsWith("20"), first.toString()));
        // "second time: 200 OK, 200 OK (nothing new), 200 OK (the albumin PUT writes version 2)"
        assertEquals(List.of("200 OK", "200 OK", "200 OK"), statuses(json.group(1)));
    }

    @Test
    void theReadmeTransactionIsAccepted() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Matcher push = Pattern.compile("# push a transaction Bundle.*?-d '(\\{.*?\\})'\\n", Pattern.DOTALL).matcher(readme);
        assertTrue(push.find(), "README.md has a transaction example");
        List<String> answered = statuses(push.group(1));
        assertEquals(2, answered.size());
        answered.forEach(status -> assertTrue(status.startsWith("20"), answered.toString()));
    }
}
