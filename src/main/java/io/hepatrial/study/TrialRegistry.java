package io.hepatrial.study;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two trial registries the study is registered with: the identifier system each one's numbers
 * are stored under, the spellings of that system clients send, and the format of its numbers
 * (docs/trial-identifiers.md has the sources).
 */
public enum TrialRegistry {

    /** HL7 NamingSystem ClinicalTrials-Gov: preferred URI (v2), the retired v1 URI and the OID. */
    CLINICALTRIALS_GOV("https://clinicaltrials.gov/nctid", "ClinicalTrials.gov",
            Set.of("clinicaltrials.gov", "clinicaltrials.gov/nctid", "urn:oid:2.16.840.1.113883.3.1077"),
            "NCT followed by 8 digits, e.g. NCT01491165") {
        private static final Pattern NUMBER = Pattern.compile("(?i)NCT(\\d{8})");

        @Override
        public Optional<String> canonicalNumber(String value) {
            Matcher m = NUMBER.matcher(value.trim());
            return m.matches() ? Optional.of("NCT" + m.group(1)) : Optional.empty();
        }
    },

    /** No HL7-registered system exists; ours is the registry's own web address (served as a NamingSystem). */
    CHICTR("https://www.chictr.org.cn", "Chinese Clinical Trial Registry (ChiCTR)", Set.of("chictr.org.cn"),
            "ChiCTR-[2 to 5 letters]-[8 digits] (e.g. ChiCTR-TNRC-11001488) or ChiCTR[10 digits] (e.g. ChiCTR2000029308)") {
        private static final Pattern OLD = Pattern.compile("(?i)ChiCTR-([A-Z]{2,5})-(\\d{8})");
        private static final Pattern NEW = Pattern.compile("(?i)ChiCTR(\\d{10})");

        @Override
        public Optional<String> canonicalNumber(String value) {
            Matcher old = OLD.matcher(value.trim());
            if (old.matches()) {
                return Optional.of("ChiCTR-" + old.group(1).toUpperCase(Locale.ROOT) + "-" + old.group(2));
            }
            Matcher current = NEW.matcher(value.trim());
            return current.matches() ? Optional.of("ChiCTR" + current.group(1)) : Optional.empty();
        }
    };

    private final String system;
    private final String registryName;
    /** The system's spellings after {@link #simplify}: no scheme, no "www.", no trailing slash, lower case. */
    private final Set<String> spellings;
    private final String format;

    TrialRegistry(String system, String registryName, Set<String> spellings, String format) {
        this.system = system;
        this.registryName = registryName;
        this.spellings = spellings;
        this.format = format;
    }

    /** The number in this registry's canonical spelling, or empty when it is not one of its numbers. */
    public abstract Optional<String> canonicalNumber(String value);

    /** The identifier system numbers of this registry are stored under. */
    public String system() {
        return system;
    }

    public String registryName() {
        return registryName;
    }

    /** The format of a number, in words, for error messages. */
    public String format() {
        return format;
    }

    /** The registry whose system this is, in any of the spellings clients use. */
    public static Optional<TrialRegistry> bySystem(String system) {
        if (system == null || system.isBlank()) {
            return Optional.empty();
        }
        String simple = simplify(system);
        for (TrialRegistry registry : values()) {
            if (registry.spellings.contains(simple)) {
                return Optional.of(registry);
            }
        }
        return Optional.empty();
    }

    /** The registry whose number format this value has (case aside). */
    public static Optional<TrialRegistry> byNumber(String value) {
        for (TrialRegistry registry : values()) {
            if (registry.canonicalNumber(value).isPresent()) {
                return Optional.of(registry);
            }
        }
        return Optional.empty();
    }

    /** http or https, with or without "www.", with or without a trailing slash, any case: one spelling. */
    static String simplify(String system) {
        String s = system.trim().toLowerCase(Locale.ROOT);
        if (s.startsWith("urn:")) {
            return s;
        }
        s = s.replaceFirst("^https?://", "").replaceFirst("^www\\.", "");
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
