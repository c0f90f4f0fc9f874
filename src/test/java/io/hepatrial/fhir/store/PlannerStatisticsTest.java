package io.hepatrial.fhir.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** When the background ANALYZE runs: after a tenth more data (at least min-writes), and not back to back. */
class PlannerStatisticsTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void refreshesWhenTheDataGrewByATenthAndTheLastRefreshIsLongEnoughAgo() {
        assertTrue(PlannerStatistics.due(10_000, 100_000, 1_000, 50 * SECOND, 20 * SECOND));
        assertFalse(PlannerStatistics.due(9_999, 100_000, 1_000, 50 * SECOND, 20 * SECOND), "less than a tenth more");
        assertFalse(PlannerStatistics.due(999, 0, 1_000, 50 * SECOND, 20 * SECOND), "fewer than min-writes");
        // a bulk load grows the data by a tenth every few seconds; an ANALYZE that took 1 s waits 19 s
        assertFalse(PlannerStatistics.due(50_000, 100_000, 1_000, 19 * SECOND, 20 * SECOND), "too soon after the last one");
        assertTrue(PlannerStatistics.due(50_000, 100_000, 1_000, 20 * SECOND, 20 * SECOND));
        // System.nanoTime() may be negative: compared as a difference
        assertTrue(PlannerStatistics.due(50_000, 100_000, 1_000, -5 * SECOND, -6 * SECOND));
        assertFalse(PlannerStatistics.due(50_000, 100_000, 1_000, -7 * SECOND, -6 * SECOND));
    }
}
