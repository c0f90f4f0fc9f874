package io.hepatrial.fhir.search;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ValueSet;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.validation.ResourceValidator;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The tokens ({@code system|code}) of a value set, for the token modifiers {@code :in} and
 * {@code :not-in} (search.html#token): the ValueSet stored here with that canonical URL, or else one
 * the server knows (R4's, the study's), expanded with the validator's terminology.
 */
@ApplicationScoped
public class ValueSetTokens {

    /** Codes one value set may bring into a search (they become an OR list of tokens). */
    static final int MAX_CODES = 1000;

    private final SearchEngine engine;
    private final SearchParameterRegistry registry;
    private final ResourceValidator terminology;
    private final FhirContext fhirContext;

    public ValueSetTokens(SearchEngine engine, SearchParameterRegistry registry, ResourceValidator terminology, FhirContext fhirContext) {
        this.engine = engine;
        this.registry = registry;
        this.terminology = terminology;
        this.fhirContext = fhirContext;
    }

    /** The tokens of every value set named (canonical URLs, optionally with |version), in order, without repeats. */
    List<String> tokens(String parameter, List<String> urls) {
        Set<String> tokens = new LinkedHashSet<>();
        for (String url : urls) {
            List<Coding> codes = terminology.expand(url, stored(url)).orElseThrow(() -> FhirException.badRequest(parameter
                    + ": the value set " + url + " is not known here or cannot be expanded offline"));
            for (Coding code : codes) {
                tokens.add((code.hasSystem() ? code.getSystem() : "") + "|" + code.getCode());
            }
        }
        if (tokens.isEmpty()) {
            throw FhirException.badRequest(parameter + ": the value set " + String.join(", ", urls) + " holds no codes");
        }
        if (tokens.size() > MAX_CODES) {
            throw FhirException.badRequest(parameter + ": the value set holds " + tokens.size() + " codes, more than the "
                    + MAX_CODES + " a search takes");
        }
        return new ArrayList<>(tokens);
    }

    /** The current ValueSet resource with that url (and version, if given), or null. */
    private ValueSet stored(String canonical) {
        int bar = canonical.indexOf('|');
        String url = bar < 0 ? canonical : canonical.substring(0, bar);
        List<Criterion> criteria = new ArrayList<>();
        criteria.add(new Criterion.Param(registry.get("ValueSet", "url"), null, List.of(url)));
        if (bar >= 0) {
            criteria.add(new Criterion.Param(registry.get("ValueSet", "version"), null, List.of(canonical.substring(bar + 1))));
        }
        SearchRequest request = new SearchRequest("ValueSet", criteria, List.of(), 2, SearchRequest.Total.NONE, SearchRequest.Summary.NONE,
                Set.of(), List.of(), List.of(), null, Map.of());
        var matches = engine.search(request, "").matches();
        if (matches.isEmpty()) {
            return null;
        }
        if (matches.size() > 1) {
            throw FhirException.badRequest("Several ValueSets have the url " + canonical + "; name the version (url|version)");
        }
        return (ValueSet) fhirContext.newJsonParser().parseResource(new String(matches.get(0).body(), StandardCharsets.UTF_8));
    }
}
