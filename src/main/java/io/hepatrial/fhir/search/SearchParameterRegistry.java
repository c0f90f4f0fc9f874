package io.hepatrial.fhir.search;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.fhirpath.IFhirPath;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import io.hepatrial.fhir.SupportedResourceTypes;
import jakarta.inject.Singleton;

/**
 * The search parameters of every supported resource type, taken from HAPI's R4 definitions: the
 * one registry that indexing, query parsing, the CapabilityStatement and the OpenAPI document share.
 * Composite parameters are not yet indexed and so are not offered.
 */
@Singleton
public class SearchParameterRegistry {

    /** Kinds this server indexes and searches. */
    private static final Set<RestSearchParameterTypeEnum> SUPPORTED_KINDS = Set.of(RestSearchParameterTypeEnum.TOKEN,
            RestSearchParameterTypeEnum.STRING, RestSearchParameterTypeEnum.DATE, RestSearchParameterTypeEnum.NUMBER,
            RestSearchParameterTypeEnum.QUANTITY, RestSearchParameterTypeEnum.REFERENCE, RestSearchParameterTypeEnum.URI);

    /** Answered from the resource table's own columns; no index rows are written for them. */
    static final Set<String> RESOURCE_COLUMNS = Set.of("_id", "_lastUpdated");

    private final Map<String, Map<String, SearchParameterDefinition>> byType = new LinkedHashMap<>();

    public SearchParameterRegistry(FhirContext fhirContext, SupportedResourceTypes types) {
        IFhirPath fhirPath = fhirContext.newFhirPath();
        for (String type : types.all()) {
            Map<String, SearchParameterDefinition> params = new LinkedHashMap<>();
            for (RuntimeSearchParam param : fhirContext.getResourceDefinition(type).getSearchParams()) {
                if (!SUPPORTED_KINDS.contains(param.getParamType())) {
                    continue;
                }
                String expression = RESOURCE_COLUMNS.contains(param.getName()) ? null : expressionFor(type, param.getPath());
                if (expression == null && !RESOURCE_COLUMNS.contains(param.getName())) {
                    continue;
                }
                params.put(param.getName(), new SearchParameterDefinition(type, param.getName(), param.getParamType(),
                        expression, expression == null ? null : parse(fhirPath, expression),
                        Set.copyOf(param.getTargets()), param.getDescription(), param.getUri()));
            }
            byType.put(type, Collections.unmodifiableMap(params));
        }
    }

    private static IFhirPath.IParsedExpression parse(IFhirPath fhirPath, String expression) {
        try {
            return fhirPath.parse(expression);
        } catch (Exception e) {
            throw new IllegalStateException("HAPI's search parameter expression does not parse: " + expression, e);
        }
    }

    /** The parameter, or null when the type has no such (supported) parameter. */
    public SearchParameterDefinition get(String type, String name) {
        Map<String, SearchParameterDefinition> params = byType.get(type);
        return params == null ? null : params.get(name);
    }

    public Collection<SearchParameterDefinition> forType(String type) {
        return byType.getOrDefault(type, Map.of()).values();
    }

    /** The parameters that index rows are extracted for. */
    public List<SearchParameterDefinition> indexed(String type) {
        List<SearchParameterDefinition> result = new ArrayList<>();
        for (SearchParameterDefinition param : forType(type)) {
            if (!param.isResourceColumn()) {
                result.add(param);
            }
        }
        return result;
    }

    /**
     * The parts of a (possibly multi-type) expression that apply to this type: R4 joins the paths of
     * shared parameters with '|', e.g. "Condition.subject | Observation.subject".
     */
    static String expressionFor(String type, String path) {
        if (path == null || path.isBlank()) {
            return null;
        }
        List<String> kept = new ArrayList<>();
        for (String part : splitUnion(path)) {
            String p = part.trim();
            String root = p.replaceFirst("^\\(+", "");
            if (root.startsWith(type + ".") || root.startsWith("Resource.") || root.startsWith("DomainResource.")
                    || root.equals(type)) {
                kept.add(p);
            }
        }
        return kept.isEmpty() ? null : String.join(" | ", kept);
    }

    /** Splits on '|' outside parentheses and quotes. */
    private static List<String> splitUnion(String path) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\'') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && c == '|') {
                parts.add(path.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(path.substring(start));
        return parts;
    }
}
