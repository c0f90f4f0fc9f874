package io.hepatrial.fhir.rest;

import java.util.List;
import java.util.Locale;

import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

import io.hepatrial.fhir.FhirException;
import jakarta.ws.rs.core.MediaType;

/**
 * The wire format of one response (JSON or XML, the media type to label it with, pretty or not),
 * negotiated as FHIR's http.html says: {@code _format} overrides {@code Accept}; FHIR JSON is the
 * default; the plain JSON and XML media types are accepted too.
 */
public record FhirFormat(Encoding encoding, String mediaType, boolean pretty) {

    public enum Encoding { JSON, XML }

    public static final String FHIR_JSON = "application/fhir+json";
    public static final String FHIR_XML = "application/fhir+xml";

    public static final FhirFormat DEFAULT = new FhirFormat(Encoding.JSON, FHIR_JSON, false);

    /** The Content-Type header value of a response in this format. */
    public String contentType() {
        return mediaType + ";charset=UTF-8";
    }

    public FhirFormat withPretty(boolean pretty) {
        return new FhirFormat(encoding, mediaType, pretty);
    }

    /**
     * Chooses the response format.
     *
     * @param formatParam the {@code _format} query parameter, or null
     * @param prettyParam the {@code _pretty} query parameter, or null
     * @param accept      the acceptable media types in preference order (JAX-RS sorts them by q)
     * @throws FhirException 406 when nothing the client accepts can be produced
     */
    public static FhirFormat negotiate(String formatParam, String prettyParam, List<MediaType> accept) {
        boolean pretty = "true".equalsIgnoreCase(prettyParam);
        if (formatParam != null && !formatParam.isBlank()) {
            // A '+' in a query string arrives decoded as a space.
            String value = formatParam.trim().replace(' ', '+').toLowerCase(Locale.ROOT);
            FhirFormat format = switch (value) {
                case "json", FHIR_JSON -> new FhirFormat(Encoding.JSON, FHIR_JSON, pretty);
                case "application/json" -> new FhirFormat(Encoding.JSON, "application/json", pretty);
                case "xml", FHIR_XML -> new FhirFormat(Encoding.XML, FHIR_XML, pretty);
                case "application/xml", "text/xml" -> new FhirFormat(Encoding.XML, value, pretty);
                default -> null;
            };
            if (format == null) {
                throw new FhirException(406, IssueType.NOTSUPPORTED, "_format=" + formatParam
                        + " is not supported; use json, xml, application/fhir+json or application/fhir+xml");
            }
            return format;
        }
        if (accept == null || accept.isEmpty()) {
            return DEFAULT.withPretty(pretty);
        }
        for (MediaType type : accept) {
            if (refused(type)) {
                continue; // q=0: "not acceptable" (RFC 9110 12.4.2)
            }
            FhirFormat format = of(type);
            if (format != null) {
                return format.withPretty(pretty);
            }
        }
        throw new FhirException(406, IssueType.NOTSUPPORTED, "None of the media types in Accept can be produced; "
                + "this server produces application/fhir+json and application/fhir+xml (FHIR 4.0)");
    }

    /** The format of a request body, from its Content-Type; a 415 for anything else. */
    public static FhirFormat ofRequestBody(MediaType contentType) {
        FhirFormat format = contentType == null || contentType.isWildcardType() || contentType.isWildcardSubtype()
                ? null : of(contentType);
        if (format == null) {
            throw new FhirException(415, IssueType.NOTSUPPORTED, "Content-Type " + (contentType == null ? "(none)" : contentType)
                    + " is not supported; send application/fhir+json or application/fhir+xml");
        }
        return format;
    }

    private static boolean refused(MediaType type) {
        String q = type.getParameters().get("q");
        try {
            return q != null && Double.parseDouble(q.trim()) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** The format named by one media type (wildcards mean the default), or null if we cannot serve it. */
    private static FhirFormat of(MediaType type) {
        String fhirVersion = type.getParameters().get("fhirVersion");
        if (fhirVersion != null && !fhirVersion.startsWith("4.0")) {
            return null;
        }
        String name = (type.getType() + "/" + type.getSubtype()).toLowerCase(Locale.ROOT);
        return switch (name) {
            case "*/*", "application/*" -> DEFAULT;
            case FHIR_JSON -> new FhirFormat(Encoding.JSON, FHIR_JSON, false);
            case "application/json" -> new FhirFormat(Encoding.JSON, "application/json", false);
            case FHIR_XML -> new FhirFormat(Encoding.XML, FHIR_XML, false);
            case "application/xml", "text/xml" -> new FhirFormat(Encoding.XML, name, false);
            default -> null;
        };
    }
}
