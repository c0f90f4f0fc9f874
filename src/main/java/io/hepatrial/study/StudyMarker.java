package io.hepatrial.study;

import java.util.List;
import java.util.Optional;

/**
 * The findings the study follows and derives (docs/data-dictionary.md): the codes that identify
 * each, the unit the study computes and reports it in, and which direction is better.
 */
public enum StudyMarker {

    ALT("ALT (GPT)", "U/L", false, 0, loinc("1742-6")),
    AST("AST (GOT)", "U/L", false, 0, loinc("1920-8")),
    ALBUMIN("Albumin", "g/dL", true, 0, loinc("1751-7")),
    BILIRUBIN("Total bilirubin", "mg/dL", false, 17.1, loinc("1975-2"), loinc("14631-6")),
    INR("INR", "{INR}", false, 0, loinc("6301-6")),
    PLATELETS("Platelets", "10*3/uL", true, 0, loinc("777-3"), loinc("26515-7")),
    WBC("WBC", "10*3/uL", true, 0, loinc("6690-2"), loinc("26464-8")),
    RBC("RBC", "10*6/uL", true, 0, loinc("789-8"), loinc("26453-1")),
    HEMOGLOBIN("Hemoglobin", "g/dL", true, 0, loinc("718-7")),
    CREATININE("Creatinine", "mg/dL", false, 88.4, loinc("2160-0"), loinc("14682-9")),
    SODIUM("Sodium", "mmol/L", true, 0, loinc("2951-2")),
    ASCITES_VOLUME("Ascites volume", "mL", false, 0, local("ascites-volume")),
    ASCITES_GRADE("Ascites grade", null, false, 0, local("ascites-grade")),
    ENCEPHALOPATHY("Hepatic encephalopathy grade", null, false, 0, local("hepatic-encephalopathy-grade")),
    CHILD_PUGH("Child-Pugh score", "{score}", false, 0, local("child-pugh")),
    MELD("MELD", "{score}", false, 0, local("meld")),
    MELD_NA("MELD-Na", "{score}", false, 0, local("meld-na")),
    MELD_3("MELD 3.0", "{score}", false, 0, local("meld-3"));

    /** Observation statuses whose values the study uses (preliminary, cancelled and entered-in-error ones are left out). */
    public static final java.util.Set<String> USABLE_STATUSES = java.util.Set.of("final", "amended", "corrected");

    /** A system and code that identify the marker. */
    public record Code(String system, String code) {
        public String token() {
            return system + "|" + code;
        }
    }

    public final String label;
    /** UCUM code of the unit the study computes in; null for grades (valueInteger). */
    public final String unit;
    public final boolean higherIsBetter;
    /** µmol/L per mg/dL, for markers that may come as substance concentrations; 0 otherwise. */
    public final double micromolesPerMgDl;
    public final List<Code> codes;

    StudyMarker(String label, String unit, boolean higherIsBetter, double micromolesPerMgDl, Code... codes) {
        this.label = label;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
        this.micromolesPerMgDl = micromolesPerMgDl;
        this.codes = List.of(codes);
    }

    public Code code() {
        return codes.get(0);
    }

    public static Optional<StudyMarker> of(String system, String code) {
        for (StudyMarker marker : values()) {
            for (Code c : marker.codes) {
                if (c.system().equals(system) && c.code().equals(code)) {
                    return Optional.of(marker);
                }
            }
        }
        return Optional.empty();
    }

    /** The marker's codes as one token search value (comma = OR). */
    public static String tokens(List<StudyMarker> markers) {
        StringBuilder tokens = new StringBuilder();
        for (StudyMarker marker : markers) {
            for (Code code : marker.codes) {
                tokens.append(tokens.length() == 0 ? "" : ",").append(code.token());
            }
        }
        return tokens.toString();
    }

    private static Code loinc(String code) {
        return new Code(StudyCodes.LOINC, code);
    }

    private static Code local(String code) {
        return new Code(StudyCodes.STUDY_CODES, code);
    }
}
