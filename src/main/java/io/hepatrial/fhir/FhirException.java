package io.hepatrial.fhir;

import java.util.List;
import java.util.Map;

import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;

/**
 * A failure the client can act on: the HTTP status and the OperationOutcome issue code it is answered
 * with. Thrown anywhere in the core; turned into an OperationOutcome at the HTTP edge.
 */
public class FhirException extends RuntimeException {

    private final int status;
    private final IssueType issueType;
    private final Map<String, String> headers;
    private final List<OperationOutcomeIssueComponent> details;

    public FhirException(int status, IssueType issueType, String diagnostics) {
        this(status, issueType, diagnostics, Map.of(), null);
    }

    public FhirException(int status, IssueType issueType, String diagnostics, Map<String, String> headers, Throwable cause) {
        this(status, issueType, diagnostics, headers, cause, List.of());
    }

    /** @param details further issues the answer lists after the one this exception describes (e.g. each validation error) */
    public FhirException(int status, IssueType issueType, String diagnostics, Map<String, String> headers, Throwable cause,
            List<OperationOutcomeIssueComponent> details) {
        super(diagnostics, cause);
        this.status = status;
        this.issueType = issueType;
        this.headers = headers;
        this.details = details;
    }

    public int status() {
        return status;
    }

    public IssueType issueType() {
        return issueType;
    }

    /** Headers the answer must carry, e.g. the ETag of a deleted resource. */
    public Map<String, String> headers() {
        return headers;
    }

    /** Further issues the answer lists after the one this exception describes. */
    public List<OperationOutcomeIssueComponent> details() {
        return details;
    }

    /** The same failure with its message prefixed, e.g. by the Bundle entry it happened in. */
    public FhirException prefixed(String prefix) {
        return new FhirException(status, issueType, prefix + getMessage(), headers, this, details);
    }

    public static FhirException badRequest(String diagnostics) {
        return new FhirException(400, IssueType.INVALID, diagnostics);
    }

    public static FhirException notFound(String diagnostics) {
        return new FhirException(404, IssueType.NOTFOUND, diagnostics);
    }

    public static FhirException preconditionFailed(String diagnostics) {
        return new FhirException(412, IssueType.CONFLICT, diagnostics);
    }
}
