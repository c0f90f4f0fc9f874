package io.hepatrial.fhir.rest;

import java.util.List;
import java.util.Locale;

/**
 * What the client asked for in its Prefer headers (RFC 7240), as far as FHIR defines it: the body
 * of a successful write (http.html#ops) and the handling of unknown search parameters (search.html#errors).
 */
record Preferences(Return returnPreference, boolean strictHandling) {

    enum Return { MINIMAL, REPRESENTATION, OPERATION_OUTCOME }

    static Preferences of(List<String> preferHeaders) {
        Return ret = Return.REPRESENTATION;
        boolean strict = false;
        if (preferHeaders != null) {
            for (String header : preferHeaders) {
                for (String token : header.split("[,;]")) {
                    String t = token.trim().toLowerCase(Locale.ROOT).replace("\"", "");
                    switch (t) {
                        case "return=minimal" -> ret = Return.MINIMAL;
                        case "return=representation" -> ret = Return.REPRESENTATION;
                        case "return=operationoutcome" -> ret = Return.OPERATION_OUTCOME;
                        case "handling=strict" -> strict = true;
                        case "handling=lenient" -> strict = false;
                        default -> { }
                    }
                }
            }
        }
        return new Preferences(ret, strict);
    }
}
