package io.hepatrial.fhir.rest;

import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

/** Builds the one-issue OperationOutcomes this server answers with. */
final class OperationOutcomes {

    private OperationOutcomes() {
    }

    static OperationOutcome of(IssueSeverity severity, IssueType code, String diagnostics) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(severity).setCode(code).setDiagnostics(diagnostics);
        return outcome;
    }

    static OperationOutcome information(String diagnostics) {
        return of(IssueSeverity.INFORMATION, IssueType.INFORMATIONAL, diagnostics);
    }
}
