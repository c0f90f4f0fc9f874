package io.hepatrial.fhir.rest;

import io.hepatrial.fhir.AccessPolicy;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.SearchEntryMode;

import io.hepatrial.fhir.search.SearchCursor;
import io.hepatrial.fhir.search.SearchEngine;
import io.hepatrial.fhir.search.SearchRequest;
import io.hepatrial.fhir.search.SearchRequestParser;
import io.hepatrial.fhir.search.SearchResult;
import io.hepatrial.fhir.store.StoredVersion;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.core.Response;

/**
 * Search over HTTP (search.html): parses the parameters, runs the search, and answers with a
 * {@code searchset} Bundle whose self, next and previous links carry the understood parameters
 * and the paging position.
 */
@RequestScoped
public class SearchBundles {

    private final SearchRequestParser parser;
    private final SearchEngine engine;
    private final ResourceCodec codec;
    private final FhirRequest request;
    private final AccessPolicy access;

    public SearchBundles(SearchRequestParser parser, SearchEngine engine, ResourceCodec codec, FhirRequest request, AccessPolicy access) {
        this.access = access;
        this.parser = parser;
        this.engine = engine;
        this.codec = codec;
        this.request = request;
    }

    public Response search(String type, Map<String, List<String>> parameters) {
        FhirFormat format = request.format();
        SearchRequest search = parser.parse(type, parameters, request.preferences().strictHandling());
        boolean whole = search.summary() == SearchRequest.Summary.NONE && (search.elements() == null || search.elements().isEmpty());
        if (whole && format.encoding() == FhirFormat.Encoding.JSON && !format.pretty()) {
            // The common case: the stored JSON of each resource goes into the Bundle as it is.
            SearchResult result = run(search);
            return Response.ok(rawJsonSearchset(search, result), format.contentType()).build();
        }
        Bundle bundle = searchset(search);
        return Response.ok(codec.encodeSearchset(bundle, format, search.summary(), search.elements()), format.contentType()).build();
    }

    /** The searchset as compact JSON with each entry's stored resource JSON copied in, not parsed and re-encoded. */
    private byte[] rawJsonSearchset(SearchRequest search, SearchResult result) {
        String base = request.baseUrl();
        String type = search.type();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(1024 + 1024 * result.matches().size());
        try (com.fasterxml.jackson.core.JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("resourceType", "Bundle");
            json.writeStringField("id", UUID.randomUUID().toString());
            json.writeObjectFieldStart("meta");
            json.writeStringField("lastUpdated", new org.hl7.fhir.r4.model.InstantType(new Date()).getValueAsString());
            json.writeEndObject();
            json.writeStringField("type", "searchset");
            if (result.total() != null) {
                json.writeNumberField("total", result.total());
            }
            json.writeArrayFieldStart("link");
            writeLink(json, "self", base + "/" + type + query(search.understoodParameters(), search.cursor()));
            if (result.next() != null) {
                writeLink(json, "next", base + "/" + type + query(search.understoodParameters(), result.next()));
            }
            if (result.previous() != null) {
                writeLink(json, "previous", base + "/" + type + query(search.understoodParameters(), result.previous()));
            }
            json.writeEndArray();
            if (!result.matches().isEmpty() || !result.included().isEmpty()) {
                json.writeArrayFieldStart("entry");
                for (StoredVersion match : result.matches()) {
                    writeEntry(json, base, match, "match");
                }
                for (StoredVersion include : result.included()) {
                    writeEntry(json, base, include, "include");
                }
                json.writeEndArray();
            }
            json.writeEndObject();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();

    private static void writeLink(com.fasterxml.jackson.core.JsonGenerator json, String relation, String url) throws java.io.IOException {
        json.writeStartObject();
        json.writeStringField("relation", relation);
        json.writeStringField("url", url);
        json.writeEndObject();
    }

    private static void writeEntry(com.fasterxml.jackson.core.JsonGenerator json, String base, StoredVersion version, String mode)
            throws java.io.IOException {
        json.writeStartObject();
        json.writeStringField("fullUrl", base + "/" + version.type() + "/" + version.id());
        json.writeFieldName("resource");
        json.writeRawValue(new String(version.body(), java.nio.charset.StandardCharsets.UTF_8));
        json.writeObjectFieldStart("search");
        json.writeStringField("mode", mode);
        json.writeEndObject();
        json.writeEndObject();
    }

    /**
     * Runs a search within what the caller may see: the caller's confinement of the type is AND-ed
     * to its criteria (so totals and paging count only what it may see), and included resources it
     * may not see are left out.
     */
    private SearchResult run(SearchRequest search) {
        AccessPolicy.Confinement confinement = access.confinement(search.type());
        if (confinement.nothing()) {
            return new SearchResult(List.of(), List.of(), search.total() == SearchRequest.Total.NONE ? null : 0L, null, null);
        }
        SearchResult result = engine.search(confined(search, confinement), request.baseUrl());
        return new SearchResult(result.matches(), visibleOnly(result.included()), result.total(), result.next(), result.previous());
    }

    private SearchRequest confined(SearchRequest search, AccessPolicy.Confinement confinement) {
        if (confinement.parameters().isEmpty()) {
            return search;
        }
        List<io.hepatrial.fhir.search.Criterion> criteria = new java.util.ArrayList<>(search.criteria());
        criteria.addAll(parser.parse(search.type(), confinement.parameters(), true).criteria());
        return new SearchRequest(search.type(), criteria, search.sort(), search.count(), search.total(), search.summary(),
                search.elements(), search.includes(), search.revIncludes(), search.cursor(), search.understoodParameters());
    }

    /** Whether the caller may see {@code type/id} (it need not exist): a read of what it may not see is a 404. */
    public boolean visible(String type, String id) {
        AccessPolicy.Confinement confinement = access.confinement(type);
        if (!confinement.confines()) {
            return true;
        }
        if (confinement.nothing()) {
            return false;
        }
        SearchRequest byId = parser.parse(type, Map.of("_id", List.of(id), "_summary", List.of("count")), false);
        return engine.search(confined(byId, confinement), request.baseUrl()).total() > 0;
    }

    private List<StoredVersion> visibleOnly(List<StoredVersion> included) {
        if (included.isEmpty()) {
            return included;
        }
        Map<String, java.util.Set<String>> visibleIds = new java.util.HashMap<>();
        Map<String, List<String>> idsByType = new java.util.LinkedHashMap<>();
        for (StoredVersion version : included) {
            idsByType.computeIfAbsent(version.type(), t -> new java.util.ArrayList<>()).add(version.id());
        }
        for (Map.Entry<String, List<String>> entry : idsByType.entrySet()) {
            AccessPolicy.Confinement confinement = access.confinement(entry.getKey());
            if (!access.permits("read", entry.getKey())) {
                continue; // _include/_revinclude of a type the caller may not read: left out (e.g. AuditEvent)
            }
            if (!confinement.confines()) {
                visibleIds.put(entry.getKey(), null); // all of them
            } else if (!confinement.nothing()) {
                SearchRequest byIds = parser.parse(entry.getKey(), Map.of("_id", List.of(String.join(",", entry.getValue())),
                        "_count", List.of(String.valueOf(entry.getValue().size())), "_total", List.of("none")), false);
                java.util.Set<String> seen = new java.util.HashSet<>();
                engine.search(confined(byIds, confinement), request.baseUrl()).matches().forEach(v -> seen.add(v.id()));
                visibleIds.put(entry.getKey(), seen);
            }
        }
        return included.stream().filter(v -> visibleIds.containsKey(v.type())
                && (visibleIds.get(v.type()) == null || visibleIds.get(v.type()).contains(v.id()))).toList();
    }

    /** Parses search parameters as this request asks (strict or lenient about unknown ones). */
    public SearchRequest parse(String type, Map<String, List<String>> parameters) {
        return parser.parse(type, parameters, request.preferences().strictHandling());
    }

    /** Runs a parsed search and builds its searchset Bundle (also for GET entries of a transaction). */
    public Bundle searchset(SearchRequest search) {
        String type = search.type();
        String base = request.baseUrl();
        SearchResult result = run(search);

        Bundle bundle = new Bundle();
        bundle.setId(UUID.randomUUID().toString());
        bundle.getMeta().setLastUpdated(new Date());
        bundle.setType(Bundle.BundleType.SEARCHSET);
        if (result.total() != null) {
            bundle.setTotal((int) Math.min(Integer.MAX_VALUE, result.total()));
        }
        String self = base + "/" + type + query(search.understoodParameters(), search.cursor());
        bundle.addLink().setRelation("self").setUrl(self);
        if (result.next() != null) {
            bundle.addLink().setRelation("next").setUrl(base + "/" + type + query(search.understoodParameters(), result.next()));
        }
        if (result.previous() != null) {
            bundle.addLink().setRelation("previous")
                    .setUrl(base + "/" + type + query(search.understoodParameters(), result.previous()));
        }
        for (StoredVersion match : result.matches()) {
            bundle.addEntry(entry(base, match, SearchEntryMode.MATCH));
        }
        for (StoredVersion include : result.included()) {
            bundle.addEntry(entry(base, include, SearchEntryMode.INCLUDE));
        }
        return bundle;
    }

    private BundleEntryComponent entry(String base, StoredVersion version, SearchEntryMode mode) {
        BundleEntryComponent entry = new BundleEntryComponent();
        entry.setFullUrl(base + "/" + version.type() + "/" + version.id());
        entry.setResource(codec.parseStored(version.body()));
        entry.getSearch().setMode(mode);
        return entry;
    }

    private static String query(Map<String, List<String>> parameters, SearchCursor cursor) {
        StringBuilder query = new StringBuilder();
        for (Map.Entry<String, List<String>> parameter : parameters.entrySet()) {
            for (String value : parameter.getValue()) {
                query.append(query.length() == 0 ? '?' : '&').append(encode(parameter.getKey())).append('=').append(encode(value));
            }
        }
        if (cursor != null) {
            query.append(query.length() == 0 ? '?' : '&').append("_cursor=").append(cursor.encode());
        }
        return query.toString();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20").replace("%3A", ":").replace("%2C", ",")
                .replace("%2F", "/");
    }
}
