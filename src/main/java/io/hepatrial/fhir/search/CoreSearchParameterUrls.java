package io.hepatrial.fhir.search;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The canonical URL R4 gives each of its search parameters (search-parameters.json of the spec, as
 * HAPI's validation resources ship it). HAPI's runtime definitions name them per type
 * ({@code Patient-family}, {@code Patient-_lastUpdated}), but R4 shares many between types
 * ({@code individual-family}, {@code clinical-code}, {@code Resource-lastUpdated}), and a
 * CapabilityStatement's {@code searchParam.definition} must be the spec's URL.
 */
public final class CoreSearchParameterUrls {

    private static final String BUNDLE = "/org/hl7/fhir/r4/model/sp/search-parameters.json";

    /** "base|code" → url, read once, on the first question. */
    private static final class Holder {
        static final Map<String, String> URLS = load();
    }

    private CoreSearchParameterUrls() {
    }

    /** The R4 URL of the parameter {@code code} of {@code type} (or of every resource: _id, _lastUpdated, …), if R4 defines it. */
    public static Optional<String> of(String type, String code) {
        Map<String, String> urls = Holder.URLS;
        String url = urls.get(type + "|" + code);
        if (url == null) {
            url = urls.getOrDefault("DomainResource|" + code, urls.get("Resource|" + code));
        }
        return Optional.ofNullable(url);
    }

    private static Map<String, String> load() {
        Map<String, String> urls = new HashMap<>();
        try (InputStream in = CoreSearchParameterUrls.class.getResourceAsStream(BUNDLE)) {
            if (in == null) {
                return urls;
            }
            for (JsonNode entry : new ObjectMapper().readTree(in).path("entry")) {
                JsonNode parameter = entry.path("resource");
                for (JsonNode base : parameter.path("base")) {
                    urls.put(base.asText() + "|" + parameter.path("code").asText(), parameter.path("url").asText());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return urls;
    }
}
