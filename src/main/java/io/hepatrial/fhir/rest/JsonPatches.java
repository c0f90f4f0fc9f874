package io.hepatrial.fhir.rest;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;

import io.hepatrial.fhir.FhirException;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonPatch;
import jakarta.json.JsonReader;

/** JSON Patch (RFC 6902) on a resource's JSON, with Jakarta JSON Processing's implementation. */
final class JsonPatches {

    private JsonPatches() {
    }

    /**
     * The resource JSON with the patch applied; a 400 for a malformed patch, and a 422 for one that
     * does not apply (a failed test, a path that is not there), as http.html#patch says.
     */
    /** RFC 6902 section 4: each operation names a known op and a path, with the value or from its op needs (else the document is malformed: 400). */
    private static void requireWellFormed(jakarta.json.JsonValue value) {
        JsonObject operation = value.asJsonObject();
        String op = operation.getString("op");
        operation.getString("path");
        switch (op) {
            case "add", "replace", "test" -> {
                if (!operation.containsKey("value")) {
                    throw new JsonException("the " + op + " operation at " + operation.getString("path") + " has no value");
                }
            }
            case "move", "copy" -> operation.getString("from");
            case "remove" -> { }
            default -> throw new JsonException("unknown operation " + op + " (add, remove, replace, move, copy or test)");
        }
    }

    static String apply(byte[] resourceJson, String patchText) {
        JsonPatch patch;
        try (JsonReader reader = Json.createReader(new StringReader(patchText == null ? "" : patchText))) {
            JsonArray operations = reader.readArray();
            operations.forEach(JsonPatches::requireWellFormed);
            patch = Json.createPatch(operations);
        } catch (JsonException | IllegalStateException | ClassCastException | NullPointerException e) {
            throw FhirException.badRequest("The body is not a JSON Patch document (a JSON array of operations): " + e.getMessage());
        }
        JsonObject resource;
        try (JsonReader reader = Json.createReader(new StringReader(new String(resourceJson, StandardCharsets.UTF_8)))) {
            resource = reader.readObject();
        }
        try {
            return patch.apply(resource).toString();
        } catch (JsonException | ClassCastException | NullPointerException e) {
            throw new FhirException(422, org.hl7.fhir.r4.model.OperationOutcome.IssueType.PROCESSING,
                    "The JSON Patch does not apply to the current version: " + e.getMessage());
        }
    }
}
