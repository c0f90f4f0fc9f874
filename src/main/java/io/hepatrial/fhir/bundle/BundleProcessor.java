package io.hepatrial.fhir.bundle;

import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.Bundle.BundleEntryResponseComponent;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.AccessPolicy;
import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.UpdateRules;
import io.hepatrial.fhir.rest.FhirRequest;
import io.hepatrial.fhir.rest.FhirResponses;
import io.hepatrial.fhir.rest.OwnBaseReferences;
import io.hepatrial.fhir.rest.ResourceCodec;
import io.hepatrial.fhir.rest.ResourcePatcher;
import io.hepatrial.fhir.rest.SearchBundles;
import io.hepatrial.fhir.rest.Subsetting;
import io.hepatrial.fhir.search.ConditionalMatcher;
import io.hepatrial.fhir.store.ResourceStore;
import io.hepatrial.fhir.store.StoreTransactions;
import io.hepatrial.fhir.store.StoredVersion;
import io.hepatrial.fhir.store.WriteOutcome;
import jakarta.enterprise.context.RequestScoped;

/**
 * Transaction and batch Bundles (http.html#transaction, bundle.html). A transaction is one
 * database transaction: entries are processed in the spec's order (DELETE, POST, PUT/PATCH, GET),
 * {@code urn:uuid:}/{@code urn:oid:} fullUrls and conditional references are resolved and every
 * reference is rewritten, and any failing entry rolls all of it back. A batch runs each entry as
 * a transaction of its own.
 */
@RequestScoped
public class BundleProcessor {

    private final ResourceStore store;
    private final ConditionalMatcher matcher;
    private final SupportedResourceTypes types;
    private final FhirContext fhirContext;
    private final ResourceCodec codec;
    private final SearchBundles searchBundles;
    private final AccessPolicy access;
    private final ResourcePatcher patcher;
    private final OwnBaseReferences ownBase;
    private final int maxEntries;

    public BundleProcessor(ResourceStore store, ConditionalMatcher matcher, SupportedResourceTypes types, FhirContext fhirContext,
            ResourceCodec codec, SearchBundles searchBundles, ResourcePatcher patcher, AccessPolicy access, OwnBaseReferences ownBase,
            @ConfigProperty(name = "hepatrial.bundle.max-entries") int maxEntries) {
        this.access = access;
        this.ownBase = ownBase;
        this.patcher = patcher;
        this.store = store;
        this.matcher = matcher;
        this.types = types;
        this.fhirContext = fhirContext;
        this.codec = codec;
        this.searchBundles = searchBundles;
        this.maxEntries = maxEntries;
    }

    /**
     * Processes a transaction or batch Bundle and returns its response Bundle.
     *
     * @param representation whether response entries carry the resulting resources (Prefer: return)
     */
    public Bundle process(java.util.function.Supplier<Bundle> received, String baseUrl, boolean representation) {
        Bundle bundle = received.get();
        if (bundle.getEntry().size() > maxEntries) {
            throw new FhirException(413, IssueType.TOOCOSTLY, "The Bundle has " + bundle.getEntry().size()
                    + " entries; this server takes at most " + maxEntries + " (hepatrial.bundle.max-entries)");
        }
        requireUniqueFullUrls(bundle);
        Bundle.BundleType type = bundle.getType();
        if (type == Bundle.BundleType.TRANSACTION) {
            // A retry (after losing a race on a unique key) starts again from the Bundle as received:
            // an attempt rewrites references in place.
            boolean[] first = {true};
            List<Planned> entries = StoreTransactions.retryingOnConflict(() -> {
                List<Planned> attempt = parseAll(first[0] ? bundle : received.get(), baseUrl);
                first[0] = false;
                if (!representation) {
                    attempt.forEach(Planned::answerWithoutResource);
                }
                run(attempt, baseUrl);
                return attempt;
            });
            return response(Bundle.BundleType.TRANSACTIONRESPONSE, entries, representation, baseUrl);
        }
        if (type == Bundle.BundleType.BATCH) {
            List<Planned> entries = new ArrayList<>();
            for (int i = 0; i < bundle.getEntry().size(); i++) {
                BundleEntryComponent original = bundle.getEntry().get(i);
                int index = i;
                Planned entry;
                try {
                    entry = StoreTransactions.retryingOnConflict(() -> {
                        Planned attempt = parse(index, original.copy(), baseUrl);
                        if (!representation) {
                            attempt.answerWithoutResource();
                        }
                        run(List.of(attempt), baseUrl);
                        return attempt;
                    });
                } catch (FhirException e) {
                    entry = Planned.failed(i, original, e);
                }
                entries.add(entry);
                original.setResource(null); // done with: only its copy was written
            }
            return response(Bundle.BundleType.BATCHRESPONSE, entries, representation, baseUrl);
        }
        throw FhirException.badRequest("POST to the base URL takes a Bundle of type transaction or batch, not "
                + (type == null ? "(none)" : type.toCode()));
    }

    /** Invariant bdl-7: a fullUrl is unique in a Bundle, unless its entries are different versions (meta.versionId) of one resource. */
    private static void requireUniqueFullUrls(Bundle bundle) {
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < bundle.getEntry().size(); i++) {
            BundleEntryComponent entry = bundle.getEntry().get(i);
            String fullUrl = entry.getFullUrl();
            if (fullUrl == null || fullUrl.isBlank()) {
                continue;
            }
            Resource resource = entry.getResource();
            String version = resource != null && resource.hasMeta() ? resource.getMeta().getVersionId() : null;
            Integer earlier = seen.putIfAbsent(fullUrl + "|" + version, i);
            if (earlier != null) {
                throw FhirException.badRequest("Bundle entries " + earlier + " and " + i + " have the same fullUrl " + fullUrl
                        + " (bdl-7: a fullUrl must be unique in a Bundle)");
            }
        }
    }

    /** What one interaction did when run as a single-entry transaction (conditional create, update, delete). */
    public record EntryResult(int status, StoredVersion version, List<OperationOutcome.OperationOutcomeIssueComponent> warnings) {

        public WriteOutcome writeOutcome() {
            return new WriteOutcome(version, status == 201, warnings);
        }
    }

    /**
     * Runs one interaction with the transaction machinery: the plain endpoints' conditional
     * create (If-None-Exist), conditional update and conditional delete.
     */
    public EntryResult single(HTTPVerb method, String url, Resource resource, String ifNoneExist, Long ifMatch, String baseUrl) {
        BundleEntryComponent entry = new BundleEntryComponent();
        entry.getRequest().setMethod(method).setUrl(url).setIfNoneExist(ifNoneExist)
                .setIfMatch(ifMatch == null ? null : "W/\"" + ifMatch + "\"");
        entry.setResource(resource);
        Planned done = StoreTransactions.retryingOnConflict(() -> {
            Planned attempt = parse(STANDALONE, entry.copy(), baseUrl);
            run(List.of(attempt), baseUrl);
            return attempt;
        });
        return new EntryResult(Integer.parseInt(done.status.substring(0, 3)), done.version, done.warnings);
    }

    private List<Planned> parseAll(Bundle bundle, String baseUrl) {
        List<Planned> entries = new ArrayList<>();
        for (int i = 0; i < bundle.getEntry().size(); i++) {
            entries.add(parse(i, bundle.getEntry().get(i), baseUrl));
        }
        return entries;
    }

    /** Checks one entry's request and resource; a 400 naming the entry when malformed. */
    private Planned parse(int index, BundleEntryComponent entry, String baseUrl) {
        Planned planned = new Planned(index, entry);
        return inEntry(planned, () -> {
            if (!entry.hasRequest() || entry.getRequest().getMethod() == null || entry.getRequest().getMethod() == HTTPVerb.NULL) {
                throw FhirException.badRequest("the entry has no request.method");
            }
            String url = entry.getRequest().getUrl();
            if (url == null || url.isBlank()) {
                throw FhirException.badRequest("the entry has no request.url");
            }
            if (url.startsWith("http://") || url.startsWith("https://")) {
                if (!url.startsWith(baseUrl + "/")) {
                    throw FhirException.badRequest("request.url " + url + " is not on this server");
                }
                url = url.substring(baseUrl.length() + 1);
            }
            url = url.startsWith("/") ? url.substring(1) : url;
            planned.method = entry.getRequest().getMethod();
            planned.url = url;
            int question = url.indexOf('?');
            String path = question < 0 ? url : url.substring(0, question);
            String[] segments = path.split("/");
            planned.type = types.require(segments[0]);
            if (question >= 0 && segments.length == 1) {
                planned.condition = matcher.parse(planned.type, url);
            } else if (question >= 0) {
                // a read's own parameters (Patient/1?_elements=name); other methods refuse such a URL below
                planned.readParameters = ConditionalMatcher.parameters(url.substring(question + 1), "request.url " + url);
            }
            planned.id = segments.length > 1 ? SupportedResourceTypes.requireValidId(segments[1]) : null;
            switch (planned.method) {
                case POST -> {
                    if (segments.length != 1 || question >= 0) {
                        throw FhirException.badRequest("a POST entry's request.url must be a resource type, not " + url);
                    }
                    planned.resource = resource(entry, planned.type);
                    if (entry.getRequest().hasIfNoneExist()) {
                        planned.ifNoneExist = matcher.parse(planned.type, entry.getRequest().getIfNoneExist());
                    }
                }
                case PUT -> {
                    if (!(segments.length == 2 && question < 0) && !(segments.length == 1 && question >= 0)) {
                        throw FhirException.badRequest("a PUT entry's request.url must be [type]/[id] or [type]?[search], not " + url);
                    }
                    planned.resource = resource(entry, planned.type);
                    if (planned.id != null) {
                        UpdateRules.requireBodyId(planned.type, planned.id, planned.resource);
                    }
                }
                case PATCH -> {
                    if (!(segments.length == 2 && question < 0) && !(segments.length == 1 && question >= 0)) {
                        throw FhirException.badRequest("a PATCH entry's request.url must be [type]/[id] or [type]?[search], not " + url);
                    }
                    planned.patch = patchDocument(entry);
                }
                case DELETE -> {
                    if (!(segments.length == 2 && question < 0) && !(segments.length == 1 && question >= 0)) {
                        throw FhirException.badRequest("a DELETE entry's request.url must be [type]/[id] or [type]?[search], not " + url);
                    }
                }
                case GET, HEAD -> {
                    if (segments.length > 4 || segments.length == 3) {
                        throw FhirException.badRequest("a GET entry's request.url must be [type], [type]/[id], [type]/[id]/_history/[vid]"
                                + " or [type]?[search], not " + url);
                    }
                }
                default -> throw new FhirException(400, IssueType.NOTSUPPORTED, planned.method.toCode()
                        + " entries are not supported in Bundles");
            }
            planned.expectedVersion = ifMatch(entry.getRequest().getIfMatch());
            access.authorize(interaction(planned, segments), planned.type);
            return planned;
        });
    }

    /** The CapabilityStatement interaction an entry performs, for the caller's scopes. */
    private static String interaction(Planned planned, String[] segments) {
        switch (planned.method) {
            case POST: return "create";
            case PUT: return "update";
            case PATCH: return "patch";
            case DELETE: return "delete";
            default: return planned.id == null ? "search-type" : segments.length == 4 ? "vread" : "read";
        }
    }

    /** A PATCH entry's patch: a FHIRPath Patch Parameters, or a Binary holding a JSON Patch (bundle.html#patch). */
    private static ResourcePatcher.Patch patchDocument(BundleEntryComponent entry) {
        if (entry.getResource() instanceof Parameters parameters) {
            return ResourcePatcher.Patch.fhirPath(parameters);
        }
        if (entry.getResource() instanceof Binary binary && binary.getContentType() != null
                && binary.getContentType().startsWith("application/json-patch+json")) {
            return ResourcePatcher.Patch.json(new String(binary.getData(), java.nio.charset.StandardCharsets.UTF_8));
        }
        throw FhirException.badRequest("a PATCH entry's resource must be a Parameters (FHIRPath Patch) or a Binary with"
                + " contentType application/json-patch+json");
    }

    private Resource resource(BundleEntryComponent entry, String type) {
        if (entry.getResource() == null) { // not hasResource(): a resource with no elements is still one
            throw FhirException.badRequest("the entry has no resource");
        }
        Resource resource = entry.getResource();
        if (!resource.fhirType().equals(type)) {
            throw FhirException.badRequest("the entry holds a " + resource.fhirType() + " but its request.url takes " + type);
        }
        return resource;
    }

    private static Long ifMatch(String etag) {
        if (etag == null || etag.isBlank()) {
            return null;
        }
        Long version = FhirRequest.versionOfEtag(etag);
        if (version == null) {
            throw FhirException.badRequest("ifMatch must be a version ETag such as W/\"3\", not " + etag);
        }
        return version;
    }

    /** Processes the entries in the order the spec sets, in the caller's (one) transaction. */
    private void run(List<Planned> entries, String baseUrl) {
        Map<String, String> resolved = new HashMap<>();
        for (Planned entry : lockOrder(entries)) {
            if (entry.method == HTTPVerb.DELETE) {
                inEntry(entry, () -> delete(entry, baseUrl));
            }
        }
        for (Planned entry : entries) {
            if (entry.method == HTTPVerb.POST) {
                inEntry(entry, () -> planCreate(entry, baseUrl, resolved));
            } else if (entry.method == HTTPVerb.PUT) {
                inEntry(entry, () -> planUpdate(entry, baseUrl, resolved));
            }
        }
        requireDistinctTargets(entries);
        for (Planned entry : entries) {
            if (entry.resource != null) {
                inEntry(entry, () -> rewriteReferences(entry.resource, resolved, baseUrl));
            }
        }
        for (Planned entry : entries) {
            if (entry.method == HTTPVerb.POST) {
                inEntry(entry, () -> create(entry, baseUrl));
                entry.releaseResource();
            }
        }
        for (Planned entry : lockOrder(entries)) {
            if (entry.method == HTTPVerb.PUT) {
                inEntry(entry, () -> {
                    WriteOutcome outcome = store.update(entry.type, entry.id, entry.resource, entry.expectedVersion);
                    entry.written(outcome.created() ? "201 Created" : "200 OK", outcome);
                    return null;
                });
                entry.releaseResource();
            } else if (entry.method == HTTPVerb.PATCH) {
                inEntry(entry, () -> patch(entry, baseUrl));
            }
        }
        for (Planned entry : entries) {
            if (entry.method == HTTPVerb.GET || entry.method == HTTPVerb.HEAD) {
                inEntry(entry, () -> read(entry));
            }
        }
    }

    /**
     * http.html#trules: if the resources that DELETE, POST, PUT and PATCH entries act on overlap,
     * the transaction fails (400). Checked for the entries whose target is known once planned
     * (all but conditional deletes and patches).
     */
    private static void requireDistinctTargets(List<Planned> entries) {
        Map<String, Planned> seen = new HashMap<>();
        for (Planned entry : entries) {
            boolean writes = entry.method == HTTPVerb.DELETE || entry.method == HTTPVerb.POST || entry.method == HTTPVerb.PUT
                    || entry.method == HTTPVerb.PATCH;
            if (!writes || entry.id == null) {
                continue;
            }
            Planned earlier = seen.putIfAbsent(entry.type + "/" + entry.id, entry);
            if (earlier != null) {
                throw FhirException.badRequest(entry.describe() + " and " + earlier.describe() + " both act on " + entry.type + "/"
                        + entry.id + "; a transaction may act on a resource only once");
            }
            if (entry.method == HTTPVerb.POST && entry.ifNoneExist != null) {
                // matching nothing yet, both would create "the" resource the criteria name
                String criteria = entry.type + "?" + entry.ifNoneExist.canonicalCriteria();
                Planned same = seen.putIfAbsent("ifNoneExist " + criteria, entry);
                if (same != null) {
                    throw FhirException.badRequest(entry.describe() + " and " + same.describe() + " are both conditional creates of "
                            + criteria + "; a transaction may create that resource only once");
                }
            }
        }
    }

    /**
     * The entries in the order of the rows they lock (type, then id or URL): two transactions that
     * change the same resources then lock them in the same order and cannot deadlock. The response
     * keeps the request's order.
     */
    private static List<Planned> lockOrder(List<Planned> entries) {
        List<Planned> ordered = new ArrayList<>(entries);
        ordered.sort(java.util.Comparator.comparing((Planned p) -> p.type == null ? "" : p.type)
                .thenComparing(p -> p.id != null ? p.id : p.url == null ? "" : p.url));
        return ordered;
    }

    private Object delete(Planned entry, String baseUrl) {
        String id = entry.id;
        if (entry.condition != null) {
            List<StoredVersion> matches = matcher.matches(entry.condition, baseUrl, 2);
            if (matches.size() > 1) {
                throw FhirException.preconditionFailed("the conditional delete " + entry.url + " matches more than one resource");
            }
            id = matches.isEmpty() ? null : matches.get(0).id();
        }
        Optional<StoredVersion> deletion = id == null ? Optional.empty() : store.delete(entry.type, id, entry.expectedVersion);
        entry.done("204 No Content", deletion.orElse(null));
        return null;
    }

    private Object patch(Planned entry, String baseUrl) {
        String id = entry.id;
        if (entry.condition != null) {
            List<StoredVersion> matches = matcher.matches(entry.condition, baseUrl, 2);
            if (matches.size() != 1) {
                throw FhirException.preconditionFailed("the conditional patch " + entry.url + " matches "
                        + (matches.isEmpty() ? "no resource" : "more than one resource"));
            }
            id = matches.get(0).id();
        }
        WriteOutcome outcome = patcher.patch(entry.type, id, entry.expectedVersion, entry.patch);
        entry.written("200 OK", outcome);
        return null;
    }

    private Object planCreate(Planned entry, String baseUrl, Map<String, String> resolved) {
        if (entry.ifNoneExist != null) {
            List<StoredVersion> matches = matcher.matches(entry.ifNoneExist, baseUrl, 2);
            if (matches.size() > 1) {
                throw FhirException.preconditionFailed("ifNoneExist " + entry.ifNoneExist.canonicalCriteria()
                        + " matches more than one " + entry.type);
            }
            if (matches.size() == 1) {
                entry.existing = matches.get(0);
            }
        }
        entry.id = entry.existing != null ? entry.existing.id() : ResourceStore.newId();
        remember(entry, resolved);
        return null;
    }

    private Object planUpdate(Planned entry, String baseUrl, Map<String, String> resolved) {
        if (entry.condition != null) {
            List<StoredVersion> matches = matcher.matches(entry.condition, baseUrl, 2);
            if (matches.size() > 1) {
                throw FhirException.preconditionFailed("the conditional update " + entry.url + " matches more than one resource");
            }
            String bodyId = entry.resource.hasIdElement() ? entry.resource.getIdElement().getIdPart() : null;
            if (matches.size() == 1) {
                entry.id = matches.get(0).id();
                if (bodyId != null && !bodyId.equals(entry.id)) {
                    throw FhirException.badRequest("the body's id " + bodyId + " differs from the matching resource " + entry.type
                            + "/" + entry.id);
                }
            } else if (bodyId != null) {
                entry.id = SupportedResourceTypes.requireValidId(bodyId);
                if (store.read(entry.type, entry.id).filter(v -> !v.isDeleted()).isPresent()) {
                    // R4B/R5 http.html#cond-update make explicit what R4's "update as create" implies: an
                    // existing resource that does not match the criteria is not overwritten
                    throw new FhirException(409, IssueType.CONFLICT, "the conditional update " + entry.url + " matches nothing, and "
                            + entry.type + "/" + entry.id + " (the body's id) exists but does not match it; nothing was stored");
                }
            } else {
                entry.id = ResourceStore.newId();
            }
            entry.resource.setId(entry.id);
        }
        remember(entry, resolved);
        return null;
    }

    private static void remember(Planned entry, Map<String, String> resolved) {
        String fullUrl = entry.entry.getFullUrl();
        if (fullUrl != null && !fullUrl.isBlank()) {
            resolved.put(fullUrl, entry.type + "/" + entry.id);
        }
    }

    private Object create(Planned entry, String baseUrl) {
        if (entry.existing != null) {
            entry.done("200 OK", entry.existing);
            entry.existing = null;
            return null;
        }
        entry.resource.setIdElement(null);
        WriteOutcome outcome = store.create(entry.resource, entry.id);
        if (entry.ifNoneExist != null) {
            String criteria = entry.ifNoneExist.canonicalCriteria();
            if (!store.claimConditionalCreateIfFree(entry.type, criteria, entry.id)) {
                String holder = store.conditionalCreateClaimHolder(entry.type, criteria);
                if (holder != null && matcher.matches(entry.ifNoneExist, baseUrl, 3).stream().noneMatch(v -> v.id().equals(holder))) {
                    // The resource an earlier create with these criteria made does not match them (it never
                    // did): nothing does, so this create goes ahead (http.html#ccreate) and takes the claim over.
                    store.releaseConditionalCreateClaim(entry.type, criteria);
                }
                // a holder that matches committed after this create's search: the unique key fails this
                // claim, and the retry finds the holder (200)
                store.claimConditionalCreate(entry.type, criteria, entry.id);
            }
        }
        entry.written("201 Created", outcome);
        return null;
    }

    private Object read(Planned entry) {
        if (entry.condition != null || entry.id == null) {
            Map<String, List<String>> parameters = entry.condition == null ? Map.of() : entry.condition.parameters();
            Bundle searchset = searchBundles.searchset(searchBundles.parse(entry.type, parameters));
            entry.done("200 OK", null);
            entry.result = searchset;
            return null;
        }
        String[] segments = entry.url.split("\\?", 2)[0].split("/");
        if (!searchBundles.visible(entry.type, entry.id)) {
            throw FhirException.notFound(entry.url + " is not known to this server");
        }
        Optional<StoredVersion> version = segments.length == 4
                ? parseVersion(segments[3]).flatMap(v -> store.vread(entry.type, entry.id, v))
                : store.read(entry.type, entry.id);
        StoredVersion found = version.orElseThrow(() -> FhirException.notFound(entry.url + " is not known to this server"));
        if (found.isDeleted()) {
            throw new FhirException(410, IssueType.DELETED, entry.url + " was deleted");
        }
        Bundle.BundleEntryRequestComponent request = entry.entry.getRequest();
        if (FhirResponses.notModified(found, request.getIfNoneMatch(),
                request.hasIfModifiedSince() ? request.getIfModifiedSince().toInstant() : null)) {
            entry.done("304 Not Modified", found); // bundle.html: the client's copy is current, no resource
            return null;
        }
        entry.done("200 OK", found);
        entry.result = codec.parseStored(found.body(), Subsetting.of(first(entry.readParameters, "_summary"),
                first(entry.readParameters, "_elements")));
        return null;
    }

    private static String first(Map<String, List<String>> parameters, String name) {
        List<String> values = parameters.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static Optional<Long> parseVersion(String text) {
        try {
            return Optional.of(Long.parseLong(text));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Points every reference of the resource (including those in extensions and contained resources)
     * at what it names: a fullUrl of this Bundle, or the one resource a conditional reference matches.
     */
    private Object rewriteReferences(Resource resource, Map<String, String> resolved, String baseUrl) {
        for (Reference reference : fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, Reference.class)) {
            String value = reference.getReference();
            if (value == null) {
                continue;
            }
            String target = resolved.get(value);
            if (target != null) {
                reference.setReference(target);
            } else if (value.startsWith("urn:uuid:") || value.startsWith("urn:oid:")) {
                throw FhirException.badRequest("the reference " + value + " names no entry of this Bundle");
            } else if (isConditional(value)) {
                ConditionalMatcher.Condition condition = matcher.parse(null, value);
                List<StoredVersion> matches = matcher.matches(condition, baseUrl, 2);
                if (matches.size() != 1) {
                    throw FhirException.preconditionFailed("the conditional reference " + value + " matches "
                            + (matches.isEmpty() ? "no resource" : "more than one resource") + "; it must match exactly one");
                }
                reference.setReference(condition.type() + "/" + matches.get(0).id());
            } else if (!baseUrl.isEmpty()) {
                ownBase.relativize(reference, baseUrl);
            }
        }
        if (!baseUrl.isEmpty()) {
            resource.setUserData(OwnBaseReferences.DONE, Boolean.TRUE); // the store's rule need not walk it again
        }
        return null;
    }

    private static boolean isConditional(String reference) {
        int question = reference.indexOf('?');
        return question > 0 && reference.lastIndexOf('/', question) < 0;
    }

    private Bundle response(Bundle.BundleType type, List<Planned> entries, boolean representation, String baseUrl) {
        Bundle response = new Bundle();
        response.setId(UUID.randomUUID().toString());
        response.setType(type);
        response.getMeta().setLastUpdated(new Date());
        for (Planned entry : entries) {
            BundleEntryComponent out = response.addEntry();
            BundleEntryResponseComponent answer = out.getResponse().setStatus(entry.status);
            if (entry.version != null) {
                StoredVersion v = entry.version;
                if (!v.isDeleted() && !baseUrl.isEmpty()) {
                    // bundle.html (Bundle.entry.fullUrl): it SHALL have a value when the entry names a resource
                    out.setFullUrl(baseUrl + "/" + v.type() + "/" + v.id());
                }
                answer.setLocation(v.type() + "/" + v.id() + "/_history/" + v.version()).setEtag(v.etag())
                        .setLastModifiedElement(new InstantType(Date.from(v.lastUpdated())));
                if (representation && !v.isDeleted() && entry.method != HTTPVerb.GET) {
                    out.setResource(codec.parseStored(v.body()));
                }
            }
            if (entry.result != null) {
                out.setResource(entry.result);
            }
            if (entry.failure != null) {
                answer.setOutcome(entry.failure);
            } else if (!entry.warnings.isEmpty()) {
                // bundle.html: entry.response.outcome carries the hints and warnings of a successful entry
                OperationOutcome warnings = new OperationOutcome();
                entry.warnings.forEach(warnings::addIssue);
                answer.setOutcome(warnings);
            }
        }
        return response;
    }

    /** Runs one step of an entry; a failure names the entry (its index and fullUrl). */
    private static <T> T inEntry(Planned entry, java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (FhirException e) {
            throw entry.index == STANDALONE ? e : e.prefixed(entry.describe() + ": ");
        }
    }

    /** The index of an interaction that came on its own, not in a Bundle (conditional create, update, delete): its errors name no entry. */
    private static final int STANDALONE = -1;

    /** One entry as parsed, planned and executed. */
    private static final class Planned {
        final int index;
        final BundleEntryComponent entry;
        HTTPVerb method;
        String url;
        String type;
        String id;
        ConditionalMatcher.Condition condition;
        /** The query of a GET entry on an instance or version (_summary, _elements). */
        Map<String, List<String>> readParameters = Map.of();
        ConditionalMatcher.Condition ifNoneExist;
        ResourcePatcher.Patch patch;
        Long expectedVersion;
        Resource resource;
        StoredVersion existing;
        String status;
        StoredVersion version;
        Resource result;
        OperationOutcome failure;
        List<OperationOutcome.OperationOutcomeIssueComponent> warnings = List.of();
        /** Whether the answer carries the written resource (Prefer: return=representation), so its body is kept. */
        boolean answersWithResource = true;

        Planned(int index, BundleEntryComponent entry) {
            this.index = index;
            this.entry = entry;
        }

        static Planned failed(int index, BundleEntryComponent entry, FhirException e) {
            Planned planned = new Planned(index, entry);
            planned.status = e.status() + " " + reason(e.status());
            OperationOutcome outcome = new OperationOutcome();
            outcome.addIssue().setSeverity(IssueSeverity.ERROR).setCode(e.issueType()).setDiagnostics(e.getMessage());
            e.details().forEach(outcome::addIssue);
            planned.failure = outcome;
            return planned;
        }

        void done(String status, StoredVersion version) {
            this.status = status;
            this.version = answersWithResource || version == null ? version : version.withoutBody();
        }

        void written(String status, WriteOutcome written) {
            done(status, written.version());
            this.warnings = written.warnings();
        }

        void answerWithoutResource() {
            answersWithResource = false;
        }

        /**
         * Lets the parsed resource go once it is stored (the store keeps its encoded body): a large
         * Bundle then does not hold every entry's object model and its database rows at once. A retry
         * parses the Bundle again.
         */
        void releaseResource() {
            resource = null;
            entry.setResource(null);
        }

        String describe() {
            String fullUrl = entry.getFullUrl();
            return "Bundle entry " + index + (fullUrl == null || fullUrl.isBlank() ? "" : " (fullUrl " + fullUrl + ")")
                    + (method == null ? "" : " " + method.toCode() + " " + url);
        }

        private static String reason(int status) {
            return switch (status) {
                case 400 -> "Bad Request";
                case 404 -> "Not Found";
                case 409 -> "Conflict";
                case 410 -> "Gone";
                case 412 -> "Precondition Failed";
                case 413 -> "Payload Too Large";
                default -> "Error";
            };
        }
    }
}
