package io.hepatrial.fhir.search;

/** One key of {@code _sort}: a parameter (or _id / _lastUpdated), ascending or descending. */
public record SortKey(SearchParameterDefinition param, boolean descending) {
}
