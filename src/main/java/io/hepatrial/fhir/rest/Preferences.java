package io.hepatrial.fhir.rest;

import java.util.List;
import java.util.Locale;

/** What the client asked for in its Prefer headers (RFC 7240), as far as FHIR defines it. */
record Preferences(Return returnPreference) {

    /** Prefer: return=… (http.html#ops): the body of a successful write. */
    enum Return { MINIMAL, REPRESENTATION, OPERATION_OUTCOME }

    static Preferences of(List<String> preferHeaders) {
        Return ret = Return.REPRESENTATION;
        if (preferHeaders != null) {
            for (String header : preferHeaders) {
                for (String token : header.split("[,;]")) {
                    String t = token.trim().toLowerCase(Locale.ROOT).replace("\"", "");
                    switch (t) {
                        case "return=minimal" -> ret = Return.MINIMAL;
                        case "return=representation" -> ret = Return.REPRESENTATION;
                        case "return=operationoutcome" -> ret = Return.OPERATION_OUTCOME;
                        default -> { }
                    }
                }
            }
        }
        return new Preferences(ret);
    }
}
