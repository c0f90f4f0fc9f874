package io.hepatrial.fhir.store;

import java.util.List;

import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Resource;

/**
 * A rule the store applies to every version it writes, in the write's transaction: how layers
 * above the core (the study) normalize what they own, refuse what breaks their rules, and declare
 * keys no two current resources may share. Rules are CDI beans; the store finds them all.
 */
public interface WriteRule {

    /** Rules run in ascending order: those that normalize first, those that judge the result (validation) last. */
    default int order() {
        return 0;
    }

    /** Whether this rule looks at resources of this type at all. */
    boolean appliesTo(String resourceType);

    /**
     * Normalizes the resource in place before it is stored, or refuses it by throwing a
     * {@link io.hepatrial.fhir.FhirException} (nothing of the write is then kept).
     *
     * @param warnings where to add what the client should hear about without the write being refused
     */
    default void prepare(Resource resource, List<OperationOutcomeIssueComponent> warnings) {
    }

    /** Whether this rule declares unique keys at all (the store then keeps them for the type). */
    default boolean declaresUniqueKeys() {
        return false;
    }

    /** Keys the stored resource holds; another current resource holding one of them is a 409. */
    default List<UniqueKey> uniqueKeys(Resource resource) {
        return List.of();
    }

    /**
     * Called after a version is written, in its transaction: e.g. to register work that derives
     * other resources from it ({@link StoreTransactions#beforeCommit}).
     *
     * @param written  the new version, or null when the resource was deleted
     * @param previous the version before, or null when there was none (or it was a deletion)
     */
    default void afterWrite(String type, String id, Resource written, java.util.function.Supplier<Resource> previous) {
    }

    /**
     * Called by {@code $reindex} for every resource of a type the rule applies to, in the batch's
     * transaction: a rule that keeps rows derived from the current version rebuilds them here.
     *
     * @param current the current version, or null when the resource is deleted
     */
    default void reindexed(String type, String id, Resource current) {
    }

    /**
     * @param key         the value compared (namespaced by the rule, e.g. "ResearchStudy.identifier|system|value")
     * @param description what the key means to a client, for the 409's diagnostics
     */
    record UniqueKey(String key, String description) {
    }
}
