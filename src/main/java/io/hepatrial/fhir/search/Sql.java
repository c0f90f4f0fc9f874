package io.hepatrial.fhir.search;

import java.util.ArrayList;
import java.util.List;

/** SQL text with its positional parameters, built up piece by piece. */
final class Sql {

    final StringBuilder text = new StringBuilder();
    final List<Object> params = new ArrayList<>();

    Sql append(String part) {
        text.append(part);
        return this;
    }

    Sql param(Object value) {
        text.append('?');
        params.add(value);
        return this;
    }

    /** Appends {@code ?, ?, ?} for the values. */
    Sql params(List<?> values) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                text.append(", ");
            }
            param(values.get(i));
        }
        return this;
    }

    /**
     * Appends {@code 'a', 'b', 'c'}: the values as SQL string literals (quotes doubled), for the IN
     * lists of searches with many values. H2 probes an index for a literal IN list but checks a list
     * of parameters row by row; PostgreSQL treats both alike.
     */
    Sql literals(List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                text.append(", ");
            }
            text.append('\'').append(values.get(i).replace("'", "''")).append('\'');
        }
        return this;
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
