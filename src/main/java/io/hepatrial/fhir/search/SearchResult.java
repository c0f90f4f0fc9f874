package io.hepatrial.fhir.search;

import java.util.List;

import io.hepatrial.fhir.store.StoredVersion;

/**
 * One page of a search: the matches in order, the resources _include/_revinclude brought along,
 * the total (null when not counted), and the positions of the next and previous pages (null when
 * there is none).
 */
public record SearchResult(List<StoredVersion> matches, List<StoredVersion> included, Long total, SearchCursor next,
        SearchCursor previous) {
}
