package io.hepatrial.fhir;

import java.util.List;
import java.util.Map;

/**
 * Who may do what, as the core asks it: whether the caller may perform an interaction on a type,
 * and which part of a type it may see. The security layer implements it per request; with
 * security off everything is allowed and nothing is confined.
 */
public interface AccessPolicy {

    /**
     * Refuses an interaction the caller may not perform: a {@link FhirException} 401 (no or a bad
     * token) or 403 (a missing scope).
     *
     * @param interaction a CapabilityStatement interaction code (read, vread, update, patch, delete,
     *                    history-instance, history-type, create, search-type, history-system) or
     *                    {@code operation:<name>}
     * @param type        the resource type, or null for a system-level interaction
     */
    void authorize(String interaction, String type);

    /** Whether {@link #authorize} would allow it (e.g. may resources of a type be included in a search's answer). */
    default boolean permits(String interaction, String type) {
        try {
            authorize(interaction, type);
            return true;
        } catch (FhirException refused) {
            return false;
        }
    }

    /** What of a type the caller may see. */
    Confinement confinement(String type);

    /**
     * @param nothing    the caller sees no resource of the type
     * @param parameters search parameters every search, read and include of the type is confined to
     *                   (AND-ed with the caller's own); empty when the caller sees the whole type
     */
    record Confinement(boolean nothing, Map<String, List<String>> parameters) {

        public static final Confinement NONE = new Confinement(false, Map.of());
        public static final Confinement EVERYTHING_HIDDEN = new Confinement(true, Map.of());

        public boolean confines() {
            return nothing || !parameters.isEmpty();
        }
    }
}
