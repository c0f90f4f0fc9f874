package io.hepatrial.fhir.store;

import java.time.Instant;

/**
 * A position in the newest-first order of versions (last updated, then version row id): a page
 * continues strictly after it, so pages stay correct while new versions arrive.
 */
public record HistoryCursor(Instant lastUpdated, long vid) {

    /** The compact, URL-safe form used in {@code next} links. */
    public String encode() {
        return lastUpdated.toEpochMilli() + "." + vid;
    }

    /** Parses {@link #encode()}'s form; returns null for anything else. */
    public static HistoryCursor decode(String token) {
        int dot = token == null ? -1 : token.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        try {
            return new HistoryCursor(Instant.ofEpochMilli(Long.parseLong(token.substring(0, dot))),
                    Long.parseLong(token.substring(dot + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
