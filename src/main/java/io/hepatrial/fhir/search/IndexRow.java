package io.hepatrial.fhir.search;

import java.math.BigDecimal;
import java.time.Instant;

/** One value a resource yields for one search parameter: a row of the matching search_* table. */
public sealed interface IndexRow {

    String param();

    record Token(String param, String system, String code, String display) implements IndexRow {
    }

    record Text(String param, String normalized, String exact) implements IndexRow {
    }

    /** The range [low, high) the value's precision covers. */
    record DateRange(String param, Instant low, Instant high) implements IndexRow {
    }

    record Number(String param, BigDecimal value) implements IndexRow {
    }

    record Quantity(String param, BigDecimal value, String system, String code, BigDecimal canonicalValue,
            String canonicalCode) implements IndexRow {
    }

    /** A reference: type and id for a relative reference, the url for an absolute or canonical one. */
    record Reference(String param, String targetType, String targetId, String url) implements IndexRow {
    }

    record Uri(String param, String uri) implements IndexRow {
    }

    /** A composite value: a token and a second value (token, date, quantity or string) of one element. */
    record Composite(String param, Token first, IndexRow second) implements IndexRow {
    }
}
