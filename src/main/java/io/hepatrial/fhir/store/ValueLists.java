package io.hepatrial.fhir.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;

/**
 * A column matched against a long list of values (pids, patient ids), written the way each database
 * reads it fast: PostgreSQL takes the whole list as one array parameter ({@code = any(?)}, hashed);
 * H2 probes an index only for a literal IN list, so it gets literals, in chunks of {@link #H2_CHUNK}.
 */
public final class ValueLists {

    /** Values per literal IN list on H2. */
    public static final int H2_CHUNK = 1000;

    private ValueLists() {
    }

    public static boolean isPostgres(Connection connection) throws SQLException {
        return connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
    }

    /** How many values one statement takes. */
    public static int chunkSize(boolean postgres) {
        return postgres ? Integer.MAX_VALUE : H2_CHUNK;
    }

    /** Appends the match of the column just written: " = any(?)" (bind with {@link #bind}) or " in (literals)". */
    public static void appendIn(StringBuilder sql, List<?> values, boolean postgres) {
        if (postgres) {
            sql.append(" = any(?)");
            return;
        }
        sql.append(" in (");
        for (int n = 0; n < values.size(); n++) {
            Object value = values.get(n);
            sql.append(n == 0 ? "" : ",");
            if (value instanceof Number number) {
                sql.append(number.longValue());
            } else {
                sql.append('\'').append(value.toString().replace("'", "''")).append('\'');
            }
        }
        sql.append(')');
    }

    /** Binds the array parameter {@link #appendIn} wrote (nothing to bind on H2). */
    public static void bind(PreparedStatement statement, int index, List<?> values, boolean postgres, String sqlType) throws SQLException {
        if (postgres) {
            statement.setArray(index, statement.getConnection().createArrayOf(sqlType, values.toArray()));
        }
    }
}
