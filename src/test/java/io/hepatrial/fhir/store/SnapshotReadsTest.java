package io.hepatrial.fhir.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.sql.Connection;

import org.hibernate.Session;
import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A search reads one snapshot ({@link StoreTransactions#readingOneSnapshot}); the writes that run
 * on the same pooled connection afterwards must be back at READ COMMITTED, or two writers could
 * fail each other with serialization errors. (The search's own consistency under concurrent
 * updates is tested over HTTP in SearchResultShapeTest.)
 */
@QuarkusTest
class SnapshotReadsTest {

    @Inject
    Session session;

    @Test
    void aSnapshotReadLeavesTheConnectionAtReadCommitted() throws Exception {
        for (int i = 0; i < 5; i++) {
            int during = StoreTransactions.readingOneSnapshot(session, () -> session.doReturningWork(Connection::getTransactionIsolation));
            boolean postgres = QuarkusTransaction.requiringNew().call(() -> session.doReturningWork(ValueLists::isPostgres));
            assertEquals(postgres ? Connection.TRANSACTION_REPEATABLE_READ : org.h2.engine.Constants.TRANSACTION_SNAPSHOT, during);
            int after = QuarkusTransaction.requiringNew().call(() -> session.doReturningWork(Connection::getTransactionIsolation));
            assertEquals(Connection.TRANSACTION_READ_COMMITTED, after, "a later transaction's level");
        }
    }

    @Test
    void insideATransactionItJoinsItsLevel() {
        int level = QuarkusTransaction.requiringNew().call(() -> StoreTransactions.readingOneSnapshot(session,
                () -> session.doReturningWork(Connection::getTransactionIsolation)));
        assertEquals(Connection.TRANSACTION_READ_COMMITTED, level, "a Bundle's search reads what the Bundle wrote");
    }
}
