package io.hepatrial.fhir.search;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.List;

import org.hibernate.Session;

import io.hepatrial.fhir.store.BatchedInserts;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Replaces a resource's index rows in the current transaction: all rows of the old version go,
 * the new version's rows come (none for a deletion), queued with the transaction's other rows and
 * sent in one batch per table ({@link BatchedInserts}).
 */
@ApplicationScoped
public class IndexWriter {

    static final String[] TABLES = {"search_token", "search_string", "search_date", "search_number", "search_quantity",
        "search_reference", "search_uri", "search_composite"};
    /** The scale of decimal columns: values are rounded to it the same way when written and compared. */
    public static final int SCALE = 20;
    /** Digits before the point a decimal(65, 20) index column holds. */
    public static final int MAX_INTEGER_DIGITS = 45;
    /** Decimal places beyond which a number is refused, not rounded: rounding 1e-999999999 costs as many digits. */
    public static final int MAX_SCALE = 1000;

    private final Session session;
    private final BatchedInserts inserts;

    public IndexWriter(Session session, BatchedInserts inserts) {
        this.session = session;
        this.inserts = inserts;
    }

    public void replace(long pid, String type, List<IndexRow> rows, boolean hadRows) {
        if (hadRows) {
            inserts.withdraw(pid);
            session.doWork(connection -> {
                try (Statement delete = connection.createStatement()) {
                    for (String table : TABLES) {
                        delete.addBatch("delete from " + table + " where resource_pid = " + pid);
                    }
                    delete.executeBatch();
                }
            });
        }
        for (IndexRow row : rows) {
            insert(pid, type, row);
        }
    }

    private static final String INSERT_TOKEN =
            "insert into search_token (resource_pid, res_type, param, system, code, display) values (?, ?, ?, ?, ?, ?)";
    private static final String INSERT_STRING =
            "insert into search_string (resource_pid, res_type, param, value_normalized, value_exact) values (?, ?, ?, ?, ?)";
    private static final String INSERT_DATE =
            "insert into search_date (resource_pid, res_type, param, low_value, high_value) values (?, ?, ?, ?, ?)";
    private static final String INSERT_NUMBER =
            "insert into search_number (resource_pid, res_type, param, value_number) values (?, ?, ?, ?)";
    private static final String INSERT_QUANTITY = "insert into search_quantity (resource_pid, res_type, param, value_number,"
            + " system, code, canonical_value, canonical_code) values (?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_REFERENCE = "insert into search_reference (resource_pid, res_type, param, target_type,"
            + " target_id, target_url) values (?, ?, ?, ?, ?, ?)";
    private static final String INSERT_COMPOSITE = "insert into search_composite (resource_pid, res_type, param, c1_system,"
            + " c1_code, system, code, display, value_number, canonical_value, canonical_code, low_value, high_value,"
            + " value_normalized, value_exact) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final String INSERT_URI = "insert into search_uri (resource_pid, res_type, param, uri) values (?, ?, ?, ?)";

    /** Queues the row's insert into its kind's table (sent with the transaction's other rows, {@link BatchedInserts}). */
    private void insert(long pid, String type, IndexRow row) {
        if (row instanceof IndexRow.Token t) {
            inserts.add(INSERT_TOKEN, pid, statement -> {
                start(statement, pid, type, t.param());
                setString(statement, 4, t.system());
                setString(statement, 5, t.code());
                setString(statement, 6, t.display());
            });
        } else if (row instanceof IndexRow.Text s) {
            inserts.add(INSERT_STRING, pid, statement -> {
                start(statement, pid, type, s.param());
                statement.setString(4, s.normalized());
                statement.setString(5, s.exact());
            });
        } else if (row instanceof IndexRow.DateRange d) {
            inserts.add(INSERT_DATE, pid, statement -> {
                start(statement, pid, type, d.param());
                statement.setObject(4, utc(d.low()));
                statement.setObject(5, utc(d.high()));
            });
        } else if (row instanceof IndexRow.Number n) {
            inserts.add(INSERT_NUMBER, pid, statement -> {
                start(statement, pid, type, n.param());
                statement.setBigDecimal(4, scaled(n.value()));
            });
        } else if (row instanceof IndexRow.Quantity q) {
            inserts.add(INSERT_QUANTITY, pid, statement -> {
                start(statement, pid, type, q.param());
                statement.setBigDecimal(4, scaled(q.value()));
                setString(statement, 5, q.system());
                setString(statement, 6, q.code());
                if (q.canonicalValue() == null) {
                    statement.setNull(7, Types.DECIMAL);
                } else {
                    statement.setBigDecimal(7, scaled(q.canonicalValue()));
                }
                setString(statement, 8, q.canonicalCode());
            });
        } else if (row instanceof IndexRow.Reference r) {
            inserts.add(INSERT_REFERENCE, pid, statement -> {
                start(statement, pid, type, r.param());
                setString(statement, 4, r.targetType());
                // an absolute reference's URL stands in target_id too: one index answers searches by either (V7)
                setString(statement, 5, r.targetId() != null ? r.targetId() : r.url());
                setString(statement, 6, r.url());
            });
        } else if (row instanceof IndexRow.Composite c) {
            inserts.add(INSERT_COMPOSITE, pid, statement -> {
                start(statement, pid, type, c.param());
                composite(statement, c);
            });
        } else {
            IndexRow.Uri u = (IndexRow.Uri) row;
            inserts.add(INSERT_URI, pid, statement -> {
                start(statement, pid, type, u.param());
                statement.setString(4, u.uri());
            });
        }
    }

    /** The first component in c1_*, the second in the columns its kind uses in its own table (others null). */
    private static void composite(PreparedStatement statement, IndexRow.Composite row) throws SQLException {
        setString(statement, 4, row.first().system());
        setString(statement, 5, row.first().code());
        for (int i = 6; i <= 15; i++) {
            statement.setNull(i, i >= 9 && i <= 10 ? Types.DECIMAL : i >= 12 && i <= 13 ? Types.TIMESTAMP_WITH_TIMEZONE : Types.VARCHAR);
        }
        IndexRow second = row.second();
        if (second instanceof IndexRow.Token t) {
            setString(statement, 6, t.system());
            setString(statement, 7, t.code());
            setString(statement, 8, t.display());
        } else if (second instanceof IndexRow.Quantity q) {
            setString(statement, 6, q.system());
            setString(statement, 7, q.code());
            statement.setBigDecimal(9, scaled(q.value()));
            if (q.canonicalValue() != null) {
                statement.setBigDecimal(10, scaled(q.canonicalValue()));
            }
            setString(statement, 11, q.canonicalCode());
        } else if (second instanceof IndexRow.DateRange d) {
            statement.setObject(12, utc(d.low()));
            statement.setObject(13, utc(d.high()));
        } else if (second instanceof IndexRow.Text s) {
            statement.setString(14, s.normalized());
            statement.setString(15, s.exact());
        }
    }

    private static PreparedStatement start(PreparedStatement statement, long pid, String type, String param) throws SQLException {
        statement.setLong(1, pid);
        statement.setString(2, type);
        statement.setString(3, param);
        return statement;
    }

    private static void setString(PreparedStatement statement, int index, String value) throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.VARCHAR);
        } else {
            statement.setString(index, value);
        }
    }

    /** Instants go to the database as UTC offsets, never through the JVM's time zone. */
    public static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** Whether the number fits the index columns (and can be rounded to them cheaply). */
    public static boolean fitsIndex(BigDecimal value) {
        return (long) value.precision() - value.scale() <= MAX_INTEGER_DIGITS && value.scale() <= MAX_SCALE;
    }

    public static BigDecimal scaled(BigDecimal value) {
        return value == null ? null : value.setScale(SCALE, RoundingMode.HALF_UP);
    }
}
