package io.hepatrial.fhir.store;

import java.util.List;

/** One page of history, newest first; next is null on the last page. */
public record HistoryPage(List<StoredVersion> versions, long total, HistoryCursor next) {
}
