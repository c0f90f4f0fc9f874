package io.hepatrial.fhir.rest;

import java.net.URI;
import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

import io.hepatrial.fhir.FhirException;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.UriInfo;

/**
 * What every interaction needs to know about the HTTP request it serves: the negotiated response
 * format, the server's base URL, the client's preferences and its conditional headers.
 */
@RequestScoped
public class FhirRequest {

    private final HttpHeaders headers;
    private final UriInfo uriInfo;
    private final Optional<String> configuredBaseUrl;
    private FhirFormat format;

    public FhirRequest(HttpHeaders headers, UriInfo uriInfo,
            @ConfigProperty(name = "hepatrial.base-url") Optional<String> configuredBaseUrl) {
        this.headers = headers;
        this.uriInfo = uriInfo;
        this.configuredBaseUrl = configuredBaseUrl;
    }

    /** The response format; throws the 406 when the client accepts nothing we produce. */
    public FhirFormat format() {
        if (format == null) {
            format = FhirFormat.negotiate(query("_format"), query("_pretty"), headers.getAcceptableMediaTypes());
        }
        return format;
    }

    /** The response format, or the default when negotiation fails (for error answers). */
    public FhirFormat formatOrDefault() {
        try {
            return format();
        } catch (FhirException e) {
            return FhirFormat.DEFAULT.withPretty("true".equalsIgnoreCase(query("_pretty")));
        }
    }

    /** The format of the request body, from its Content-Type (415 when unsupported). */
    public FhirFormat bodyFormat() {
        return FhirFormat.ofRequestBody(headers.getMediaType());
    }

    public jakarta.ws.rs.core.MediaType contentType() {
        return headers.getMediaType();
    }

    /** The FHIR base URL, e.g. {@code http://host:8080/fhir}, without a trailing slash. */
    public String baseUrl() {
        String base = configuredBaseUrl.filter(s -> !s.isBlank())
                .orElseGet(() -> uriInfo.getBaseUri().resolve("fhir").toString());
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    public URI requestUri() {
        return uriInfo.getRequestUri();
    }

    public UriInfo uriInfo() {
        return uriInfo;
    }

    /** The query parameters and those of a form-encoded body together, in the order they came (POST _search, operations). */
    public jakarta.ws.rs.core.MultivaluedMap<String, String> queryAndForm(jakarta.ws.rs.core.MultivaluedMap<String, String> form) {
        jakarta.ws.rs.core.MultivaluedMap<String, String> all =
                new jakarta.ws.rs.core.AbstractMultivaluedMap<String, String>(new java.util.LinkedHashMap<>()) { };
        uriInfo.getQueryParameters().forEach(all::addAll);
        form.forEach(all::addAll);
        return all;
    }

    public String query(String name) {
        return uriInfo.getQueryParameters().getFirst(name);
    }

    public Preferences preferences() {
        return Preferences.of(headers.getRequestHeader("Prefer"));
    }

    public String header(String name) {
        return headers.getHeaderString(name);
    }

    /** The version an If-Match header names (W/"3" or "3"), or null without one. */
    public Long ifMatchVersion() {
        String value = header("If-Match");
        if (value == null || value.isBlank()) {
            return null;
        }
        Long version = versionOfEtag(value);
        if (version == null) {
            throw new FhirException(400, IssueType.INVALID, "If-Match must be a version ETag such as W/\"3\", not " + value);
        }
        return version;
    }

    /** The version number in an ETag such as W/"3" or "3", or null when it is not one. */
    public static Long versionOfEtag(String etag) {
        String v = etag.trim();
        if (v.startsWith("W/")) {
            v = v.substring(2);
        }
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            v = v.substring(1, v.length() - 1);
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
