package io.hepatrial.fhir.rest.openapi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

import com.fasterxml.jackson.databind.ObjectMapper;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.IParser;

/**
 * The example resources of the OpenAPI document: files under {@code openapi-examples/} on the class
 * path ({@code [type].json}, {@code Bundle-transaction.json}, {@code OperationOutcome-[status].json}),
 * parsed with HAPI so a broken example fails the start rather than misleading a reader, and what
 * the server would answer with them (stored, in a searchset, in a history, in a transaction-response).
 * Everything generated here is fixed (ids, dates), so the document is the same on every start.
 */
final class OpenApiExamples {

    static final String DIRECTORY = "openapi-examples/";
    /** Where the examples pretend to be served from: the README's local address. */
    static final String BASE = "http://localhost:8080/fhir";
    private static final Date LAST_UPDATED = new InstantType("2016-03-01T09:12:44.518+08:00").getValue();

    private final FhirContext fhirContext;
    private final ObjectMapper json = new ObjectMapper();
    private final Properties searchValues = new Properties();

    OpenApiExamples(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
        text("search-parameter-examples.properties").ifPresent(properties -> {
            try {
                searchValues.load(new java.io.StringReader(properties));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The document's introduction (Markdown), where the file exists. */
    Optional<String> apiDescription() {
        return text("api-description.md").map(String::strip);
    }

    /** The example of a resource type, as a client would send it (no id, no meta). */
    Optional<Resource> resource(String type) {
        return file(type + ".json", type);
    }

    /** The transaction Bundle a hospital would push: a patient and its labs. */
    Optional<Bundle> transaction() {
        return file("Bundle-transaction.json", "Bundle").map(Bundle.class::cast);
    }

    /** A FHIRPath Patch (a Parameters resource) for the type, where an example file exists. */
    Optional<Resource> fhirPathPatch(String type) {
        return file(type + "-fhirpath-patch.json", "Parameters");
    }

    /** The OperationOutcome an error answers, where an example file exists: by status ({@code 404}, or {@code 400-query}). */
    Optional<Resource> operationOutcome(String key) {
        return file("OperationOutcome-" + key + ".json", "OperationOutcome");
    }

    /** An example value of a search parameter, e.g. {@code Observation.code}. */
    Optional<String> searchValue(String type, String parameter) {
        return Optional.ofNullable(searchValues.getProperty(type + "." + parameter));
    }

    /** The example as the server stores and returns it: with an id and version 1. */
    Resource stored(Resource example) {
        Resource stored = example.copy();
        stored.setId(idOf(stored.fhirType()));
        stored.getMeta().setVersionId("1").setLastUpdated(LAST_UPDATED);
        return stored;
    }

    /** A searchset Bundle with the stored example as its one match. */
    Bundle searchset(Resource example) {
        Resource stored = stored(example);
        Bundle bundle = bundle(Bundle.BundleType.SEARCHSET).setTotal(1);
        bundle.addLink().setRelation("self").setUrl(BASE + "/" + stored.fhirType() + "?_count=20");
        bundle.addEntry().setFullUrl(fullUrl(stored)).setResource(stored).getSearch().setMode(Bundle.SearchEntryMode.MATCH);
        return bundle;
    }

    /** A history Bundle with the creation of the example. */
    Bundle history(Resource example) {
        Resource stored = stored(example);
        Bundle bundle = bundle(Bundle.BundleType.HISTORY).setTotal(1);
        Bundle.BundleEntryComponent entry = bundle.addEntry().setFullUrl(fullUrl(stored)).setResource(stored);
        entry.getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl(stored.fhirType());
        entry.getResponse().setStatus("201 Created").setEtag("W/\"1\"").setLastModified(LAST_UPDATED);
        return bundle;
    }

    /** The transaction-response to the transaction example: every entry created, in order. */
    Optional<Bundle> transactionResponse() {
        return transaction().map(request -> {
            Bundle response = bundle(Bundle.BundleType.TRANSACTIONRESPONSE);
            Map<String, String> assigned = new HashMap<>();
            List<Resource> written = new ArrayList<>();
            for (Bundle.BundleEntryComponent entry : request.getEntry()) {
                Resource stored = stored(entry.getResource());
                stored.setId(idOf(entry.getRequest().getIfNoneExist()));
                if (entry.hasFullUrl()) {
                    assigned.put(entry.getFullUrl(), stored.fhirType() + "/" + stored.getIdPart());
                }
                written.add(stored);
            }
            for (Resource stored : written) {
                // references to the Bundle's urn:uuid fullUrls now name what was created, as the server rewrites them
                for (Reference reference : fhirContext.newTerser().getAllPopulatedChildElementsOfType(stored, Reference.class)) {
                    if (assigned.containsKey(reference.getReference())) {
                        reference.setReference(assigned.get(reference.getReference()));
                    }
                }
                response.addEntry().setFullUrl(fullUrl(stored)).setResource(stored).getResponse().setStatus("201 Created")
                        .setLocation(stored.fhirType() + "/" + stored.getIdPart() + "/_history/1").setEtag("W/\"1\"")
                        .setLastModified(LAST_UPDATED);
            }
            return response;
        });
    }

    /** The example as a JSON value (maps and lists), for a JSON media type's example. */
    Object jsonValue(Resource resource) {
        try {
            return json.readValue(fhirContext.newJsonParser().encodeResourceToString(resource), Object.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The example as FHIR XML text, for the XML media type's example. */
    String xml(Resource resource) {
        return fhirContext.newXmlParser().setPrettyPrint(true).encodeResourceToString(resource);
    }

    /** A JSON example file as a JSON value (a JSON Patch, say): not a resource, not parsed by HAPI. */
    Optional<Object> jsonFile(String name) {
        return text(name).map(text -> {
            try {
                return json.readValue(text, Object.class);
            } catch (IOException e) {
                throw new IllegalStateException(DIRECTORY + name + " is not valid JSON", e);
            }
        });
    }

    private Optional<Resource> file(String name, String type) {
        return text(name).map(text -> {
            IParser parser = fhirContext.newJsonParser().setParserErrorHandler(new ca.uhn.fhir.parser.StrictErrorHandler());
            Resource resource = (Resource) parser.parseResource(text);
            if (!resource.fhirType().equals(type)) {
                throw new IllegalStateException(DIRECTORY + name + " holds a " + resource.fhirType() + ", not a " + type);
            }
            return resource;
        });
    }

    private static Optional<String> text(String name) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(DIRECTORY + name)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Bundle bundle(Bundle.BundleType type) {
        Bundle bundle = new Bundle().setType(type);
        bundle.setId(idOf("bundle-" + type.toCode()));
        bundle.getMeta().setLastUpdated(LAST_UPDATED);
        return bundle;
    }

    private static String fullUrl(Resource stored) {
        return BASE + "/" + stored.fhirType() + "/" + stored.getIdPart();
    }

    /** A fixed id for an example, so the document does not change from one start to the next. */
    private static String idOf(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString();
    }

    static OperationOutcome outcome(String code, String diagnostics) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.fromCode(code)).setDiagnostics(diagnostics);
        return outcome;
    }
}
