package io.hepatrial.fhir.store;

import org.hibernate.Session;
import org.jboss.logging.Logger;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Refreshes the embedded H2 database's planner statistics at start. H2 otherwise guesses column
 * selectivity until enough rows changed, and a bad guess makes it scan a whole resource type
 * instead of starting from the search index. (PostgreSQL's autovacuum keeps its own statistics.)
 */
@Startup
@ApplicationScoped
public class PlannerStatistics {

    private static final Logger LOG = Logger.getLogger(PlannerStatistics.class);

    public PlannerStatistics(Session session) {
        QuarkusTransaction.requiringNew().run(() -> session.doWork(connection -> {
            if (connection.getMetaData().getDatabaseProductName().toLowerCase().contains("h2")) {
                long start = System.nanoTime();
                try (var statement = connection.createStatement()) {
                    statement.execute("analyze");
                }
                LOG.infof("H2 planner statistics refreshed in %d ms", (System.nanoTime() - start) / 1_000_000);
            }
        }));
    }
}
