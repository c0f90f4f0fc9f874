package io.hepatrial.fhir.rest;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.search.Reindexer;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

/** System-level operations of this server. */
@Path("/fhir")
@Tag(name = "Operations", description = "FHIR operations ($…)")
public class OperationEndpoint {

    private static final int DEFAULT_BATCH = 500;

    private final Reindexer reindexer;
    private final SupportedResourceTypes types;
    private final FhirResponses responses;
    private final FhirRequest request;

    public OperationEndpoint(Reindexer reindexer, SupportedResourceTypes types, FhirResponses responses, FhirRequest request) {
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
    @Operation(summary = "$reindex: rebuild the search index from the stored resources, resumably")
    public Response reindex(@QueryParam("_type") String type, @QueryParam("_cursor") String cursor,
            @QueryParam("_count") Integer count, @QueryParam("_batches") Integer batches) {
        request.format();
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
}
