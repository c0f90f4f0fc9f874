package io.hepatrial.fhir.store;

/** What a write did: the version it produced, and whether it created the resource. */
public record WriteOutcome(StoredVersion version, boolean created) {
}
