package io.hepatrial.fhir.rest;

import java.util.LinkedHashSet;
import java.util.Set;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.search.SearchRequest.Summary;

/**
 * What {@code _summary} and {@code _elements} ask of a read or vread (search.html#summary, #elements):
 * the whole resource, or the part to encode. The same on the plain endpoints and in Bundle GET entries.
 */
public record Subsetting(Summary summary, Set<String> elements) {

    /** From the parameters' values (null when absent); 400 for an unknown _summary, or count, which only a search answers. */
    public static Subsetting of(String summaryValue, String elementsValue) {
        Summary summary = summaryValue == null ? Summary.NONE : Summary.of(summaryValue);
        if (summary == Summary.COUNT) {
            throw FhirException.badRequest("_summary=count counts the matches of a search; a read takes true, text, data or false");
        }
        Set<String> elements = new LinkedHashSet<>();
        if (elementsValue != null) {
            for (String element : elementsValue.split(",")) {
                if (!element.isBlank()) {
                    elements.add(element.trim());
                }
            }
        }
        return new Subsetting(summary, elements);
    }

    public boolean whole() {
        return summary == Summary.NONE && elements.isEmpty();
    }
}
