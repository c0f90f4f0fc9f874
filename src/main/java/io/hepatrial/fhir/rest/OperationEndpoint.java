package io.hepatrial.fhir.rest;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.search.CompartmentSearch;
import io.hepatrial.fhir.search.FhirDates;
import io.hepatrial.fhir.store.ResourceStore;
import io.hepatrial.fhir.store.StoredVersion;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.search.Reindexer;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

/** System-level operations of this server. */
@Path("/fhir")
public class OperationEndpoint {

    private static final int DEFAULT_BATCH = 500;

    private final Reindexer reindexer;
    private final SupportedResourceTypes types;
    private final FhirResponses responses;
    private final FhirRequest request;
    private final CompartmentSearch compartments;
    private final ResourceStore store;
    private final ResourceCodec codec;
    private final SearchBundles searchBundles;
    private final int defaultCount;
    private final int maxCount;
    private final OperationParameters operationParameters;

    public OperationEndpoint(Reindexer reindexer, SupportedResourceTypes types, FhirResponses responses, FhirRequest request,
            CompartmentSearch compartments, ResourceStore store, ResourceCodec codec, SearchBundles searchBundles,
            OperationParameters operationParameters,
            @ConfigProperty(name = "hepatrial.search.default-count") int defaultCount,
            @ConfigProperty(name = "hepatrial.search.max-count") int maxCount) {
        this.compartments = compartments;
        this.store = store;
        this.codec = codec;
        this.searchBundles = searchBundles;
        this.operationParameters = operationParameters;
        this.defaultCount = defaultCount;
        this.maxCount = maxCount;
        this.reindexer = reindexer;
        this.types = types;
        this.responses = responses;
        this.request = request;
    }

    /**
     * Rebuilds the search index from the stored resources, in batches. Without {@code _cursor} it
     * starts at the beginning; the answer's {@code next} parameter (absent when done) resumes it.
     */
    @POST
    @Path("$reindex")
    @FhirOperation(name = "reindex", definition = "https://hepatrial.org/fhir/OperationDefinition/reindex")
    @Operation(summary = "$reindex: rebuild the search index from the stored resources, resumably")
    @APIResponse(responseCode = "200", description = "Parameters: reindexed (how many resources), and next (the _cursor to resume with) unless done", content = @Content(mediaType = "application/fhir+json", schema = @Schema(ref = "Parameters")))
    @Parameter(name = "_type", in = ParameterIn.QUERY, description = "Only this resource type", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "_cursor", in = ParameterIn.QUERY, description = "Resume after an earlier answer: its 'next' value", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "_count", in = ParameterIn.QUERY, description = "Resources per batch (default 500, at most 5000)", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "_batches", in = ParameterIn.QUERY, description = "Stop after this many batches", schema = @Schema(type = SchemaType.INTEGER))
    @APIResponse(responseCode = "400", description = "An invalid _cursor, an unknown parameter, or a Parameters body with a non-primitive parameter")
    @APIResponse(responseCode = "404", description = "_type names a type this server does not serve")
    public Response reindex() {
        return reindex(request.uriInfo().getQueryParameters());
    }

    @POST
    @Path("$reindex")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Operation(hidden = true, summary = "$reindex with form parameters")
    public Response reindexByForm(MultivaluedMap<String, String> form) {
        return reindex(request.queryAndForm(form));
    }

    @POST
    @Path("$reindex")
    @Consumes({FhirFormat.FHIR_JSON, FhirFormat.FHIR_XML, MediaType.APPLICATION_JSON, MediaType.APPLICATION_XML, MediaType.TEXT_XML})
    @Operation(hidden = true, summary = "$reindex with a Parameters body")
    public Response reindexWithParameters(String body) {
        return reindex(operationParameters.queryAnd(request, body, "$reindex"));
    }

    private Response reindex(MultivaluedMap<String, String> parameters) {
        request.format();
        for (String name : parameters.keySet()) {
            if (!List.of("_type", "_cursor", "_count", "_batches", "_format", "_pretty").contains(name)) {
                throw FhirException.badRequest("$reindex has no parameter '" + name + "'; it takes _type, _cursor, _count and _batches");
            }
        }
        String type = parameters.getFirst("_type");
        String cursor = parameters.getFirst("_cursor");
        Integer count = integer(parameters, "_count");
        Integer batches = integer(parameters, "_batches");
        if (type != null) {
            types.require(type);
        }
        long after;
        try {
            after = cursor == null ? 0 : Long.parseLong(cursor);
        } catch (NumberFormatException e) {
            throw FhirException.badRequest("_cursor must be the 'next' value of an earlier $reindex answer, not " + cursor);
        }
        int size = count == null ? DEFAULT_BATCH : Math.max(1, Math.min(count, 5000));
        int maxBatches = batches == null ? Integer.MAX_VALUE : Math.max(1, batches);
        int reindexed = 0;
        Long next = after;
        for (int batch = 0; batch < maxBatches && next != null; batch++) {
            Reindexer.Batch done = reindexer.reindex(type, next, size);
            reindexed += done.reindexed();
            next = done.nextAfterPid();
        }
        Parameters result = new Parameters();
        result.addParameter().setName("reindexed").setValue(new IntegerType(reindexed));
        if (next != null) {
            result.addParameter().setName("next").setValue(new StringType(next.toString()));
        }
        return responses.resource(200, result);
    }

    private static Integer integer(MultivaluedMap<String, String> parameters, String name) {
        String value = parameters.getFirst(name);
        try {
            return value == null ? null : Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw FhirException.badRequest(name + " must be a whole number, not " + value);
        }
    }

    /**
     * Patient/[id]/$everything (patient-operation-everything.html): the patient and every resource
     * in its compartment, as a searchset paged by {@code _count} with a {@code next} link.
     * {@code _type} and {@code _since} narrow it, and so do the care dates {@code start} and
     * {@code end}: a resource of a type with a {@code date} parameter is in when that date overlaps
     * them; resources of other types (the Patient, its Conditions) are in regardless.
     */
    @GET
    @Path("Patient/{id}/$everything")
    @FhirOperation(name = "everything", type = "Patient", definition = "http://hl7.org/fhir/OperationDefinition/Patient-everything")
    @Operation(summary = "Patient $everything: the patient's compartment, paged")
    @Parameter(name = "_count", in = ParameterIn.QUERY, description = "Resources per page (default 20); the next link gives the following page", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "_since", in = ParameterIn.QUERY, description = "Only resources written at or after this instant, e.g. 2016-01-01T00:00:00Z", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "_type", in = ParameterIn.QUERY, description = "Only these types, comma-separated, e.g. Observation,Procedure", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "start", in = ParameterIn.QUERY, description = "Care dates from (a FHIR date, e.g. 2015 or 2015-02-01): of the types with a date parameter (labs, courses, enrollments), only those whose date overlaps start..end", schema = @Schema(type = SchemaType.STRING))
    @Parameter(name = "end", in = ParameterIn.QUERY, description = "Care dates to (a FHIR date, e.g. 2015-06-30), inclusive of that day, month or year", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "A searchset Bundle: the Patient and every resource of its compartment, paged", content = @Content(mediaType = "application/fhir+json", schema = @Schema(ref = "Bundle")))
    @APIResponse(responseCode = "400", description = "An invalid parameter: _count, _since, _cursor, start or end, or start after end")
    @APIResponse(responseCode = "404", description = "No Patient with this id")
    @APIResponse(responseCode = "410", description = "The Patient was deleted")
    public Response everything(@PathParam("id") String id) {
        return everything(id, request.uriInfo().getQueryParameters());
    }

    @POST
    @Path("Patient/{id}/$everything")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Operation(summary = "Patient $everything with form parameters")
    public Response everythingByPost(@PathParam("id") String id, MultivaluedMap<String, String> form) {
        return everything(id, request.queryAndForm(form));
    }

    @POST
    @Path("Patient/{id}/$everything")
    @Consumes({FhirFormat.FHIR_JSON, FhirFormat.FHIR_XML, MediaType.APPLICATION_JSON, MediaType.APPLICATION_XML, MediaType.TEXT_XML})
    @Operation(hidden = true, summary = "Patient $everything with a Parameters body")
    public Response everythingWithParameters(@PathParam("id") String id, String body) {
        return everything(id, operationParameters.queryAnd(request, body, "$everything"));
    }

    private Response everything(String id, MultivaluedMap<String, String> parameters) {
        SupportedResourceTypes.requireValidId(id);
        FhirFormat format = request.format();
        StoredVersion patient = store.read("Patient", id).filter(p -> searchBundles.visible("Patient", id))
                .orElseThrow(() -> FhirException.notFound("Patient/" + id + " is not known"));
        if (patient.isDeleted()) {
            throw new FhirException(410, OperationOutcome.IssueType.DELETED, "Patient/" + id + " was deleted");
        }
        FhirDates.Range care = careDates(parameters.getFirst("start"), parameters.getFirst("end"));
        int count = parameters.containsKey("_count") ? parseCount(parameters.getFirst("_count")) : defaultCount;
        Instant since = null;
        if (parameters.containsKey("_since")) {
            try {
                since = new InstantType(parameters.getFirst("_since")).getValue().toInstant();
            } catch (RuntimeException e) {
                throw FhirException.badRequest("_since must be an instant (e.g. 2024-01-01T00:00:00Z), not " + parameters.getFirst("_since"));
            }
        }
        Set<String> typeFilter = null;
        if (parameters.containsKey("_type")) {
            typeFilter = new LinkedHashSet<>();
            for (String value : parameters.get("_type")) {
                for (String type : value.split(",")) {
                    typeFilter.add(types.require(type.trim()));
                }
            }
        }
        // _cursor = "<last pid of the page before>.<highest pid when the first page was made>": the pages
        // hold what was stored before the first one (reading the record writes AuditEvents about it, and
        // paging them would never end)
        long after;
        long upTo;
        String cursor = parameters.getFirst("_cursor");
        try {
            String[] parts = cursor == null ? null : cursor.split("\\.", -1);
            if (parts != null && parts.length != 2) {
                throw new NumberFormatException();
            }
            after = parts == null ? 0 : Long.parseLong(parts[0]);
            upTo = parts == null ? compartments.highestPid() : Long.parseLong(parts[1]);
        } catch (NumberFormatException e) {
            throw FhirException.badRequest("_cursor must be taken from a next link of $everything, not " + cursor);
        }
        CompartmentSearch.Page page = compartments.page("Patient", id, typeFilter, since, care, count, after, upTo);

        String base = request.baseUrl();
        String self = base + "/Patient/" + id + "/$everything";
        StringBuilder query = new StringBuilder("?_count=" + count);
        if (parameters.containsKey("_since")) {
            query.append("&_since=").append(java.net.URLEncoder.encode(parameters.getFirst("_since"), java.nio.charset.StandardCharsets.UTF_8));
        }
        if (typeFilter != null) {
            query.append("&_type=").append(String.join(",", typeFilter));
        }
        for (String careDate : List.of("start", "end")) {
            if (parameters.containsKey(careDate)) {
                query.append('&').append(careDate).append('=').append(java.net.URLEncoder.encode(parameters.getFirst(careDate),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        Bundle bundle = new Bundle().setType(Bundle.BundleType.SEARCHSET).setTotal((int) page.total());
        bundle.setId(java.util.UUID.randomUUID().toString());
        bundle.getMeta().setLastUpdated(new java.util.Date());
        bundle.addLink().setRelation("self").setUrl(self + query + (cursor == null ? "" : "&_cursor=" + after + "." + upTo));
        if (page.nextAfterPid() != null) {
            bundle.addLink().setRelation("next").setUrl(self + query + "&_cursor=" + page.nextAfterPid() + "." + upTo);
        }
        for (StoredVersion version : page.resources()) {
            bundle.addEntry().setFullUrl(base + "/" + version.type() + "/" + version.id())
                    .setResource(codec.parseStored(version.body())).getSearch().setMode(Bundle.SearchEntryMode.MATCH);
        }
        return Response.ok(codec.encodeSearchset(bundle, format, io.hepatrial.fhir.search.SearchRequest.Summary.NONE, null),
                format.contentType()).build();
    }

    /** $everything's care dates as one half-open range: from the start of {@code start} to the end of {@code end}; null when neither is given. */
    private static FhirDates.Range careDates(String start, String end) {
        if (start == null && end == null) {
            return null;
        }
        FhirDates.Range from = start == null ? null : FhirDates.range(start);
        FhirDates.Range to = end == null ? null : FhirDates.range(end);
        if (start != null && from == null || end != null && to == null) {
            throw FhirException.badRequest("$everything: start and end must be FHIR dates (e.g. 2015, 2015-02 or 2015-02-01), not "
                    + (start != null && from == null ? "start=" + start : "end=" + end));
        }
        java.time.Instant low = from == null ? FhirDates.MIN : from.low();
        java.time.Instant high = to == null ? FhirDates.MAX : to.high();
        if (!low.isBefore(high)) {
            throw FhirException.badRequest("$everything: start (" + start + ") is after end (" + end + ")");
        }
        return new FhirDates.Range(low, high);
    }

    private int parseCount(String value) {
        try {
            int count = Integer.parseInt(value);
            if (count < 1) {
                throw FhirException.badRequest("_count must be at least 1 for $everything, not " + value);
            }
            return Math.min(count, maxCount);
        } catch (NumberFormatException e) {
            throw FhirException.badRequest("_count must be a whole number, not " + value);
        }
    }
}
