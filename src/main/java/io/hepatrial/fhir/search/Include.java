package io.hepatrial.fhir.search;

/**
 * An {@code _include} or {@code _revinclude}: follow the reference parameter {@code param} of
 * {@code sourceType} (null param = every reference parameter, the '*' form), optionally only to
 * {@code targetType}, and with {@code iterate} also from the resources included so far.
 */
public record Include(String sourceType, SearchParameterDefinition param, String targetType, boolean iterate) {
}
