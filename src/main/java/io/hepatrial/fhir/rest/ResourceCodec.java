package io.hepatrial.fhir.rest;

import java.nio.charset.StandardCharsets;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

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
        IBaseResource parsed;
        try {
            parsed = parser(format.encoding()).setParserErrorHandler(new StrictErrorHandler()).parseResource(body);
        } catch (DataFormatException | IllegalArgumentException | IllegalStateException e) {
            throw new FhirException(400, IssueType.STRUCTURE, "The body is not a valid FHIR R4 "
                    + format.encoding() + " resource: " + e.getMessage(), java.util.Map.of(), e);
        } catch (RuntimeException e) {
            // The parser reads nothing but the body, so whatever else it throws is the body's fault
            // (HAPI 8.8.1 fails with StringIndexOutOfBoundsException on a JSON property named "").
            throw new FhirException(400, IssueType.STRUCTURE, "The body is not a valid FHIR R4 " + format.encoding()
                    + " resource (the parser failed on it: " + e.getClass().getSimpleName() + ")", java.util.Map.of(), e);
        }
        if (!(parsed instanceof Resource resource) || expectedType != null && !resource.fhirType().equals(expectedType)) {
            throw FhirException.badRequest("The body holds a " + parsed.fhirType() + " resource, but this URL takes "
                    + expectedType);
        }
        requireStorableValues(resource);
        return resource;
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
        parser.setEncodeElementsAppliesToChildResourcesOnly(true);
        return parser.encodeResourceToString(bundle).getBytes(StandardCharsets.UTF_8);
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
