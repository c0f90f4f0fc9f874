package io.hepatrial.openapi;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * The OpenAPI documents committed under {@code openapi/} must be exactly what the service serves.
 * To regenerate them after an API change: {@code mvn test -Dtest=OpenApiSyncTest -Dopenapi.write=true}.
 */
@QuarkusTest
class OpenApiSyncTest {

    static final Path DIRECTORY = Path.of("openapi");

    @Test
    void committedYamlMatchesServedDocument() throws IOException {
        check("openapi.yaml", given().accept("application/yaml").get("/q/openapi").then().statusCode(200).extract().asString());
    }

    @Test
    void committedJsonMatchesServedDocument() throws IOException {
        check("openapi.json", given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().asString());
    }

    private static void check(String file, String served) throws IOException {
        Path committed = DIRECTORY.resolve(file);
        if (Boolean.getBoolean("openapi.write")) {
            Files.createDirectories(DIRECTORY);
            Files.writeString(committed, served, StandardCharsets.UTF_8);
        }
        String expected = Files.exists(committed) ? Files.readString(committed, StandardCharsets.UTF_8) : "(missing)";
        assertEquals(expected, served, "openapi/" + file + " differs from the served OpenAPI document; regenerate it with "
                + "mvn test -Dtest=OpenApiSyncTest -Dopenapi.write=true and commit it");
    }
}
