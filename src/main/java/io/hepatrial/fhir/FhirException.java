package io.hepatrial.fhir;

import java.util.Map;

import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

/**
 * A failure the client can act on: the HTTP status and the OperationOutcome issue code it is answered
 * with. Thrown anywhere in the core; turned into an OperationOutcome at the HTTP edge.
 */
public class FhirException extends RuntimeException {

    private final int status;
    private final IssueType issueType;
    private final Map<String, String> headers;

    public FhirException(int status, IssueType issueType, String diagnostics) {
        this(status, issueType, diagnostics, Map.of(), null);
    }

    public FhirException(int status, IssueType issueType, String diagnostics, Map<String, String> headers, Throwable cause) {
        super(diagnostics, cause);
        this.status = status;
        this.issueType = issueType;
        this.headers = headers;
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
