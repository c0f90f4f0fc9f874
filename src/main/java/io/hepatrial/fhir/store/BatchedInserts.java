package io.hepatrial.fhir.store;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.hibernate.Session;
import org.hibernate.engine.spi.SharedSessionContractImplementor;
import org.hibernate.engine.spi.TransactionCompletionCallbacks;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * Rows a write transaction derives from what it stores (search index rows, the study's
 * measurements), queued and sent at once: one JDBC batch per statement for all the resources of a
 * Bundle instead of a few statements per resource (each a round trip to PostgreSQL). The queue
 * belongs to the JTA transaction; it is sent when a store transaction's work is done
 * ({@link StoreTransactions#atEnd}; in other transactions, at commit right after Hibernate's own
 * flush), before any read of those tables inside it ({@link #flush}), and whenever it holds
 * {@value #MAX_QUEUED} rows. Outside a transaction an insert is sent at once.
 */
@ApplicationScoped
public class BatchedInserts {

    /** Binds one row's values to the insert statement. */
    @FunctionalInterface
    public interface Row {
        void bind(PreparedStatement statement) throws SQLException;
    }

    /** A queued row and what it was derived from (withdrawn together when that is written again in the transaction). */
    private record Queued(Object source, Row row) {
    }

    /** Rows queued per transaction at most: bounds the heap a 10,000-entry Bundle needs. */
    static final int MAX_QUEUED = 2_000;

    private static final String QUEUE = "batched-inserts";

    private static final class Queue {
        final Map<String, List<Queued>> bySql = new LinkedHashMap<>();
        int size;
    }

    private final Session session;
    private final TransactionSynchronizationRegistry transactions;

    public BatchedInserts(Session session, TransactionSynchronizationRegistry transactions) {
        this.session = session;
        this.transactions = transactions;
    }

    /** The current transaction's queue (created, with its send at commit, on first use), or null outside a transaction. */
    private Queue queue(boolean create) {
        if (transactions.getTransactionKey() == null) {
            return null;
        }
        Queue queue = (Queue) transactions.getResource(QUEUE);
        if (queue == null && create) {
            Queue created = new Queue();
            transactions.putResource(QUEUE, created);
            // Sent when a store transaction's work is done; in any other transaction Hibernate sends
            // it after its own flush at commit, while the session still holds its connection.
            if (!StoreTransactions.atEnd(QUEUE, () -> send(created))) {
                session.unwrap(SharedSessionContractImplementor.class).getTransactionCompletionCallbacks()
                        .registerCallback((TransactionCompletionCallbacks.BeforeCompletionCallback) completing -> send(created));
            }
            queue = created;
        }
        return queue;
    }

    /**
     * Queues one row of {@code insertSql}.
     *
     * @param source what the row derives from: {@link #withdraw} drops the queued rows of a source
     */
    public void add(String insertSql, Object source, Row row) {
        Queue queue = queue(true);
        if (queue == null) {
            session.doWork(connection -> {
                try (PreparedStatement statement = connection.prepareStatement(insertSql)) {
                    row.bind(statement);
                    statement.executeUpdate();
                }
            });
            return;
        }
        queue.bySql.computeIfAbsent(insertSql, sql -> new ArrayList<>()).add(new Queued(source, row));
        queue.size++;
        if (queue.size >= MAX_QUEUED) {
            send(queue);
        }
    }

    /** Drops the rows queued for {@code source} and not yet sent (its caller deletes those already sent). */
    public void withdraw(Object source) {
        Queue queue = queue(false);
        if (queue == null) {
            return;
        }
        for (List<Queued> rows : queue.bySql.values()) {
            int before = rows.size();
            rows.removeIf(queued -> queued.source().equals(source));
            queue.size -= before - rows.size();
        }
    }

    /**
     * Makes everything the current transaction wrote visible to its own reads: Hibernate's pending
     * resource rows, then the queued rows. Reads inside a write transaction (a Bundle's searches,
     * derived scores, $everything) call this first; outside a transaction it does nothing.
     */
    public void flushWrites() {
        if (transactions.getTransactionKey() != null) {
            session.flush();
            flush();
        }
    }

    /** Sends every queued row: one batch per statement. */
    public void flush() {
        Queue queue = queue(false);
        if (queue != null) {
            send(queue);
        }
    }

    private void send(Queue queue) {
        if (queue.size == 0) {
            return;
        }
        session.doWork(connection -> {
            for (Map.Entry<String, List<Queued>> entry : queue.bySql.entrySet()) {
                if (entry.getValue().isEmpty()) {
                    continue;
                }
                try (PreparedStatement statement = connection.prepareStatement(entry.getKey())) {
                    for (Queued queued : entry.getValue()) {
                        queued.row().bind(statement);
                        statement.addBatch();
                    }
                    statement.executeBatch();
                }
            }
        });
        queue.bySql.clear();
        queue.size = 0;
    }
}
