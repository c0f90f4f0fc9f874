package io.hepatrial.fhir.search;

import java.util.Set;

import ca.uhn.fhir.fhirpath.IFhirPath.IParsedExpression;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;

/**
 * One search parameter of one resource type, as HAPI's R4 model defines it: its name, kind,
 * FHIRPath expression (narrowed to this type) and, for references, the types it may point to.
 * The expression is kept parsed as the parts of its top-level union ('|'), evaluated one by one:
 * FHIRPath's union removes duplicates by comparing values, and comparing quantities needs a UCUM
 * service HAPI's FHIRPath engine does not have (it throws).
 *
 * @param expression null for the parameters answered from the resource table (_id, _lastUpdated)
 * @param storedAs null, or whose index rows answer this one: a parameter whose expression is the
 *        union of other parameters' expressions (Observation combo-code is code | component-code), the
 *        same as another's (ResearchSubject patient and individual), or another reference parameter's
 *        limited to one target type (Observation patient is subject.where(resolve() is Patient))
 *        gets no rows of its own, and is searched through theirs
 */
public record SearchParameterDefinition(String resourceType, String name, RestSearchParameterTypeEnum kind, String expression,
        java.util.List<IParsedExpression> expressionParts, Set<String> targets, String description, String uri, Composite composite,
        StoredAs storedAs) {

    /** The parameters whose rows answer one that has none of its own; only their references to {@code targetType}, when set. */
    public record StoredAs(java.util.List<String> params, String targetType) {
    }

    SearchParameterDefinition(String resourceType, String name, RestSearchParameterTypeEnum kind, String expression,
            java.util.List<IParsedExpression> expressionParts, Set<String> targets, String description, String uri, Composite composite) {
        this(resourceType, name, kind, expression, expressionParts, targets, description, uri, composite, null);
    }

    /** The same parameter, answered by the index rows of others. */
    SearchParameterDefinition storedAs(java.util.List<String> names, String targetType) {
        return new SearchParameterDefinition(resourceType, name, kind, expression, expressionParts, targets, description, uri, composite,
                new StoredAs(java.util.List.copyOf(names), targetType));
    }

    /** The only target type whose references among those rows count (Observation patient: Patient), or null for all. */
    public String onlyReferencesTo() {
        return storedAs == null ? null : storedAs.targetType();
    }

    /** The parameter names its index rows are stored under: its own, or those of {@link #storedAs()}. */
    public java.util.List<String> rowNames() {
        return storedAs == null ? java.util.List.of(name) : storedAs.params();
    }

    /**
     * A composite parameter (e.g. Observation code-value-quantity): a token and a second value taken
     * from the same element. HAPI's R4 model gives no component expressions, so they are derived
     * from the component parameters' paths relative to each base element.
     */
    public record Composite(SearchParameterDefinition first, SearchParameterDefinition second, java.util.List<Base> bases) {
    }

    /** One base element expression with the two component expressions relative to it. */
    public record Base(IParsedExpression base, java.util.List<IParsedExpression> first, java.util.List<IParsedExpression> second) {
    }

    /** Parameters answered from the resource table itself rather than from index rows. */
    public boolean isResourceColumn() {
        return expression == null;
    }
}
