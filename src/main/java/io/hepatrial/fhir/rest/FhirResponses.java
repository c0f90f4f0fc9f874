package io.hepatrial.fhir.rest;

import java.time.Instant;
import java.util.Optional;

import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.store.StoredVersion;
import io.hepatrial.fhir.store.WriteOutcome;
import jakarta.enterprise.context.RequestScoped;
import jakarta.ws.rs.core.Response;

/**
 * Builds the HTTP answers of the interactions: status, the version headers (ETag, Last-Modified,
 * Location) and a body in the negotiated format, shaped by Prefer: return.
 */
@RequestScoped
public class FhirResponses {

    private final FhirRequest request;
    private final ResourceCodec codec;

    public FhirResponses(FhirRequest request, ResourceCodec codec) {
        this.request = request;
        this.codec = codec;
    }

    /** Any resource (a Bundle, the CapabilityStatement, an OperationOutcome) with a status. */
    public Response resource(int status, IBaseResource resource) {
        FhirFormat format = request.format();
        return Response.status(status).type(format.contentType()).entity(codec.encode(resource, format)).build();
    }

    /** The answer to a create or update: 201 when it created the resource, else 200. */
    public Response written(WriteOutcome outcome) {
        StoredVersion version = outcome.version();
        int status = outcome.created() ? 201 : 200;
        Response.ResponseBuilder answer = Response.status(status)
                .header("ETag", version.etag())
                .header("Last-Modified", HttpDates.format(version.lastUpdated()))
                .header("Location", request.baseUrl() + "/" + version.type() + "/" + version.id() + "/_history/" + version.version());
        FhirFormat format = request.format();
        return switch (request.preferences().returnPreference()) {
            case MINIMAL -> answer.build();
            case REPRESENTATION -> answer.type(format.contentType()).entity(codec.encodeStored(version.body(), format)).build();
            case OPERATION_OUTCOME -> {
                OperationOutcome answerOutcome = OperationOutcomes.information((outcome.created() ? "Created " : "Updated ")
                        + version.type() + "/" + version.id() + " as version " + version.version());
                outcome.warnings().forEach(answerOutcome::addIssue);
                yield answer.type(format.contentType()).entity(codec.encode(answerOutcome, format)).build();
            }
        };
    }

    /** The answer to a read: the current version, 410 if it is deleted, 304 if the client has it. */
    public Response current(StoredVersion current) {
        if (current.isDeleted()) {
            throw gone(current);
        }
        if (notModified(current)) {
            return Response.notModified().header("ETag", current.etag())
                    .header("Last-Modified", HttpDates.format(current.lastUpdated())).build();
        }
        return version(current);
    }

    /** One version with its headers; 410 if that version is a deletion. */
    public Response version(StoredVersion version) {
        if (version.isDeleted()) {
            throw gone(version);
        }
        FhirFormat format = request.format();
        return Response.ok(body(version, format), format.contentType())
                .header("ETag", version.etag())
                .header("Last-Modified", HttpDates.format(version.lastUpdated()))
                .build();
    }

    /** The stored body, cut down when the read names _summary or _elements (as a search would). */
    private byte[] body(StoredVersion version, FhirFormat format) {
        Subsetting subsetting = Subsetting.of(request.query("_summary"), request.query("_elements"));
        return subsetting.whole() ? codec.encodeStored(version.body(), format) : codec.encodeSubset(version.body(), format, subsetting);
    }

    /** The answer to a delete: 200 with an OperationOutcome that says what happened. */
    public Response deleted(String type, String id, Optional<StoredVersion> deletion) {
        String message = deletion.isPresent()
                ? "Deleted " + type + "/" + id + " (version " + deletion.get().version() + ")"
                : "Nothing to delete: " + type + "/" + id + " does not exist or is already deleted";
        Response.ResponseBuilder answer = Response.ok();
        deletion.ifPresent(d -> answer.header("ETag", d.etag()).header("Last-Modified", HttpDates.format(d.lastUpdated())));
        FhirFormat format = request.format();
        return answer.type(format.contentType()).entity(codec.encode(OperationOutcomes.information(message), format)).build();
    }

    /** If-None-Match / If-Modified-Since on a read (http.html#cread): true when the client's copy is current. */
    private boolean notModified(StoredVersion current) {
        return notModified(current, request.header("If-None-Match"), HttpDates.parse(request.header("If-Modified-Since")));
    }

    /** Whether the client's copy is current, by its If-None-Match (ETags) or else its If-Modified-Since (also a Bundle GET entry's). */
    public static boolean notModified(StoredVersion current, String ifNoneMatch, Instant since) {
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                Long version = FhirRequest.versionOfEtag(tag);
                if ("*".equals(tag.trim()) || (version != null && version == current.version())) {
                    return true;
                }
            }
            return false; // If-None-Match present: If-Modified-Since is ignored (RFC 9110 13.1.3)
        }
        // HTTP dates have whole seconds: compare at that precision.
        return since != null && current.lastUpdated().getEpochSecond() <= since.getEpochSecond();
    }

    private static FhirException gone(StoredVersion deletion) {
        return new FhirException(410, IssueType.DELETED, deletion.type() + "/" + deletion.id() + " was deleted (version "
                + deletion.version() + ")", java.util.Map.of("ETag", deletion.etag(),
                "Last-Modified", HttpDates.format(deletion.lastUpdated())), null);
    }

    static IssueSeverity severityOf(int status) {
        return status >= 500 ? IssueSeverity.FATAL : IssueSeverity.ERROR;
    }
}
