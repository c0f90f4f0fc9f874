package io.hepatrial.fhir.rest;

import java.time.Instant;
import java.util.Date;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.InstantType;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.store.HistoryCursor;
import io.hepatrial.fhir.store.HistoryPage;
import io.hepatrial.fhir.store.HistoryRequest;
import io.hepatrial.fhir.store.ResourceStore;
import io.hepatrial.fhir.store.StoredVersion;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.core.UriBuilder;

/**
 * History bundles (http.html#history): versions newest first, deletions as entries without a
 * resource, paged with a cursor in the {@code next} link so that no server-side state is kept.
 */
@RequestScoped
public class HistoryBundles {

    /** The query parameter that carries the paging cursor. */
    static final String CURSOR = "_cursor";

    private final ResourceStore store;
    private final ResourceCodec codec;
    private final FhirRequest request;
    private final int defaultCount;
    private final int maxCount;

    public HistoryBundles(ResourceStore store, ResourceCodec codec, FhirRequest request,
            @ConfigProperty(name = "hepatrial.history.default-count") int defaultCount,
            @ConfigProperty(name = "hepatrial.history.max-count") int maxCount) {
        this.store = store;
        this.codec = codec;
        this.request = request;
        this.defaultCount = defaultCount;
        this.maxCount = maxCount;
    }

    /** One page of the history of the system (type and id null), a type, or one instance. */
    public Bundle page(String type, String id) {
        if (request.query("_at") != null || request.query("_list") != null) {
            throw FhirException.badRequest("_at and _list are not supported on _history; use _since and _count");
        }
        int count = count();
        Instant since = since();
        HistoryCursor after = null;
        String cursor = request.query(CURSOR);
        if (cursor != null) {
            after = HistoryCursor.decode(cursor);
            if (after == null) {
                throw FhirException.badRequest(CURSOR + "=" + cursor + " is not a cursor this server issued");
            }
        }
        HistoryPage page = store.history(new HistoryRequest(type, id, since, after, count));

        Bundle bundle = new Bundle();
        bundle.setId(UUID.randomUUID().toString());
        bundle.getMeta().setLastUpdated(new Date());
        bundle.setType(Bundle.BundleType.HISTORY);
        bundle.setTotal((int) Math.min(Integer.MAX_VALUE, page.total()));
        bundle.addLink().setRelation("self").setUrl(request.requestUri().toString());
        if (page.next() != null) {
            UriBuilder next = request.uriInfo().getRequestUriBuilder().replaceQueryParam(CURSOR, page.next().encode());
            bundle.addLink().setRelation("next").setUrl(next.build().toString());
        }
        String base = request.baseUrl();
        for (StoredVersion version : page.versions()) {
            bundle.addEntry(entry(base, version));
        }
        return bundle;
    }

    private BundleEntryComponent entry(String base, StoredVersion version) {
        BundleEntryComponent entry = new BundleEntryComponent();
        String relative = version.type() + "/" + version.id();
        entry.setFullUrl(base + "/" + relative);
        HTTPVerb method = HTTPVerb.fromCode(version.method());
        entry.getRequest().setMethod(method).setUrl(method == HTTPVerb.POST ? version.type() : relative);
        entry.getResponse()
                .setStatus(switch (method) {
                    case POST -> "201 Created";
                    case PUT -> version.version() == 1 ? "201 Created" : "200 OK"; // update as create made version 1
                    case DELETE -> "204 No Content";
                    default -> "200 OK";
                })
                .setEtag(version.etag())
                .setLastModifiedElement(new InstantType(Date.from(version.lastUpdated())));
        if (!version.isDeleted()) {
            entry.setResource(codec.parseStored(version.body()));
        }
        return entry;
    }

    private int count() {
        String value = request.query("_count");
        if (value == null) {
            return defaultCount;
        }
        try {
            int count = Integer.parseInt(value.trim());
            if (count < 1) {
                throw FhirException.badRequest("_count must be at least 1, not " + value);
            }
            return Math.min(count, maxCount);
        } catch (NumberFormatException e) {
            throw FhirException.badRequest("_count must be a whole number, not " + value);
        }
    }

    private Instant since() {
        String value = request.query("_since");
        if (value == null) {
            return null;
        }
        try {
            InstantType instant = new InstantType(value.trim());
            return instant.getValue().toInstant();
        } catch (RuntimeException e) {
            throw FhirException.badRequest("_since must be a FHIR instant such as 2024-01-31T10:00:00Z, not " + value);
        }
    }
}
