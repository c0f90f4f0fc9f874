package io.hepatrial.study;

import java.util.Optional;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.search.SearchParameterDefinition;
import io.hepatrial.fhir.search.TokenSearchNormalizer;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Lets every spelling of a registry number find the study: {@code identifier=nct01491165},
 * {@code identifier=http://www.clinicaltrials.gov/|NCT01491165} and the canonical form all search
 * for what {@link RegistryIdentifierRule} stored. Applies to every {@code identifier} parameter, so
 * chains ({@code ResearchSubject?study.identifier=…}) and conditional references resolve alike.
 */
@ApplicationScoped
public class RegistryNumberSearch implements TokenSearchNormalizer {

    @Override
    public Token normalize(SearchParameterDefinition param, Token token) {
        if (!"identifier".equals(param.name())) {
            return token;
        }
        if (token.system() == null) {
            // no system: a value in a registry's format is compared in its canonical spelling
            return TrialRegistry.byNumber(token.code())
                    .flatMap(registry -> registry.canonicalNumber(token.code()))
                    .map(number -> new Token(null, number))
                    .orElse(token);
        }
        Optional<TrialRegistry> registry = TrialRegistry.bySystem(token.system());
        if (registry.isEmpty()) {
            return token;
        }
        if (token.code().isEmpty()) {
            return new Token(registry.get().system(), "");
        }
        String number = registry.get().canonicalNumber(token.code()).orElseThrow(() -> FhirException.badRequest(
                param.name() + "=" + token.system() + "|" + token.code() + ": '" + token.code() + "' is not a "
                        + registry.get().registryName() + " number (expected " + registry.get().format() + ")"));
        return new Token(registry.get().system(), number);
    }
}
