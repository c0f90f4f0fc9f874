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

    public enum Summary { NONE, TRUE, TEXT, DATA, COUNT }
}
