package io.hepatrial.fhir.rest;

import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.hepatrial.fhir.FhirException;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

/**
 * Every failure leaves the server as an OperationOutcome (http.html: errors SHOULD carry one):
 * our own {@link FhirException}s, JAX-RS's routing errors (404, 405, 406, 415) and, as a 500,
 * anything unexpected.
 */
public class OperationOutcomeMappers {

    private static final Logger LOG = Logger.getLogger(OperationOutcomeMappers.class);

    @Inject
    FhirRequest request;

    @Inject
    ResourceCodec codec;

    @Inject
    AllowedMethods allowedMethods;

    @ServerExceptionMapper
    public Response fhir(FhirException e) {
        OperationOutcome outcome = OperationOutcomes.of(FhirResponses.severityOf(e.status()), e.issueType(), e.getMessage());
        e.details().forEach(outcome::addIssue);
        FhirFormat format = request.formatOrDefault();
        Response.ResponseBuilder answer = Response.status(e.status()).type(format.contentType()).entity(codec.encode(outcome, format));
        e.headers().forEach(answer::header);
        return answer.build();
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        IssueType type = switch (status) {
            case 404 -> IssueType.NOTFOUND;
            case 405, 406, 415 -> IssueType.NOTSUPPORTED;
            case 413 -> IssueType.TOOLONG;
            default -> status >= 500 ? IssueType.EXCEPTION : IssueType.INVALID;
        };
        String message = switch (status) {
            case 404 -> "No FHIR endpoint at " + request.requestUri().getRawPath();
            case 405 -> request.requestUri().getRawPath() + " does not support this HTTP method";
            default -> e.getMessage();
        };
        if (status >= 500) {
            LOG.error("Request failed", e);
        }
        Response.ResponseBuilder answer = outcome(status, type, message);
        if (status == 405) {
            answer.header("Allow", allowedMethods.forPath(request.requestUri().getRawPath()));
        }
        return answer.build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        // The log gets the stack trace, not the request body: no patient data in logs.
        LOG.error("Unexpected server error", e);
        return outcome(500, IssueType.EXCEPTION, "Internal server error (" + e.getClass().getSimpleName()
                + "); the server log has the details").build();
    }

    private Response.ResponseBuilder outcome(int status, IssueType type, String diagnostics) {
        OperationOutcome outcome = OperationOutcomes.of(FhirResponses.severityOf(status), type, diagnostics);
        FhirFormat format = request.formatOrDefault();
        return Response.status(status).type(format.contentType()).entity(codec.encode(outcome, format));
    }
}
