package io.hepatrial.study;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Optional;

import io.hepatrial.fhir.search.UcumUnits;
import jakarta.inject.Singleton;

/**
 * Converts a marker's value from the UCUM unit it was sent in to the unit the study computes with
 * (mg/dL bilirubin and creatinine, g/dL albumin, …), with the UCUM library. Substance
 * concentrations (µmol/L) become mass concentrations with the marker's published factor
 * (bilirubin ÷ 17.1, creatinine ÷ 88.4, both per mg/dL). Empty when the unit does not fit.
 */
@Singleton
public class StudyUnits {

    private final UcumUnits ucum;

    public StudyUnits(UcumUnits ucum) {
        this.ucum = ucum;
    }

    /**
     * @param micromolesPerMgDl µmol/L per mg/dL for markers sent as substance concentrations, or 0 when they cannot be
     */
    public Optional<Double> convert(BigDecimal value, String ucumCode, String target, double micromolesPerMgDl) {
        if (value == null) {
            return Optional.empty();
        }
        Optional<Double> direct = sameDimension(value, ucumCode, target);
        if (direct.isPresent() || micromolesPerMgDl <= 0) {
            return direct;
        }
        return sameDimension(value, ucumCode, "umol/L").flatMap(micromoles ->
                sameDimension(BigDecimal.valueOf(micromoles / micromolesPerMgDl), "mg/dL", target));
    }

    private Optional<Double> sameDimension(BigDecimal value, String from, String to) {
        if (from == null || from.equals(to)) {
            return from == null ? Optional.empty() : Optional.of(value.doubleValue());
        }
        UcumUnits.Canonical source = ucum.canonical(value, from);
        UcumUnits.Canonical unit = ucum.canonical(BigDecimal.ONE, to);
        if (source == null || unit == null || !source.code().equals(unit.code())) {
            return Optional.empty();
        }
        return Optional.of(source.value().divide(unit.value(), MathContext.DECIMAL64).doubleValue());
    }
}
