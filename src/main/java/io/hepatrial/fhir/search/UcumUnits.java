package io.hepatrial.fhir.search;

import java.io.InputStream;
import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.fhir.ucum.Decimal;
import org.fhir.ucum.Pair;
import org.fhir.ucum.UcumEssenceService;
import org.fhir.ucum.UcumService;

import jakarta.inject.Singleton;

/**
 * Canonical UCUM units (the UCUM library's essence file), so that quantities written in different
 * units of one dimension compare: 3.6 g/dL and 36 g/L have the same canonical value.
 */
@Singleton
public class UcumUnits {

    public static final String UCUM_SYSTEM = "http://unitsofmeasure.org";

    public record Canonical(BigDecimal value, String code) {
    }

    private final UcumService ucum;

    public UcumUnits() {
        try (InputStream essence = UcumEssenceService.class.getResourceAsStream("/ucum-essence.xml")) {
            ucum = new UcumEssenceService(essence);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot load the UCUM essence file", e);
        }
    }

    /** How a unit converts to its canonical form: value × factor (+ offset, for units such as Cel). */
    private record Conversion(BigDecimal factor, BigDecimal offset, String code) {
    }

    /** The UCUM library computes with decimal strings and is slow: conversions are cached per unit. */
    private static final int MAX_CACHED_UNITS = 10_000;
    private final Map<String, Optional<Conversion>> conversions = new ConcurrentHashMap<>();

    /** The value in canonical units, or null when the code is not a valid UCUM unit. */
    public Canonical canonical(BigDecimal value, String code) {
        if (value == null || code == null || code.isBlank()) {
            return null;
        }
        // units come from clients: past a bound, new ones are converted but not remembered
        Optional<Conversion> conversion = conversions.size() < MAX_CACHED_UNITS ? conversions.computeIfAbsent(code, this::conversion)
                : conversions.containsKey(code) ? conversions.get(code) : conversion(code);
        return conversion.map(c -> new Canonical(value.multiply(c.factor()).add(c.offset()).stripTrailingZeros(), c.code()))
                .orElse(null);
    }

    private Optional<Conversion> conversion(String code) {
        Canonical zero = convert(BigDecimal.ZERO, code);
        Canonical one = convert(BigDecimal.ONE, code);
        if (zero == null || one == null || !zero.code().equals(one.code())) {
            return Optional.empty();
        }
        return Optional.of(new Conversion(one.value().subtract(zero.value()), zero.value(), one.code()));
    }

    private Canonical convert(BigDecimal value, String code) {
        try {
            Pair canonical = ucum.getCanonicalForm(new Pair(new Decimal(value.toPlainString()), code));
            if (canonical == null || canonical.getValue() == null) {
                return null;
            }
            return new Canonical(new BigDecimal(canonical.getValue().asDecimal()), canonical.getCode());
        } catch (Exception e) {
            return null;
        }
    }
}
