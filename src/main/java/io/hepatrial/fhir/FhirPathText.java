package io.hepatrial.fhir;

import java.util.ArrayList;
import java.util.List;

/** Text-level helpers for FHIRPath expressions (what HAPI's parsed expressions do not expose). */
public final class FhirPathText {

    private FhirPathText() {
    }

    /**
     * Splits an expression on a separator that stands outside parentheses, brackets and quoted
     * strings: on '|' for the parts of a union, on '.' for the steps of a path.
     */
    public static List<String> splitTopLevel(String expression, char separator) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < expression.length(); i++) {
            char c = expression.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && (c == '(' || c == '[')) {
                depth++;
            } else if (!quoted && (c == ')' || c == ']')) {
                depth--;
            } else if (!quoted && depth == 0 && c == separator) {
                parts.add(expression.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(expression.substring(start));
        return parts;
    }
}
