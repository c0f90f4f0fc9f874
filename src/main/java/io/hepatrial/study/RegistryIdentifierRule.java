package io.hepatrial.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.Resource;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.store.WriteRule;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * A ResearchStudy's registry numbers: stored under the registry's canonical system and spelling,
 * refused (400) when they do not have the registry's format, and held by one study at a time (409).
 */
@ApplicationScoped
public class RegistryIdentifierRule implements WriteRule {

    @Override
    public boolean appliesTo(String resourceType) {
        return "ResearchStudy".equals(resourceType);
    }

    @Override
    public void prepare(Resource resource, List<OperationOutcomeIssueComponent> warnings) {
        List<Identifier> identifiers = ((ResearchStudy) resource).getIdentifier();
        for (int i = 0; i < identifiers.size(); i++) {
            Identifier identifier = identifiers.get(i);
            Optional<TrialRegistry> registry = TrialRegistry.bySystem(identifier.getSystem());
            if (registry.isEmpty()) {
                continue;
            }
            String value = identifier.getValue();
            String number = value == null ? null : registry.get().canonicalNumber(value).orElse(null);
            if (number == null) {
                throw FhirException.badRequest("ResearchStudy.identifier[" + i + "].value '" + value + "' is not a "
                        + registry.get().registryName() + " number: expected " + registry.get().format());
            }
            identifier.setSystem(registry.get().system());
            identifier.setValue(number);
        }
    }

    @Override
    public boolean declaresUniqueKeys() {
        return true;
    }

    @Override
    public List<UniqueKey> uniqueKeys(Resource resource) {
        List<UniqueKey> keys = new ArrayList<>();
        for (Identifier identifier : ((ResearchStudy) resource).getIdentifier()) {
            if (TrialRegistry.bySystem(identifier.getSystem()).isPresent()) {
                String token = identifier.getSystem() + "|" + identifier.getValue();
                keys.add(new UniqueKey("ResearchStudy.identifier|" + token, "the registry number " + token));
            }
        }
        return keys;
    }
}
