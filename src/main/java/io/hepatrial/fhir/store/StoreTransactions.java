package io.hepatrial.fhir.store;

import java.util.concurrent.Callable;

import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

import io.hepatrial.fhir.FhirException;
import io.quarkus.narayana.jta.QuarkusTransaction;

/**
 * Transactions of the store. Work joins the caller's transaction if there is one (so a FHIR
 * transaction Bundle is one database transaction); otherwise it runs in a new one that is retried
 * when it lost a race on a unique key (the same new resource id, the same conditional create):
 * the retry then sees the winner's committed row and acts on it.
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
                return QuarkusTransaction.requiringNew().call(work);
            } catch (RuntimeException e) {
                if (!isUniqueViolation(e)) {
                    throw e;
                }
                if (attempt >= MAX_ATTEMPTS) {
                    throw new FhirException(409, IssueType.CONFLICT, "The write conflicts with other writes of the same resource"
                            + " or conditional-create criteria (for instance an ifNoneExist that the created resource itself does not"
                            + " match); nothing was stored", java.util.Map.of(), e);
                }
            }
        }
    }

    static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "23505".equals(sql.getSQLState())) {
                return true;
            }
            if (t instanceof org.hibernate.exception.ConstraintViolationException cve
                    && cve.getKind() == org.hibernate.exception.ConstraintViolationException.ConstraintKind.UNIQUE) {
                return true;
            }
        }
        return false;
    }
}
