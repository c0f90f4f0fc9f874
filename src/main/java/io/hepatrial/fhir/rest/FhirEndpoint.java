package io.hepatrial.fhir.rest;

import java.util.Optional;

import org.hl7.fhir.r4.model.Resource;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.HTTPVerb;
import org.hl7.fhir.r4.model.Parameters;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.bundle.BundleProcessor;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.UpdateRules;
import io.hepatrial.fhir.store.ResourceStore;
import io.hepatrial.fhir.store.StoredVersion;
import io.hepatrial.fhir.store.WriteOutcome;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

/**
 * The FHIR RESTful interactions of http.html for every supported resource type: one generic
 * implementation, driven by the type in the URL. Errors are thrown as {@link FhirException} and
 * answered as OperationOutcomes by {@link OperationOutcomeMappers}.
 */
@Path("/fhir")
public class FhirEndpoint {

    private final ResourceStore store;
    private final SupportedResourceTypes types;
    private final ResourceCodec codec;
    private final FhirResponses responses;
    private final HistoryBundles historyBundles;
    private final CapabilityStatementFactory capabilities;
    private final FhirRequest request;
    private final SearchBundles searchBundles;
    private final BundleProcessor bundles;
    private final ResourcePatcher patcher;
    private final int maxBundleChars;

    public FhirEndpoint(ResourceStore store, SupportedResourceTypes types, ResourceCodec codec, FhirResponses responses,
            HistoryBundles historyBundles, CapabilityStatementFactory capabilities, FhirRequest request,
            SearchBundles searchBundles, BundleProcessor bundles, ResourcePatcher patcher,
            @ConfigProperty(name = "hepatrial.bundle.max-chars") int maxBundleChars) {
        this.patcher = patcher;
        this.searchBundles = searchBundles;
        this.bundles = bundles;
        this.maxBundleChars = maxBundleChars;
        this.store = store;
        this.types = types;
        this.codec = codec;
        this.responses = responses;
        this.historyBundles = historyBundles;
        this.capabilities = capabilities;
        this.request = request;
    }

    @GET
    @Path("metadata")
    @Operation(summary = "capabilities: the CapabilityStatement of this server")
    @APIResponse(responseCode = "200", description = "The CapabilityStatement: the types, interactions, search parameters and operations this server serves")
    public Response capabilities() {
        return responses.resource(200, capabilities.build(request.baseUrl()));
    }

    @GET
    @Path("{type}")
    @Operation(summary = "search: the resources of a type that match the parameters (search.html)")
    @FhirInteraction("search-type")
    @APIResponse(responseCode = "200", description = "A searchset Bundle of the matching {type} resources, paged by _count with a next link")
    @APIResponse(responseCode = "400", description = "A parameter this server does not know, or a value it cannot read")
    public Response search(@PathParam("type") String type) {
        requireType(type);
        return searchBundles.search(type, request.uriInfo().getQueryParameters());
    }

    @POST
    @Path("{type}/_search")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Operation(summary = "search with the parameters in a form-encoded body (and the query string)")
    public Response searchByPost(@PathParam("type") String type, MultivaluedMap<String, String> form) {
        requireType(type);
        return searchBundles.search(type, request.queryAndForm(form));
    }

    @POST
    @Path("{type}")
    @Consumes(MediaType.WILDCARD)
    @FhirInteraction("create")
    @Operation(summary = "create: store a new resource under a server-assigned id")
    @Parameter(name = "If-None-Exist", in = ParameterIn.HEADER, description = "Conditional create: search parameters (e.g. identifier=urn:example:lab|LAB-1); create only if nothing matches", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "Prefer", in = ParameterIn.HEADER, description = "What the answer carries: the stored resource (default), nothing, or an OperationOutcome", schema = @Schema(type = SchemaType.STRING, enumeration = {"return=representation", "return=minimal", "return=OperationOutcome"}))
    @APIResponse(responseCode = "201", description = "Created: Location, ETag and Last-Modified name the new version; the body as Prefer asks")
    @APIResponse(responseCode = "200", description = "If-None-Exist matched one {type}: nothing created, its location returned")
    @APIResponse(responseCode = "400", description = "Malformed JSON or XML, an unknown element, an invalid value, or a resourceType other than {type}")
    @APIResponse(responseCode = "409", description = "A uniqueness rule refuses it (in this study: a registry number another ResearchStudy holds, a second active enrollment of a patient in a study)")
    @APIResponse(responseCode = "412", description = "If-None-Exist matched more than one {type}")
    @APIResponse(responseCode = "415", description = "The Content-Type is not FHIR JSON or XML")
    public Response create(@PathParam("type") String type, String body) {
        requireType(type);
        request.format();
        Resource resource = codec.parse(body, request.bodyFormat(), type);
        // http.html#create: an id in the body is ignored; the server assigns one.
        resource.setIdElement(null);
        String ifNoneExist = request.header("If-None-Exist");
        if (ifNoneExist != null && !ifNoneExist.isBlank()) {
            BundleProcessor.EntryResult result = bundles.single(HTTPVerb.POST, type, resource, ifNoneExist, null, request.baseUrl());
            return responses.written(result.writeOutcome());
        }
        return responses.written(store.create(resource));
    }

    @PUT
    @Path("{type}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "conditional update: update the one resource the search parameters match (or create it)")
    @Parameter(name = "If-Match", in = ParameterIn.HEADER, description = "W/\"n\": write only if n is still the current version (412 otherwise)", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "Prefer", in = ParameterIn.HEADER, description = "What the answer carries: the stored resource (default), nothing, or an OperationOutcome", schema = @Schema(type = SchemaType.STRING, enumeration = {"return=representation", "return=minimal", "return=OperationOutcome"}))
    @APIResponse(responseCode = "200", description = "The one {type} the search parameters in the query string match was updated")
    @APIResponse(responseCode = "201", description = "Nothing matched: the {type} was created")
    @APIResponse(responseCode = "400", description = "No search parameters in the query string, or an invalid body")
    @APIResponse(responseCode = "409", description = "A uniqueness rule refuses it (in this study: a registry number another ResearchStudy holds, a second active enrollment of a patient in a study)")
    @APIResponse(responseCode = "412", description = "The search parameters match more than one {type}, or If-Match names an older version")
    @APIResponse(responseCode = "415", description = "The Content-Type is not FHIR JSON or XML")
    public Response conditionalUpdate(@PathParam("type") String type, String body) {
        requireType(type);
        request.format();
        Long expectedVersion = request.ifMatchVersion();
        Resource resource = codec.parse(body, request.bodyFormat(), type);
        BundleProcessor.EntryResult result = bundles.single(HTTPVerb.PUT, type + "?" + rawQuery(), resource, null,
                expectedVersion, request.baseUrl());
        return responses.written(result.writeOutcome());
    }

    @DELETE
    @Path("{type}")
    @Operation(summary = "conditional delete: delete the one resource the search parameters match")
    @APIResponse(responseCode = "200", description = "The one {type} the search parameters in the query string match was deleted (or none matched)")
    @APIResponse(responseCode = "400", description = "No search parameters in the query string")
    @APIResponse(responseCode = "412", description = "The search parameters match more than one {type}")
    public Response conditionalDelete(@PathParam("type") String type) {
        requireType(type);
        request.format();
        BundleProcessor.EntryResult result = bundles.single(HTTPVerb.DELETE, type + "?" + rawQuery(), null, null,
                request.ifMatchVersion(), request.baseUrl());
        return responses.deleted(type, result.version() == null ? "(no match)" : result.version().id(),
                Optional.ofNullable(result.version()));
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "transaction or batch: process a Bundle of interactions (atomically for a transaction)")
    @FhirInteraction({"transaction", "batch"})
    @Parameter(name = "Prefer", in = ParameterIn.HEADER, description = "What the answer carries: the stored resource (default), nothing, or an OperationOutcome", schema = @Schema(type = SchemaType.STRING, enumeration = {"return=representation", "return=minimal", "return=OperationOutcome"}))
    @APIResponse(responseCode = "200", description = "A transaction-response or batch-response Bundle: one entry per request entry, in order, with status, location and etag")
    @APIResponse(responseCode = "400", description = "Not a transaction or batch Bundle, an invalid entry, or two entries acting on one resource")
    @APIResponse(responseCode = "404", description = "A transaction entry reads, updates or deletes a resource that does not exist (nothing is stored)")
    @APIResponse(responseCode = "409", description = "A uniqueness rule refuses it (in this study: a registry number another ResearchStudy holds, a second active enrollment of a patient in a study)")
    @APIResponse(responseCode = "412", description = "A conditional entry or reference matches more than one resource, or an entry's ifMatch is stale (nothing is stored)")
    @APIResponse(responseCode = "413", description = "More entries than hepatrial.bundle.max-entries, or a body longer than hepatrial.bundle.max-chars")
    public Response transactionOrBatch(String body) {
        request.format();
        FhirFormat bodyFormat = request.bodyFormat();
        requireBundleSize(body);
        boolean representation = request.preferences().returnPreference() != Preferences.Return.MINIMAL;
        Bundle response = bundles.process(() -> codec.parseBundle(body, bodyFormat), request.baseUrl(), representation);
        return responses.resource(200, response);
    }

    private void requireBundleSize(String body) {
        if (body != null && body.length() > maxBundleChars) {
            throw new FhirException(413, org.hl7.fhir.r4.model.OperationOutcome.IssueType.TOOLONG, "The request body has "
                    + body.length() + " characters; this server takes at most " + maxBundleChars + " (hepatrial.bundle.max-chars)");
        }
    }

    private String rawQuery() {
        String query = request.requestUri().getRawQuery();
        if (query == null || query.isBlank()) {
            throw FhirException.badRequest("A conditional update or delete needs search parameters in the URL");
        }
        return query;
    }

    @GET
    @Path("{type}/{id}")
    @FhirInteraction("read")
    @Operation(summary = "read: the current version of a resource")
    @Parameter(name = "If-None-Match", in = ParameterIn.HEADER, description = "W/\"n\": answer 304 if n is still the current version", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "If-Modified-Since", in = ParameterIn.HEADER, description = "An HTTP date: answer 304 unless the resource changed after it", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "_summary", in = ParameterIn.QUERY, description = "Only part of the resource, as in a search: true (summary elements), text, data (no narrative) or false", schema = @Schema(type = SchemaType.STRING, enumeration = {"true", "text", "data", "false"}))
    @Parameter(name = "_elements", in = ParameterIn.QUERY, description = "Only these elements (and id, meta and mandatory ones), comma-separated, e.g. name,gender", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "The current version of the {type}, with ETag and Last-Modified")
    @APIResponse(responseCode = "304", description = "Not modified since the version or date the request names")
    @APIResponse(responseCode = "404", description = "No {type} with this id was ever stored")
    @APIResponse(responseCode = "410", description = "The {type} was deleted")
    public Response read(@PathParam("type") String type, @PathParam("id") String id) {
        checkInstanceRequest(type, id);
        StoredVersion current = store.read(type, id).orElseThrow(() -> unknown(type, id));
        return responses.current(current);
    }

    @GET
    @Path("{type}/{id}/_history/{vid}")
    @FhirInteraction("vread")
    @Operation(summary = "vread: one version of a resource")
    @Parameter(name = "_summary", in = ParameterIn.QUERY, description = "Only part of the resource, as in a search: true (summary elements), text, data (no narrative) or false", schema = @Schema(type = SchemaType.STRING, enumeration = {"true", "text", "data", "false"}))
    @Parameter(name = "_elements", in = ParameterIn.QUERY, description = "Only these elements (and id, meta and mandatory ones), comma-separated, e.g. name,gender", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "That version of the {type}")
    @APIResponse(responseCode = "404", description = "The {type} or the version is not known")
    @APIResponse(responseCode = "410", description = "That version is the {type}'s deletion")
    public Response vread(@PathParam("type") String type, @PathParam("id") String id, @PathParam("vid") String vid) {
        checkInstanceRequest(type, id);
        Long version = FhirRequest.versionOfEtag(vid);
        Optional<StoredVersion> stored = version == null ? Optional.empty() : store.vread(type, id, version);
        return responses.version(stored.orElseThrow(() -> FhirException.notFound(
                type + "/" + id + " has no version " + vid)));
    }

    @PUT
    @Path("{type}/{id}")
    @Consumes(MediaType.WILDCARD)
    @FhirInteraction("update")
    @Operation(summary = "update: store a new version (or create with a client-chosen id)")
    @Parameter(name = "If-Match", in = ParameterIn.HEADER, description = "W/\"n\": write only if n is still the current version (412 otherwise)", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "Prefer", in = ParameterIn.HEADER, description = "What the answer carries: the stored resource (default), nothing, or an OperationOutcome", schema = @Schema(type = SchemaType.STRING, enumeration = {"return=representation", "return=minimal", "return=OperationOutcome"}))
    @APIResponse(responseCode = "200", description = "Updated: a new version; Location, ETag and Last-Modified name it")
    @APIResponse(responseCode = "201", description = "No {type} had this id: created with it (update as create)")
    @APIResponse(responseCode = "400", description = "Malformed body, invalid value, or an id in the body other than the one in the URL")
    @APIResponse(responseCode = "409", description = "A uniqueness rule refuses it (in this study: a registry number another ResearchStudy holds, a second active enrollment of a patient in a study)")
    @APIResponse(responseCode = "412", description = "If-Match names a version that is no longer current")
    @APIResponse(responseCode = "415", description = "The Content-Type is not FHIR JSON or XML")
    public Response update(@PathParam("type") String type, @PathParam("id") String id, String body) {
        checkInstanceRequest(type, id);
        Long expectedVersion = request.ifMatchVersion();
        Resource resource = codec.parse(body, request.bodyFormat(), type);
        UpdateRules.requireBodyId(type, id, resource);
        WriteOutcome outcome = store.update(type, id, resource, expectedVersion);
        return responses.written(outcome);
    }

    @PATCH
    @Path("{type}/{id}")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "patch: change a resource with a JSON Patch (application/json-patch+json) or a FHIRPath Patch (Parameters)")
    @FhirInteraction("patch")
    @Parameter(name = "If-Match", in = ParameterIn.HEADER, description = "W/\"n\": write only if n is still the current version (412 otherwise)", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "Prefer", in = ParameterIn.HEADER, description = "What the answer carries: the stored resource (default), nothing, or an OperationOutcome", schema = @Schema(type = SchemaType.STRING, enumeration = {"return=representation", "return=minimal", "return=OperationOutcome"}))
    @APIResponse(responseCode = "200", description = "Patched: a new version; Location, ETag and Last-Modified name it")
    @APIResponse(responseCode = "400", description = "A malformed patch")
    @APIResponse(responseCode = "404", description = "No {type} with this id")
    @APIResponse(responseCode = "410", description = "The {type} was deleted")
    @APIResponse(responseCode = "412", description = "If-Match names a version that is no longer current")
    @APIResponse(responseCode = "415", description = "Neither a JSON Patch (application/json-patch+json) nor a FHIRPath Patch Parameters resource in FHIR JSON or XML")
    @APIResponse(responseCode = "422", description = "The patch does not apply to the resource, or its result is not a valid {type}")
    public Response patch(@PathParam("type") String type, @PathParam("id") String id, String body) {
        checkInstanceRequest(type, id);
        jakarta.ws.rs.core.MediaType contentType = request.contentType();
        ResourcePatcher.Patch patch = contentType != null && "json-patch+json".equals(contentType.getSubtype())
                ? ResourcePatcher.Patch.json(body)
                // FHIRPath Patch: a Parameters resource in FHIR JSON or XML (415 for anything else)
                : ResourcePatcher.Patch.fhirPath((Parameters) codec.parse(body, request.bodyFormat(), "Parameters"));
        return responses.written(patcher.patch(type, id, request.ifMatchVersion(), patch));
    }

    @DELETE
    @Path("{type}/{id}")
    @FhirInteraction("delete")
    @Operation(summary = "delete: mark a resource deleted (later reads answer 410)")
    @Parameter(name = "If-Match", in = ParameterIn.HEADER, description = "W/\"n\": write only if n is still the current version (412 otherwise)", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "Deleted (also when it was deleted before or never existed); later reads answer 410")
    @APIResponse(responseCode = "412", description = "If-Match names a version that is no longer current")
    public Response delete(@PathParam("type") String type, @PathParam("id") String id) {
        checkInstanceRequest(type, id);
        Optional<StoredVersion> deletion = store.delete(type, id, request.ifMatchVersion());
        return responses.deleted(type, id, deletion);
    }

    @GET
    @Path("{type}/{id}/_history")
    @FhirInteraction("history-instance")
    @Operation(summary = "history of one resource, newest first")
    @Parameter(name = "_count", in = ParameterIn.QUERY, description = "Versions per page (default 20, at most 500); the next link gives the following page", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "_since", in = ParameterIn.QUERY, description = "Only versions written at or after this instant, e.g. 2016-01-01T00:00:00Z", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "A history Bundle of the {type}'s versions, newest first")
    @APIResponse(responseCode = "400", description = "An invalid _count or _since, or _at/_list (not supported)")
    @APIResponse(responseCode = "404", description = "No {type} with this id was ever stored")
    public Response instanceHistory(@PathParam("type") String type, @PathParam("id") String id) {
        checkInstanceRequest(type, id);
        if (store.read(type, id).isEmpty()) {
            throw unknown(type, id);
        }
        return responses.resource(200, historyBundles.page(type, id));
    }

    @GET
    @Path("{type}/_history")
    @FhirInteraction("history-type")
    @Operation(summary = "history of every resource of a type, newest first")
    @Parameter(name = "_count", in = ParameterIn.QUERY, description = "Versions per page (default 20, at most 500); the next link gives the following page", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "_since", in = ParameterIn.QUERY, description = "Only versions written at or after this instant, e.g. 2016-01-01T00:00:00Z", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "A history Bundle of every {type} version, newest first")
    @APIResponse(responseCode = "400", description = "An invalid _count or _since, or _at/_list (not supported)")
    public Response typeHistory(@PathParam("type") String type) {
        requireType(type);
        request.format();
        return responses.resource(200, historyBundles.page(type, null));
    }

    @GET
    @Path("_history")
    @FhirInteraction("history-system")
    @Operation(summary = "history of every resource, newest first")
    @Parameter(name = "_count", in = ParameterIn.QUERY, description = "Versions per page (default 20, at most 500); the next link gives the following page", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "_since", in = ParameterIn.QUERY, description = "Only versions written at or after this instant, e.g. 2016-01-01T00:00:00Z", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "A history Bundle of every version of every resource, newest first")
    @APIResponse(responseCode = "400", description = "An invalid _count or _since, or _at/_list (not supported)")
    public Response systemHistory() {
        request.format();
        return responses.resource(200, historyBundles.page(null, null));
    }

    /** The checks every instance-level interaction starts with: type served, id valid, format producible. */
    private void checkInstanceRequest(String type, String id) {
        requireType(type);
        SupportedResourceTypes.requireValidId(id);
        request.format();
        // a resource the caller may not see is one it cannot tell from one that does not exist
        if (!searchBundles.visible(type, id)) {
            throw unknown(type, id);
        }
    }

    /**
     * The type of a type-level URL. Quarkus REST lets e.g. DELETE /fhir/metadata fall through to
     * DELETE /fhir/{type}; the fixed paths of the base (metadata, _history) answer 405, as JAX-RS would.
     */
    private void requireType(String type) {
        if (type.equals("metadata") || type.startsWith("_")) {
            throw new jakarta.ws.rs.WebApplicationException(405);
        }
        types.require(type);
    }

    private static FhirException unknown(String type, String id) {
        return FhirException.notFound(type + "/" + id + " is not known to this server");
    }
}
