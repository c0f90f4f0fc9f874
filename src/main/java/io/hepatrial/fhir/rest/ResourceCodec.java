package io.hepatrial.fhir.rest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.util.IModelVisitor;
import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.search.IndexWriter;
import jakarta.inject.Singleton;

/**
 * Reads and writes FHIR resources in JSON and XML with HAPI's parsers. Reading is strict: unknown
 * elements, invalid primitive values and bad codes are errors (400), not warnings, so nothing
 * malformed is ever stored.
 */
@Singleton
public class ResourceCodec {

    private final FhirContext fhirContext;
    private final InputLimits limits;

    public ResourceCodec(FhirContext fhirContext, InputLimits limits) {
        this.fhirContext = fhirContext;
        this.limits = limits;
    }

    /**
     * Parses a request body that must hold a resource of the given type (any type when null).
     *
     * @throws FhirException 400 when the body is empty, malformed, too deeply nested, XML with a DOCTYPE,
     *         of another resource type, or has a reference with an invalid id; 413 when too long
     */
    public Resource parse(String body, FhirFormat format, String expectedType) {
        if (body == null || body.isBlank()) {
            throw FhirException.badRequest("The request body is empty; it must hold a " + (expectedType == null ? "FHIR" : expectedType) + " resource");
        }
        if (!"Bundle".equals(expectedType)) {
            // transaction and batch Bundles have their own, larger limit (hepatrial.bundle.max-chars)
            limits.requireResourceSize(body);
        }
        limits.requireAcceptableShape(body, format.encoding());
        IBaseResource parsed = parseStrictly(body, format, null);
        if (!(parsed instanceof Resource resource) || expectedType != null && !resource.fhirType().equals(expectedType)) {
            throw FhirException.badRequest("The body holds a " + parsed.fhirType() + " resource, but this URL takes "
                    + expectedType);
        }
        requireStorableValues(resource);
        return resource;
    }

    /** @param part which part of the body this text is, for the error (e.g. "entry 3"; null for the whole body) */
    private IBaseResource parseStrictly(String text, FhirFormat format, String part) {
        try {
            return parser(format.encoding()).setParserErrorHandler(new StrictErrorHandler()).parseResource(text);
        } catch (DataFormatException | IllegalArgumentException | IllegalStateException e) {
            throw new FhirException(400, IssueType.STRUCTURE, "The body is not a valid FHIR R4 "
                    + format.encoding() + " resource: " + (part == null ? "" : part + ": ") + e.getMessage(), java.util.Map.of(), e);
        } catch (RuntimeException e) {
            // The parser reads nothing but the body, so whatever else it throws is the body's fault
            // (HAPI 8.8.1 fails with StringIndexOutOfBoundsException on a JSON property named "").
            throw new FhirException(400, IssueType.STRUCTURE, "The body is not a valid FHIR R4 " + format.encoding()
                    + " resource (the parser failed on " + (part == null ? "it" : part) + ": "
                    + e.getClass().getSimpleName() + ")", java.util.Map.of(), e);
        }
    }

    /**
     * Parses a transaction or batch Bundle like {@link #parse}. A JSON Bundle is parsed in parts: a
     * streaming reader finds each entry's text in the body and HAPI parses them a hundred at a time,
     * so the parser's tree of the whole body and the model of the whole Bundle are never in memory
     * together (for a 10,000-entry Bundle that tree is several times the body). A body that is not
     * an object with an array of entry objects is parsed whole, which names what is wrong with it.
     */
    public Bundle parseBundle(String body, FhirFormat format) {
        if (format.encoding() != FhirFormat.Encoding.JSON || body == null || body.isBlank()) {
            return (Bundle) parse(body, format, "Bundle");
        }
        limits.requireAcceptableShape(body, format.encoding());
        BundleText text = BundleText.of(body);
        if (text == null) {
            return (Bundle) parse(body, format, "Bundle");
        }
        IBaseResource parsed = parseStrictly(text.withoutEntries(), format, null);
        if (!(parsed instanceof Bundle bundle)) {
            throw FhirException.badRequest("The body holds a " + parsed.fhirType() + " resource, but this URL takes Bundle");
        }
        List<String> entries = text.entries();
        for (int from = 0; from < entries.size(); from += ENTRIES_PER_PARSE) {
            List<String> part = entries.subList(from, Math.min(entries.size(), from + ENTRIES_PER_PARSE));
            parseEntries(part, from, format).forEach(bundle::addEntry);
            part.replaceAll(entry -> null); // their text is no longer needed
        }
        requireStorableValues(bundle);
        return bundle;
    }

    /**
     * Entries parsed together: a usual lab Bundle (up to this many) costs one parse, as a whole-body
     * parse would, and a large one never has the parser's tree of more than this many in memory.
     */
    private static final int ENTRIES_PER_PARSE = 100;

    /** Consecutive entries parsed in one go; when that fails, one by one, so the error names the entry. */
    private List<Bundle.BundleEntryComponent> parseEntries(List<String> texts, int firstIndex, FhirFormat format) {
        try {
            Bundle together = (Bundle) parseStrictly(entriesAsBundle(texts), format, null);
            if (together.getEntry().size() == texts.size()) {
                return together.getEntry();
            }
        } catch (FhirException oneIsInvalid) {
            // found below
        }
        List<Bundle.BundleEntryComponent> parsed = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String entry = "entry " + (firstIndex + i);
            Bundle single = (Bundle) parseStrictly(entriesAsBundle(texts.subList(i, i + 1)), format, entry);
            if (single.getEntry().size() != 1) {
                throw new FhirException(400, IssueType.STRUCTURE, "The body is not a valid FHIR R4 JSON resource: " + entry
                        + ": the entry is empty");
            }
            parsed.add(single.getEntry().get(0));
        }
        return parsed;
    }

    private static String entriesAsBundle(List<String> entries) {
        return "{\"resourceType\":\"Bundle\",\"entry\":[" + String.join(",", entries) + "]}";
    }

    /**
     * A JSON Bundle's text cut in two, both exactly as sent: each entry's own text, and the rest
     * (resourceType, type, id, meta, …) as an object without the entries. Null when the body is not a
     * JSON object with one non-empty "entry" array of objects.
     */
    record BundleText(String withoutEntries, List<String> entries) {

        private static final JsonFactory JSON = new JsonFactory();

        static BundleText of(String body) {
            try (JsonParser reader = JSON.createParser(body)) {
                if (reader.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                List<String> fields = new ArrayList<>();
                List<String> entries = null;
                JsonToken token = reader.nextToken();
                while (token == JsonToken.FIELD_NAME) {
                    int fieldStart = offset(reader);
                    boolean entry = reader.currentName().equals("entry");
                    JsonToken value = reader.nextToken();
                    if (entry) {
                        if (entries != null || value != JsonToken.START_ARRAY) {
                            return null;
                        }
                        entries = new ArrayList<>();
                        while (reader.nextToken() == JsonToken.START_OBJECT) {
                            int start = offset(reader);
                            reader.skipChildren();
                            entries.add(body.substring(start, offset(reader) + 1));
                        }
                        if (reader.currentToken() != JsonToken.END_ARRAY || entries.isEmpty()) {
                            return null;
                        }
                        token = reader.nextToken();
                        continue;
                    }
                    reader.skipChildren();
                    token = reader.nextToken();
                    // the field's text runs up to the next token, less the comma and blanks between them
                    String field = body.substring(fieldStart, token == null ? body.length() : offset(reader)).strip();
                    fields.add(field.endsWith(",") ? field.substring(0, field.length() - 1) : field);
                }
                if (token != JsonToken.END_OBJECT || reader.nextToken() != null || entries == null) {
                    return null;
                }
                return new BundleText("{" + String.join(",", fields) + "}", entries);
            } catch (java.io.IOException | RuntimeException e) {
                return null; // malformed JSON: the whole-body parse reports it
            }
        }

        private static int offset(JsonParser reader) {
            return (int) reader.currentTokenLocation().getCharOffset();
        }
    }

    /**
     * Checks what the parser lets through but the server cannot keep: relative literal references
     * ({@code Patient/123}, {@code Patient/123/_history/2}) must name a valid FHIR id, as they are
     * stored, indexed and put into URLs (absolute URLs, urn:, contained {@code #x} and conditional
     * {@code Patient?identifier=…} ones are not ids); decimals must fit the search index, and
     * rounding one with a huge exponent would cost time in proportion to it.
     */
    private void requireStorableValues(Resource resource) {
        fhirContext.newTerser().visit(resource, (IModelVisitor) (owner, element, path, child, definition) -> {
            if (element instanceof Reference reference) {
                requireValidReferenceId(reference.getReference());
            } else if (element instanceof DecimalType decimal && decimal.getValue() != null
                    && !IndexWriter.fitsIndex(decimal.getValue())) {
                throw new FhirException(400, IssueType.STRUCTURE, "The decimal " + abbreviated(decimal.getValueAsString())
                        + " is out of range: at most " + IndexWriter.MAX_INTEGER_DIGITS + " digits before the point and "
                        + IndexWriter.MAX_SCALE + " after it");
            }
        });
    }

    private void requireValidReferenceId(String value) {
        if (value == null || value.startsWith("#") || value.indexOf('?') >= 0) {
            return;
        }
        int colon = value.indexOf(':');
        int slash = value.indexOf('/');
        if (colon >= 0 && (slash < 0 || colon < slash)) {
            return;
        }
        if (value.indexOf('#') >= 0) {
            // only "#id" names a contained resource; HAPI's encoder trips over a '#' elsewhere in a relative reference
            throw new FhirException(400, IssueType.STRUCTURE, "The reference '" + abbreviated(value) + "' has a '#' after its start;"
                    + " a reference to a contained resource is '#' and its id");
        }
        String[] segments = value.split("/", -1);
        if (!fhirContext.getResourceTypes().contains(segments[0])) {
            return;
        }
        boolean typeAndId = segments.length == 2 || segments.length == 4 && segments[2].equals("_history");
        if (!typeAndId || !SupportedResourceTypes.isValidId(segments[1])) {
            throw new FhirException(400, IssueType.STRUCTURE, "The reference '" + abbreviated(value) + "' is not [type]/[id]"
                    + " with a valid FHIR id (1 to 64 of A-Z, a-z, 0-9, '-' and '.')");
        }
    }

    private static String abbreviated(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "…";
    }

    public byte[] encode(IBaseResource resource, FhirFormat format) {
        return parser(format.encoding()).setPrettyPrint(format.pretty()).encodeResourceToString(resource)
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Encodes a searchset with the entries cut down as _summary and _elements ask (search.html#summary,
     * #elements); the Bundle itself stays whole.
     */
    public byte[] encodeSearchset(org.hl7.fhir.r4.model.Bundle bundle, FhirFormat format,
            io.hepatrial.fhir.search.SearchRequest.Summary summary, java.util.Set<String> elements) {
        IParser parser = subsetting(format, summary, elements);
        parser.setEncodeElementsAppliesToChildResourcesOnly(true);
        return parser.encodeResourceToString(bundle).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A stored resource cut down as _summary and _elements ask, for a read or vread (HAPI's server
     * does the same); HAPI's encoder marks it with the SUBSETTED tag.
     */
    public byte[] encodeSubset(byte[] storedJson, FhirFormat format, Subsetting subsetting) {
        return subsetting(format, subsetting.summary(), subsetting.elements()).encodeResourceToString(parseStored(storedJson))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A stored resource as a model, cut down as asked (a Bundle GET entry's resource). */
    public Resource parseStored(byte[] json, Subsetting subsetting) {
        return subsetting.whole() ? parseStored(json) : parseStored(encodeSubset(json, FhirFormat.DEFAULT.withPretty(false), subsetting));
    }

    /** A parser that leaves out what _summary and _elements leave out (search.html#summary, #elements). */
    private IParser subsetting(FhirFormat format, io.hepatrial.fhir.search.SearchRequest.Summary summary, java.util.Set<String> elements) {
        IParser parser = parser(format.encoding()).setPrettyPrint(format.pretty());
        switch (summary) {
            case TRUE -> parser.setSummaryMode(true);
            case DATA -> parser.setSuppressNarratives(true);
            case TEXT -> parser.setEncodeElements(java.util.Set.of("*.text", "*.id", "*.meta", "*.(mandatory)"));
            default -> { }
        }
        if (elements != null && !elements.isEmpty() && summary != io.hepatrial.fhir.search.SearchRequest.Summary.TEXT) {
            java.util.Set<String> paths = new java.util.HashSet<>();
            for (String element : elements) {
                paths.add("*." + element);
            }
            paths.add("*.id");
            paths.add("*.meta");
            paths.add("*.(mandatory)");
            parser.setEncodeElements(paths);
        }
        return parser;
    }

    /** Parses a resource this server stored (compact JSON), trusted to be valid. */
    public Resource parseStored(byte[] json) {
        return (Resource) fhirContext.newJsonParser().parseResource(new String(json, StandardCharsets.UTF_8));
    }

    /** Stored JSON re-encoded in the asked-for format; the stored bytes themselves when they already fit. */
    public byte[] encodeStored(byte[] json, FhirFormat format) {
        if (format.encoding() == FhirFormat.Encoding.JSON && !format.pretty()) {
            return json;
        }
        return encode(parseStored(json), format);
    }

    private IParser parser(FhirFormat.Encoding encoding) {
        return encoding == FhirFormat.Encoding.XML ? fhirContext.newXmlParser() : fhirContext.newJsonParser();
    }
}
