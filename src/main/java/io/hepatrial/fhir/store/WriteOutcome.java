package io.hepatrial.fhir.store;

import java.util.List;

import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;

/**
 * What a write did: the version it produced, whether it created the resource, and the warnings the
 * write rules had about it (e.g. profile validation in warn mode), for the client to hear.
 */
public record WriteOutcome(StoredVersion version, boolean created, List<OperationOutcomeIssueComponent> warnings) {

    public WriteOutcome(StoredVersion version, boolean created) {
        this(version, created, List.of());
    }
}
