package io.hepatrial.fhir.store;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hibernate.Session;
import org.jboss.logging.Logger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Keeps the database's planner statistics fresh as the data grows. Searches are written so the
 * index rows of one criterion drive them, but a planner without statistics (a fresh H2 database,
 * a PostgreSQL without autovacuum, or right after a bulk load) can still pick a nested loop that
 * scans thousands of rows per row. So: ANALYZE at start, and again in the background whenever the
 * writes since the last ANALYZE reach a tenth of what was there then (at least
 * {@code hepatrial.statistics.min-writes}) — but no sooner than 19 times its own last duration after
 * it: during a bulk load the data grows by a tenth every few seconds while ANALYZE of a large
 * database takes a second or more, and it would take a good share of the cores the load needs.
 */
@ApplicationScoped
public class PlannerStatistics {

    private static final Logger LOG = Logger.getLogger(PlannerStatistics.class);
    private static final String TABLES = "resource, resource_version, search_token, search_string, search_date, search_number,"
            + " search_quantity, search_reference, search_uri, search_composite, conditional_create_key";

    private final Session session;
    private final long minWrites;
    private final AtomicLong writesSinceAnalyze = new AtomicLong();
    private volatile long writesAtAnalyze;
    /** System.nanoTime() before which no background ANALYZE starts (ANALYZE takes at most a twentieth of the time). */
    private volatile long nextAnalyzeNanos;
    private ScheduledExecutorService scheduler;

    public PlannerStatistics(Session session, @ConfigProperty(name = "hepatrial.statistics.min-writes") long minWrites) {
        this.session = session;
        this.minWrites = minWrites;
    }

    void start(@Observes StartupEvent event) {
        analyze();
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "planner-statistics");
            thread.setDaemon(true);
            return thread;
        });
        scheduler.scheduleWithFixedDelay(this::analyzeIfGrown, 5, 5, TimeUnit.SECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** Called for every version written. */
    public void noteWrite() {
        writesSinceAnalyze.incrementAndGet();
    }

    private void analyzeIfGrown() {
        if (due(writesSinceAnalyze.get(), writesAtAnalyze, minWrites, System.nanoTime(), nextAnalyzeNanos)) {
            try {
                analyze();
            } catch (RuntimeException e) {
                LOG.warn("Refreshing planner statistics failed; will try again", e);
            }
        }
    }

    /** Whether the data grew enough since the last ANALYZE, and the last one's quiet time has passed. */
    static boolean due(long writesSince, long writesAtLast, long minWrites, long nowNanos, long notBeforeNanos) {
        return writesSince >= Math.max(minWrites, writesAtLast / 10) && nowNanos - notBeforeNanos >= 0;
    }

    private void analyze() {
        long writes = writesSinceAnalyze.getAndSet(0);
        writesAtAnalyze += writes;
        long start = System.nanoTime();
        QuarkusTransaction.requiringNew().run(() -> session.doWork(connection -> {
            try (var statement = connection.createStatement()) {
                statement.execute(ValueLists.isPostgres(connection) ? "analyze " + TABLES : "analyze");
            }
        }));
        long end = System.nanoTime();
        nextAnalyzeNanos = end + 19 * (end - start);
        LOG.debugf("Planner statistics refreshed in %d ms", (end - start) / 1_000_000);
    }
}
