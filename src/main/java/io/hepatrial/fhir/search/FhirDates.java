package io.hepatrial.fhir.search;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The instant range a FHIR date, dateTime or instant covers at its precision (search.html#date):
 * {@code 2020} is all of 2020, {@code 2020-03-04T10:00Z} that minute. Values without a time zone
 * are read as UTC.
 */
public final class FhirDates {

    /** Stand-ins for an open end (a Period without start or end), within what both databases store. */
    public static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");
    public static final Instant MAX = Instant.parse("9999-12-31T23:59:59Z");

    private static final Pattern DATE = Pattern.compile(
            "(\\d{4})(?:-(\\d{2})(?:-(\\d{2})(?:T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?(Z|[+-]\\d{2}:\\d{2})?)?)?)?");

    public record Range(Instant low, Instant high) {
    }

    private FhirDates() {
    }

    /** The range of a FHIR date/dateTime/instant string, or null if it is not one. */
    public static Range range(String value) {
        if (value == null) {
            return null;
        }
        Matcher m = DATE.matcher(value.trim());
        if (!m.matches()) {
            return null;
        }
        try {
            int year = Integer.parseInt(m.group(1));
            if (m.group(2) == null) {
                LocalDate start = LocalDate.of(year, 1, 1);
                return new Range(at(start), at(start.plusYears(1)));
            }
            int month = Integer.parseInt(m.group(2));
            if (m.group(3) == null) {
                LocalDate start = LocalDate.of(year, month, 1);
                return new Range(at(start), at(start.plusMonths(1)));
            }
            LocalDate day = LocalDate.of(year, month, Integer.parseInt(m.group(3)));
            if (m.group(4) == null) {
                return new Range(at(day), at(day.plusDays(1)));
            }
            ZoneOffset zone = m.group(8) == null || m.group(8).equals("Z") ? ZoneOffset.UTC : ZoneOffset.of(m.group(8));
            LocalDateTime minute = day.atTime(Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)));
            if (m.group(6) == null) {
                Instant low = minute.toInstant(zone);
                return new Range(low, low.plusSeconds(60));
            }
            Instant second = minute.plusSeconds(Integer.parseInt(m.group(6))).toInstant(zone);
            if (m.group(7) == null) {
                return new Range(second, second.plusSeconds(1));
            }
            String fraction = m.group(7);
            long nanos = Long.parseLong((fraction + "000000000").substring(0, 9));
            long step = (long) Math.pow(10, 9 - fraction.length());
            Instant low = second.plusNanos(nanos);
            return new Range(low, low.plusNanos(step));
        } catch (java.time.DateTimeException | NumberFormatException e) {
            return null;
        }
    }

    private static Instant at(LocalDate date) {
        return date.atStartOfDay().toInstant(ZoneOffset.UTC);
    }
}
