package io.hepatrial.fhir.search;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A parsed search: the conditions on the type, the result parameters, and the query parameters
 * that were understood (for the self link; unknown ones are left out of it).
 */
public record SearchRequest(String type, List<Criterion> criteria, List<SortKey> sort, int count, Total total,
        Summary summary, Set<String> elements, List<Include> includes, List<Include> revIncludes, SearchCursor cursor,
        Map<String, List<String>> understoodParameters) {

    public enum Total { NONE, ESTIMATE, ACCURATE }

    public enum Summary {
        NONE, TRUE, TEXT, DATA, COUNT;

        /** The value of a _summary parameter (search.html#summary); 400 for any other. */
        public static Summary of(String value) {
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true" -> TRUE;
                case "text" -> TEXT;
                case "data" -> DATA;
                case "count" -> COUNT;
                case "false" -> NONE;
                default -> throw io.hepatrial.fhir.FhirException.badRequest("_summary must be true, text, data, count or false, not " + value);
            };
        }
    }
}
