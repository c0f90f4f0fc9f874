package io.hepatrial.fhir.store;

import java.util.concurrent.Callable;

import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

import io.hepatrial.fhir.FhirException;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Transactions of the store. Work joins the caller's transaction if there is one (so a FHIR
 * transaction Bundle is one database transaction); otherwise it runs in a new one that is retried
 * when it lost a race on a unique key (the same new resource id, the same conditional create):
 * the retry then sees the winner's committed row and acts on it. A deadlock between two
 * transactions that lock the same resources in another order (two Bundles) is retried too.
 */
public final class StoreTransactions {

    private static final int MAX_ATTEMPTS = 5;

    private StoreTransactions() {
    }

    public static <T> T retryingOnConflict(Callable<T> work) {
        if (QuarkusTransaction.isActive()) {
            return QuarkusTransaction.joiningExisting().call(work);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return QuarkusTransaction.requiringNew().call(() -> {
                    BEFORE_COMMIT.set(new java.util.LinkedHashMap<>());
                    LOCALS.set(newLocals());
                    try {
                        T result = work.call();
                        runBeforeCommit();
                        runAtEnd();
                        return result;
                    } finally {
                        BEFORE_COMMIT.remove();
                        LOCALS.remove();
                    }
                });
            } catch (RuntimeException e) {
                if (!isUniqueViolation(e) && !isDeadlock(e)) {
                    throw e;
                }
                if (attempt >= MAX_ATTEMPTS) {
                    throw new FhirException(409, IssueType.CONFLICT, "The write conflicts with other writes of the same resources"
                            + " or conditional-create criteria (for instance an ifNoneExist that the created resource itself does not"
                            + " match); nothing was stored", java.util.Map.of(), e);
                }
            }
        }
    }

    /**
     * Runs read work that issues several statements (a search: its driving matches, its page, its
     * total, its includes) so that they all read one snapshot of the database: in the caller's
     * transaction if there is one (a Bundle's entry sees what the Bundle wrote so far), else in a
     * new snapshot transaction: PostgreSQL's REPEATABLE READ, H2's SNAPSHOT (H2's REPEATABLE READ
     * takes each table's snapshot at its first read, so a resource read after its index rows could
     * be newer than they are). Work that only reads never fails at either level. On H2 the level is
     * the session's, and the pool sets the connection back to READ COMMITTED when it is returned
     * (application.properties).
     */
    public static <T> T readingOneSnapshot(org.hibernate.Session session, Callable<T> work) {
        if (QuarkusTransaction.isActive()) {
            // called as is: a failed search must not mark the caller's transaction rollback-only
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            session.doWork(connection -> {
                if (ValueLists.isPostgres(connection)) {
                    // for this transaction only: sent with its BEGIN, and nothing to set back afterwards
                    try (java.sql.Statement statement = connection.createStatement()) {
                        statement.execute("set transaction isolation level repeatable read");
                    }
                } else {
                    connection.setTransactionIsolation(org.h2.engine.Constants.TRANSACTION_SNAPSHOT);
                }
            });
            return work.call();
        });
    }

    /**
     * Runs write work to its end, before-commit actions included, and then rolls it all back: what
     * {@code $validate} uses to tell whether a create, update or delete would succeed, with every
     * rule the real write applies (unique keys, If-Match, derived resources), and nothing kept.
     */
    @SuppressWarnings("unchecked")
    public static <T> T dryRun(Callable<T> work) {
        try {
            QuarkusTransaction.requiringNew().call(() -> {
                BEFORE_COMMIT.set(new java.util.LinkedHashMap<>());
                LOCALS.set(newLocals());
                try {
                    T result = work.call();
                    runBeforeCommit();
                    throw new RolledBack(result);
                } finally {
                    BEFORE_COMMIT.remove();
                    LOCALS.remove();
                }
            });
        } catch (RolledBack done) {
            return (T) done.result;
        }
        throw new IllegalStateException("a dry run must end in its rollback");
    }

    /** Thrown to end a dry run's transaction with a rollback, carrying what the work returned. */
    private static final class RolledBack extends RuntimeException {
        final transient Object result;

        RolledBack(Object result) {
            super(null, null, false, false);
            this.result = result;
        }
    }

    /** Work registered to run at the end of the current write transaction, by key (see {@link #beforeCommit}). */
    private static final ThreadLocal<java.util.Map<String, Runnable>> BEFORE_COMMIT = new ThreadLocal<>();

    /**
     * Runs {@code action} once at the end of the current write transaction, still inside it, after
     * everything else the transaction writes: what derives from several resources (a score from its
     * inputs) is computed once per transaction from their final state. Registering a key again
     * replaces nothing (the first registration stands). Outside a write transaction it runs now.
     */
    public static void beforeCommit(String key, Runnable action) {
        java.util.Map<String, Runnable> pending = BEFORE_COMMIT.get();
        if (pending == null) {
            action.run();
        } else {
            pending.putIfAbsent(key, action);
        }
    }

    /** Keys of {@link #LOCALS} this class keeps for itself. */
    private static final String TRANSACTION_KEY = "store-transaction-key";
    private static final String AT_END = "store-at-end";

    /** A store transaction's locals: which JTA transaction it is (nested ones on the same thread are others), what runs at its end. */
    private static java.util.Map<String, Object> newLocals() {
        java.util.Map<String, Object> locals = new java.util.HashMap<>();
        locals.put(TRANSACTION_KEY, currentTransactionKey());
        locals.put(AT_END, new java.util.LinkedHashMap<String, Runnable>());
        return locals;
    }

    private static Object currentTransactionKey() {
        return io.quarkus.arc.Arc.container().instance(jakarta.transaction.TransactionSynchronizationRegistry.class).get()
                .getTransactionKey();
    }

    /**
     * Runs {@code action} once when the current store transaction's work and its before-commit
     * actions are done, still inside it (e.g. to send rows queued meanwhile), if the current JTA
     * transaction is a store transaction's; otherwise does nothing and returns false. Nothing runs
     * when the work fails or is a dry run: the transaction rolls back.
     */
    @SuppressWarnings("unchecked")
    public static boolean atEnd(String key, Runnable action) {
        java.util.Map<String, Object> locals = LOCALS.get();
        if (locals == null || !java.util.Objects.equals(locals.get(TRANSACTION_KEY), currentTransactionKey())) {
            return false;
        }
        ((java.util.Map<String, Runnable>) locals.get(AT_END)).putIfAbsent(key, action);
        return true;
    }

    @SuppressWarnings("unchecked")
    private static void runAtEnd() {
        ((java.util.Map<String, Runnable>) LOCALS.get().get(AT_END)).values().forEach(Runnable::run);
    }

    /** Values kept for the current write transaction (see {@link #transactionLocal}). */
    private static final ThreadLocal<java.util.Map<String, Object>> LOCALS = new ThreadLocal<>();

    /**
     * A value that lives as long as the current write transaction, created on first use: e.g. what
     * a write rule collects over a Bundle's writes to handle at once before commit. Outside a write
     * transaction every call gets a new value.
     */
    @SuppressWarnings("unchecked")
    public static <T> T transactionLocal(String key, java.util.function.Supplier<T> initial) {
        java.util.Map<String, Object> locals = LOCALS.get();
        return locals == null ? initial.get() : (T) locals.computeIfAbsent(key, k -> initial.get());
    }

    /** Runs the registered actions; those may write and so register more, which run too. */
    private static void runBeforeCommit() {
        java.util.Map<String, Runnable> pending = BEFORE_COMMIT.get();
        java.util.Set<String> done = new java.util.HashSet<>();
        while (true) {
            java.util.Map.Entry<String, Runnable> next = null;
            for (java.util.Map.Entry<String, Runnable> entry : pending.entrySet()) {
                if (!done.contains(entry.getKey())) {
                    next = entry;
                    break;
                }
            }
            if (next == null) {
                return;
            }
            done.add(next.getKey());
            next.getValue().run();
        }
    }

    /**
     * A deadlock or lock wait given up: SQLSTATE 40P01 (PostgreSQL deadlock), 40001 (H2 deadlock,
     * serialization failure), 55P03 (PostgreSQL lock not available), HYT00 (H2 lock timeout).
     */
    static boolean isDeadlock(Throwable e) {
        return hasSqlState(e, java.util.Set.of("40P01", "40001", "55P03", "HYT00"), new java.util.HashSet<>());
    }

    static boolean isUniqueViolation(Throwable e) {
        return hasSqlState(e, java.util.Set.of("23505"), new java.util.HashSet<>());
    }

    /** Looks through causes and suppressed exceptions: a failure at commit can arrive as either. */
    private static boolean hasSqlState(Throwable e, java.util.Set<String> states, java.util.Set<Throwable> seen) {
        if (e == null || !seen.add(e)) {
            return false;
        }
        if (e instanceof java.sql.SQLException sql && states.contains(sql.getSQLState())) {
            return true;
        }
        if (states.contains("23505") && e instanceof org.hibernate.exception.ConstraintViolationException cve
                && cve.getKind() == org.hibernate.exception.ConstraintViolationException.ConstraintKind.UNIQUE) {
            return true;
        }
        for (Throwable suppressed : e.getSuppressed()) {
            if (hasSqlState(suppressed, states, seen)) {
                return true;
            }
        }
        return hasSqlState(e.getCause(), states, seen);
    }
}
