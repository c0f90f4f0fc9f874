package io.hepatrial.fhir.search;

import java.util.Set;

import ca.uhn.fhir.fhirpath.IFhirPath.IParsedExpression;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;

/**
 * One search parameter of one resource type, as HAPI's R4 model defines it: its name, kind,
 * FHIRPath expression (narrowed to this type) and, for references, the types it may point to.
 *
 * @param expression null for the parameters answered from the resource table (_id, _lastUpdated)
 */
public record SearchParameterDefinition(String resourceType, String name, RestSearchParameterTypeEnum kind, String expression,
        IParsedExpression parsedExpression, Set<String> targets, String description, String uri) {

    /** Parameters answered from the resource table itself rather than from index rows. */
    public boolean isResourceColumn() {
        return expression == null;
    }
}
