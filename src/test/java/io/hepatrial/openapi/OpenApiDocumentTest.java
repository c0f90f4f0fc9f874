package io.hepatrial.openapi;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.StrictErrorHandler;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.rest.FhirEndpoints;
import io.hepatrial.fhir.rest.FhirOperation;
import io.hepatrial.fhir.search.SearchParameterDefinition;
import io.hepatrial.fhir.search.SearchParameterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Path;

/**
 * The served OpenAPI document shows the real API: every supported type with its own paths, each
 * search with the parameters the registry defines (and their FHIR types), every operation the
 * endpoints mark, FHIR media types, and study examples that HAPI parses as what they claim to be.
 */
@QuarkusTest
class OpenApiDocumentTest {

    static JsonNode document;

    @Inject
    SupportedResourceTypes types;
    @Inject
    SearchParameterRegistry searchParameters;
    @Inject
    FhirEndpoints endpoints;
    @Inject
    FhirContext fhirContext;

    @BeforeEach
    void load() throws Exception {
        if (document != null) {
            return;
        }
        document = new ObjectMapper().readTree(given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().asString());
    }

    @Test
    void everySupportedTypeHasItsOwnPathsAndNoGenericOneRemains() {
        for (String type : types.all()) {
            String base = "/fhir/" + type;
            if (type.equals("AuditEvent")) {
                // written by the server only (docs/security.md): read and search, no create, update, patch or delete
                assertOperations(base, "get");
                assertOperations(base + "/{id}", "get");
                assertEquals(null, path(base).get("post"));
                assertEquals(null, path(base + "/{id}").get("delete"));
            } else {
                assertOperations(base, "get", "post", "put", "delete");
                assertOperations(base + "/{id}", "get", "put", "patch", "delete");
            }
            assertOperations(base + "/{id}/_history", "get");
            assertOperations(base + "/{id}/_history/{vid}", "get");
            assertOperations(base + "/_history", "get");
            assertOperations(base + "/_search", "post");
            assertEquals(type, path(base).get("get").get("tags").get(0).asText());
        }
        assertOperations("/fhir", "post");
        assertOperations("/fhir/_history", "get");
        assertOperations("/fhir/metadata", "get");
        document.get("paths").fieldNames().forEachRemaining(path -> assertFalse(path.contains("{type}"), path));
        assertEquals("/", document.get("servers").get(0).get("url").asText());
    }

    @Test
    void observationSearchListsCodeDatePatientWithTheirFhirTypes() {
        Map<String, JsonNode> parameters = parameters(path("/fhir/Observation").get("get"));
        assertEquals("token", parameters.get("code").get("x-fhir-type").asText());
        assertEquals("date", parameters.get("date").get("x-fhir-type").asText());
        assertEquals("reference", parameters.get("patient").get("x-fhir-type").asText());
        assertTrue(parameters.get("code").get("description").asText().contains("The code of the observation type"));
        assertEquals("http://loinc.org|1742-6", parameters.get("code").get("example").asText());
        for (String result : List.of("_count", "_sort", "_include", "_revinclude", "_summary", "_elements", "_total", "_format")) {
            assertTrue(parameters.containsKey(result), "Observation search lacks " + result);
        }
        assertTrue(contains(parameters.get("_include").get("schema").get("enum"), "Observation:patient"));
    }

    @Test
    void everySearchListsExactlyTheRegistrysParameters() {
        for (String type : types.all()) {
            Set<String> documented = new HashSet<>();
            for (Map.Entry<String, JsonNode> parameter : parameters(path("/fhir/" + type).get("get")).entrySet()) {
                if (parameter.getValue().has("x-fhir-type")) {
                    documented.add(parameter.getKey());
                }
            }
            Set<String> registered = new HashSet<>();
            for (SearchParameterDefinition definition : searchParameters.forType(type)) {
                registered.add(definition.name());
                assertEquals(definition.kind().getCode(), parameters(path("/fhir/" + type).get("get")).get(definition.name())
                        .get("x-fhir-type").asText(), type + " " + definition.name());
            }
            assertEquals(registered, documented, type);
            // the form-encoded search takes the same parameters
            JsonNode form = requestBody(path("/fhir/" + type + "/_search").get("post")).get("content")
                    .get("application/x-www-form-urlencoded").get("schema").get("properties");
            for (String name : registered) {
                assertTrue(form.has(name), type + " _search form lacks " + name);
            }
        }
        // the study's own parameters, from study/search-parameters.json
        assertTrue(parameters(path("/fhir/Procedure").get("get")).containsKey("course-number"));
    }

    @Test
    void everyOperationTheEndpointsMarkIsDocumented() {
        List<String> expected = new ArrayList<>();
        for (Class<?> endpoint : endpoints.classes()) {
            for (Method method : endpoint.getDeclaredMethods()) {
                if (method.isAnnotationPresent(FhirOperation.class)) {
                    String path = ("/" + endpoint.getAnnotation(Path.class).value() + "/" + method.getAnnotation(Path.class).value())
                            .replaceAll("/+", "/");
                    if (path.contains("{type}")) {
                        types.all().forEach(type -> expected.add(path.replace("{type}", type)));
                    } else {
                        expected.add(path);
                    }
                }
            }
        }
        assertTrue(expected.contains("/fhir/Patient/{id}/$everything"), expected.toString());
        assertTrue(expected.contains("/fhir/ResearchStudy/{id}/$outcomes"), expected.toString());
        for (String path : expected) {
            assertNotNull(document.get("paths").get(path), path + " is not in the OpenAPI document");
        }
        assertOperations("/fhir/Patient/{id}/$everything", "get", "post");
        assertOperations("/fhir/ResearchStudy/$outcomes", "get", "post");
        assertTrue(parameters(path("/fhir/ResearchStudy/$outcomes").get("get")).get("study").get("required").asBoolean());
        assertEquals("#/components/schemas/Parameters", path("/fhir/ResearchStudy/{id}/$outcomes").get("get").get("responses")
                .get("200").get("content").get("application/fhir+json").get("schema").get("$ref").asText());
    }

    @Test
    void bodiesAndErrorsAreFhirJsonAndXml() {
        JsonNode create = requestBody(path("/fhir/Observation").get("post")).get("content");
        assertTrue(create.has("application/fhir+json") && create.has("application/fhir+xml"));
        assertEquals("#/components/schemas/Observation", create.get("application/fhir+json").get("schema").get("$ref").asText());
        JsonNode responses = path("/fhir/Observation/{id}").get("put").get("responses");
        for (String status : List.of("200", "201", "400", "409", "412")) {
            assertTrue(responses.has(status), "update documents no " + status);
        }
        JsonNode conflict = resolve(responses.get("412"));
        assertEquals("#/components/schemas/OperationOutcome", conflict.get("content").get("application/fhir+xml").get("schema")
                .get("$ref").asText());
        assertTrue(resolve(path("/fhir").get("post").get("responses").get("413")).get("description").asText().contains("max-entries"));
        assertTrue(requestBody(path("/fhir/Observation/{id}").get("patch")).get("content").has("application/json-patch+json"));
        JsonNode schema = document.get("components").get("schemas").get("Observation");
        assertEquals("Observation", schema.get("properties").get("resourceType").get("const").asText());
        assertTrue(schema.get("properties").has("valueQuantity"));
        assertEquals("array", schema.get("properties").get("category").get("type").asText());
        assertTrue(document.get("info").get("description").asText().contains("NCT01491165"));
    }

    @Test
    void examplesAreResourcesHapiParsesAsTheTypeTheyClaim() {
        JsonNode examples = document.get("components").get("examples");
        int resources = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = examples.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> example = it.next();
            JsonNode value = example.getValue().get("value");
            if (example.getKey().contains("-json-patch")) {
                continue;
            }
            boolean xml = example.getKey().endsWith("-xml");
            IBaseResource resource = xml
                    ? parser(true).parseResource(value.asText())
                    : parser(false).parseResource(value.toString());
            String claimed = example.getKey().substring(0, example.getKey().indexOf('-') < 0 ? example.getKey().length()
                    : example.getKey().indexOf('-'));
            String expected = example.getKey().contains("searchset") || example.getKey().contains("history") ? "Bundle"
                    : example.getKey().contains("fhirpath-patch") ? "Parameters" : claimed;
            assertEquals(expected, fhirContext.getResourceType(resource), example.getKey());
            resources++;
        }
        assertTrue(resources >= 30, "only " + resources + " examples");

        Observation alt = (Observation) parser(false).parseResource(examples.get("Observation").get("value").toString());
        assertEquals("1742-6", alt.getCode().getCodingFirstRep().getCode());
        assertEquals("U/L", alt.getValueQuantity().getCode());
        assertEquals("http://unitsofmeasure.org", alt.getValueQuantity().getSystem());
        ResearchStudy study = (ResearchStudy) parser(false).parseResource(examples.get("ResearchStudy").get("value").toString());
        assertTrue(study.getIdentifier().stream().anyMatch(id -> id.getValue().equals("NCT01491165")));
        assertTrue(study.getIdentifier().stream().anyMatch(id -> id.getValue().equals("ChiCTR-TNRC-11001488")));
        Bundle transaction = (Bundle) parser(false).parseResource(examples.get("Bundle-transaction").get("value").toString());
        assertEquals(Bundle.BundleType.TRANSACTION, transaction.getType());
        assertTrue(transaction.getEntry().stream().filter(e -> e.getResource() instanceof Observation).count() >= 3);
        assertTrue(examples.has("ResearchSubject") && examples.has("Patient") && examples.has("OperationOutcome-400"));
    }

    @Test
    void browsersOfConfiguredOriginsMayCallTheApiOthersMayNot() {
        // %test.quarkus.http.cors.origins=https://partner.example.org
        given().header("Origin", "https://partner.example.org").get("/fhir/metadata").then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo("https://partner.example.org"))
                .header("Access-Control-Expose-Headers", org.hamcrest.Matchers.containsString("ETag"));
        given().header("Origin", "https://elsewhere.example.com").get("/fhir/metadata").then().statusCode(403)
                .header("Access-Control-Allow-Origin", nullValue());
    }

    @Test
    void swaggerUiIsServed() {
        given().get("/q/swagger-ui/").then().statusCode(200);
    }

    // ---- helpers ----

    private static JsonNode path(String path) {
        JsonNode item = document.get("paths").get(path);
        assertNotNull(item, path + " is not in the OpenAPI document");
        return item;
    }

    private static void assertOperations(String path, String... methods) {
        JsonNode item = path(path);
        for (String method : methods) {
            assertTrue(item.has(method), method.toUpperCase() + " " + path + " is not in the OpenAPI document");
        }
    }

    /** The parameters of an operation by name, $refs resolved. */
    private static Map<String, JsonNode> parameters(JsonNode operation) {
        Map<String, JsonNode> byName = new java.util.LinkedHashMap<>();
        for (JsonNode parameter : operation.get("parameters")) {
            JsonNode resolved = resolve(parameter);
            byName.put(resolved.get("name").asText(), resolved);
        }
        return byName;
    }

    private static JsonNode requestBody(JsonNode operation) {
        return resolve(operation.get("requestBody"));
    }

    private static JsonNode resolve(JsonNode node) {
        if (!node.has("$ref")) {
            return node;
        }
        String[] parts = node.get("$ref").asText().substring(2).split("/");
        JsonNode target = document;
        for (String part : parts) {
            target = target.get(part);
        }
        return target;
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode item : array) {
            if (item.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }

    private ca.uhn.fhir.parser.IParser parser(boolean xml) {
        return (xml ? fhirContext.newXmlParser() : fhirContext.newJsonParser()).setParserErrorHandler(new StrictErrorHandler());
    }
}
