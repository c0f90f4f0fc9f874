package io.hepatrial.fhir.rest;

import java.nio.charset.StandardCharsets;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.IParser;
import ca.uhn.fhir.parser.StrictErrorHandler;
import io.hepatrial.fhir.FhirException;
import jakarta.inject.Singleton;

/**
 * Reads and writes FHIR resources in JSON and XML with HAPI's parsers. Reading is strict: unknown
 * elements, invalid primitive values and bad codes are errors (400), not warnings, so nothing
 * malformed is ever stored.
 */
@Singleton
public class ResourceCodec {

    private final FhirContext fhirContext;

    public ResourceCodec(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    /**
     * Parses a request body that must hold a resource of the given type (any type when null).
     *
     * @throws FhirException 400 when the body is empty, malformed, or of another resource type
     */
    public Resource parse(String body, FhirFormat format, String expectedType) {
        if (body == null || body.isBlank()) {
            throw FhirException.badRequest("The request body is empty; it must hold a " + (expectedType == null ? "FHIR" : expectedType) + " resource");
        }
        IBaseResource parsed;
        try {
            parsed = parser(format.encoding()).setParserErrorHandler(new StrictErrorHandler()).parseResource(body);
        } catch (DataFormatException | IllegalArgumentException | IllegalStateException e) {
            throw new FhirException(400, IssueType.STRUCTURE, "The body is not a valid FHIR R4 "
                    + format.encoding() + " resource: " + e.getMessage(), java.util.Map.of(), e);
        }
        if (!(parsed instanceof Resource resource) || expectedType != null && !resource.fhirType().equals(expectedType)) {
            throw FhirException.badRequest("The body holds a " + parsed.fhirType() + " resource, but this URL takes "
                    + expectedType);
        }
        return resource;
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
