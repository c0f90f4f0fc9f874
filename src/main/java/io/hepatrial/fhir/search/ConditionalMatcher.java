package io.hepatrial.fhir.search;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.store.StoredVersion;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Finds the resources a conditional URL ({@code Patient?identifier=sys|val}) names, for
 * conditional create, update, delete and references. Unknown parameters are errors here, never
 * ignored: a condition that silently matched everything would overwrite the wrong resource.
 */
@ApplicationScoped
public class ConditionalMatcher {

    /** A parsed conditional URL: the type, its parameters, and a canonical form of the criteria. */
    public record Condition(String type, Map<String, List<String>> parameters, String canonicalCriteria) {
    }

    private final SearchRequestParser parser;
    private final SearchEngine engine;
    private final SupportedResourceTypes types;

    public ConditionalMatcher(SearchRequestParser parser, SearchEngine engine, SupportedResourceTypes types) {
        this.parser = parser;
        this.engine = engine;
        this.types = types;
    }

    /** Parses {@code Type?query} (or, with {@code type} given, just the query). */
    public Condition parse(String type, String url) {
        String query = url;
        String resourceType = type;
        int question = url.indexOf('?');
        if (question >= 0) {
            resourceType = url.substring(0, question);
            query = url.substring(question + 1);
        }
        if (resourceType == null || resourceType.isEmpty()) {
            throw FhirException.badRequest("The conditional URL " + url + " names no resource type");
        }
        types.require(resourceType);
        Map<String, List<String>> parameters = parameters(query, "The conditional URL " + url);
        if (parameters.isEmpty()) {
            throw FhirException.badRequest("The conditional URL " + url + " has no search parameters");
        }
        return new Condition(resourceType, parameters, canonical(parameters));
    }

    /**
     * The parameters of a URL's query string (after the '?'), decoded, in order.
     *
     * @param what the URL as an error names it ("The conditional URL …")
     */
    public static Map<String, List<String>> parameters(String query, String what) {
        Map<String, List<String>> parameters = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw FhirException.badRequest(what + " has a malformed parameter: " + pair);
            }
            parameters.computeIfAbsent(decode(pair.substring(0, eq)), k -> new ArrayList<>()).add(decode(pair.substring(eq + 1)));
        }
        return parameters;
    }

    /** Up to {@code limit} current resources that match the condition. */
    public List<StoredVersion> matches(Condition condition, String baseUrl, int limit) {
        Map<String, List<String>> parameters = new LinkedHashMap<>(condition.parameters());
        parameters.put("_count", List.of(Integer.toString(limit)));
        parameters.put("_total", List.of("none"));
        SearchRequest request = parser.parse(condition.type(), parameters, true);
        return engine.search(request, baseUrl).matches();
    }

    private static String canonical(Map<String, List<String>> parameters) {
        StringBuilder text = new StringBuilder();
        new TreeMap<>(parameters).forEach((name, values) -> values.stream().sorted()
                .forEach(v -> text.append(text.length() == 0 ? "" : "&").append(name).append('=').append(v)));
        return text.toString();
    }

    private static String decode(String text) {
        try {
            // '+' is kept: in FHIR queries it is more often a time-zone sign than an encoded space
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw FhirException.badRequest("Malformed percent-encoding in conditional URL: " + text);
        }
    }
}
