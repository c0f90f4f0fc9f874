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

    @Override
    public String toString() {
        return text.toString();
    }
}
