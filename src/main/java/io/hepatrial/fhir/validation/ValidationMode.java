package io.hepatrial.fhir.validation;

import java.util.Locale;

/** What profile validation does on write, per resource type (docs/validation.md). */
public enum ValidationMode {
    /** Not validated against profiles (parsing is strict all the same). */
    OFF,
    /** Validated; problems come back as warnings and the write goes ahead. */
    WARN,
    /** Validated; an error refuses the write with 422 and nothing is stored. */
    ENFORCE;

    public static ValidationMode parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown validation mode '" + value + "': use off, warn or enforce");
        }
    }
}
