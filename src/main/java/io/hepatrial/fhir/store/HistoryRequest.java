package io.hepatrial.fhir.store;

import java.time.Instant;

/**
 * A history query: type and id narrow it (both null = the whole system), since is _since,
 * after is where the previous page stopped (null = first page), count the page size.
 */
public record HistoryRequest(String type, String id, Instant since, HistoryCursor after, int count) {
}
