package io.hepatrial.fhir.search;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.SearchParameter;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.fhirpath.IFhirPath;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import io.hepatrial.fhir.FhirPathText;
import io.hepatrial.fhir.SupportedResourceTypes;
import jakarta.inject.Singleton;

/**
 * The search parameters of every supported resource type, taken from HAPI's R4 definitions: the
 * one registry that indexing, query parsing, the CapabilityStatement and the OpenAPI document share.
 * Composite parameters are offered where they pair a token with a token, date, quantity or string.
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
    /** One parsed expression per distinct text, so the extractor can reuse a value it evaluated already. */
    private static final Map<String, IFhirPath.IParsedExpression> PARSED = new java.util.concurrent.ConcurrentHashMap<>();
    /** Those of the parsed expressions that are simple paths (a parsed expression is its own key: it keeps Object's equals). */
    private static final Map<IFhirPath.IParsedExpression, SimplePath> SIMPLE = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, List<SearchParameterDefinition>> indexed = new LinkedHashMap<>();

    public SearchParameterRegistry(FhirContext fhirContext, SupportedResourceTypes types,
            @ConfigProperty(name = "hepatrial.search.custom-parameters") Optional<List<String>> customParameterFiles) {
        IFhirPath fhirPath = fhirContext.newFhirPath();
        List<SearchParameter> custom = customParameters(fhirContext, customParameterFiles.orElse(List.of()));
        for (String type : types.all()) {
            Map<String, SearchParameterDefinition> params = new LinkedHashMap<>();
            List<RuntimeSearchParam> composites = new ArrayList<>();
            for (RuntimeSearchParam param : fhirContext.getResourceDefinition(type).getSearchParams()) {
                if (param.getParamType() == RestSearchParameterTypeEnum.COMPOSITE) {
                    composites.add(param);
                    continue;
                }
                if (!SUPPORTED_KINDS.contains(param.getParamType())) {
                    continue;
                }
                String expression = RESOURCE_COLUMNS.contains(param.getName()) ? null : expressionFor(type, param.getPath());
                if (expression == null && !RESOURCE_COLUMNS.contains(param.getName())) {
                    continue;
                }
                params.put(param.getName(), new SearchParameterDefinition(type, param.getName(), param.getParamType(),
                        expression, expression == null ? null : parseParts(fhirPath, expression),
                        Set.copyOf(param.getTargets()), param.getDescription(), param.getUri(), null));
            }
            for (SearchParameter definition : custom) {
                addCustom(fhirPath, type, definition, params);
            }
            for (RuntimeSearchParam param : composites) {
                SearchParameterDefinition composite = composite(fhirPath, type, param, params);
                if (composite != null) {
                    params.put(param.getName(), composite);
                }
            }
            storeAsOthers(params);
            byType.put(type, Collections.unmodifiableMap(params));
            indexed.put(type, params.values().stream().filter(p -> !p.isResourceColumn() && p.storedAs() == null).toList());
        }
    }

    /**
     * Parameters answered by other parameters' index rows instead of rows of their own
     * (SearchParameterDefinition.storedAs), found in HAPI's definitions: a lab result then stores
     * four rows fewer.
     * <ul>
     * <li>a union: each part of its expression is the whole expression of exactly one other parameter
     * of the same kind (Observation combo-code = code | component-code; for composites, the same base
     * elements with the same components);</li>
     * <li>a duplicate: the same expression as a parameter declared before it (ResearchSubject patient as individual);</li>
     * <li>a restriction: a reference parameter {@code X.where(resolve() is T)} where another one is
     * {@code X} (Observation patient and subject): its rows, those that reference a T.</li>
     * </ul>
     * Parameters are decided in order of their number of parts, so a part is never itself answered by others.
     */
    private static void storeAsOthers(Map<String, SearchParameterDefinition> params) {
        List<String> declared = new ArrayList<>(params.keySet());
        List<SearchParameterDefinition> bySize = new ArrayList<>(params.values());
        bySize.removeIf(SearchParameterDefinition::isResourceColumn);
        bySize.sort(java.util.Comparator.comparingInt(p -> parts(p).size()));
        for (SearchParameterDefinition param : bySize) {
            List<?> parts = parts(param);
            if (parts.isEmpty()) {
                continue;
            }
            List<String> names = new ArrayList<>();
            Set<Object> covered = new java.util.HashSet<>(); // parsed parts compare by identity (one per text), bases as records
            int coveredCount = 0;
            String single = null; // the one parameter a duplicate or restriction is stored as
            String restrictedTo = null;
            for (SearchParameterDefinition candidate : bySize) {
                SearchParameterDefinition other = params.get(candidate.name());
                List<?> own = parts(other);
                if (other == param || other.storedAs() != null || other.kind() != param.kind() || own.isEmpty()
                        || (param.composite() != null && param.composite().second().kind() != other.composite().second().kind())) {
                    continue;
                }
                String restriction = restriction(param, other);
                // of two duplicates, the one declared later is stored as the earlier (Patient phonetic as name)
                boolean duplicate = own.equals(parts) && other.targets().equals(param.targets())
                        && declared.indexOf(other.name()) < declared.indexOf(param.name());
                if (restriction != null || duplicate) {
                    single = other.name();
                    restrictedTo = restriction;
                    break;
                }
                if (own.size() < parts.size() && parts.containsAll(own) && other.targets().equals(param.targets())) {
                    names.add(other.name());
                    covered.addAll(own);
                    coveredCount += own.size();
                }
            }
            if (single != null) {
                params.put(param.name(), param.storedAs(List.of(single), restrictedTo));
            } else if (names.size() > 1 && covered.size() == parts.size() && coveredCount == parts.size()) { // each part once
                params.put(param.name(), param.storedAs(names, null));
            }
        }
    }

    /** T when {@code param} is {@code X.where(resolve() is T)} (every part, one T) and {@code other} is X; otherwise null. */
    private static String restriction(SearchParameterDefinition param, SearchParameterDefinition other) {
        if (param.kind() != RestSearchParameterTypeEnum.REFERENCE || param.expression() == null || other.expression() == null) {
            return null;
        }
        List<String> paths = new ArrayList<>();
        String target = null;
        for (String part : splitUnion(param.expression())) {
            String[] restriction = SimplePath.resolvesTo(part);
            if (restriction == null || (target != null && !target.equals(restriction[1]))) {
                return null;
            }
            target = restriction[1];
            paths.add(restriction[0]);
        }
        List<String> otherPaths = splitUnion(other.expression()).stream().map(part -> SimplePath.unwrap(part.trim())).toList();
        return paths.equals(otherPaths) && other.targets().contains(target) ? target : null;
    }

    /** What a parameter's expression is a union of: its parsed parts, or for a composite its base elements with their components. */
    private static List<?> parts(SearchParameterDefinition param) {
        if (param.composite() != null) {
            return param.composite().bases();
        }
        return param.expressionParts() == null ? List.of() : param.expressionParts();
    }

    /**
     * SearchParameter resources from the classpath (each file one SearchParameter or a Bundle of
     * them): parameters the R4 specification does not define, e.g. on an extension a layer above the
     * core records. They are indexed, searched and listed like HAPI's own.
     */
    private static List<SearchParameter> customParameters(FhirContext fhirContext, List<String> files) {
        List<SearchParameter> parameters = new ArrayList<>();
        for (String file : files) {
            try (InputStream in = SearchParameterRegistry.class.getResourceAsStream(file.startsWith("/") ? file : "/" + file)) {
                if (in == null) {
                    throw new IllegalStateException("hepatrial.search.custom-parameters names " + file + ", which is not on the classpath");
                }
                IBaseResource parsed = fhirContext.newJsonParser().parseResource(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                if (parsed instanceof SearchParameter parameter) {
                    parameters.add(parameter);
                } else if (parsed instanceof Bundle bundle) {
                    for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                        if (entry.getResource() instanceof SearchParameter parameter) {
                            parameters.add(parameter);
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read " + file, e);
            }
        }
        return parameters;
    }

    private static void addCustom(IFhirPath fhirPath, String type, SearchParameter definition,
            Map<String, SearchParameterDefinition> params) {
        boolean forType = definition.getBase().stream().anyMatch(base -> type.equals(base.getValue()));
        if (!forType) {
            return;
        }
        RestSearchParameterTypeEnum kind = RestSearchParameterTypeEnum.forCode(definition.getType().toCode());
        String expression = expressionFor(type, definition.getExpression());
        if (kind == null || !SUPPORTED_KINDS.contains(kind) || expression == null) {
            throw new IllegalStateException("Custom search parameter " + definition.getUrl() + " is not a supported kind or has no "
                    + type + " expression");
        }
        Set<String> targets = new java.util.HashSet<>();
        definition.getTarget().forEach(target -> targets.add(target.getValue()));
        params.put(definition.getCode(), new SearchParameterDefinition(type, definition.getCode(), kind, expression,
                parseParts(fhirPath, expression), Set.copyOf(targets), definition.getDescription(), definition.getUrl(), null));
    }

    /** Kinds the second component of a composite may have (the first is always a token). */
    private static final Set<RestSearchParameterTypeEnum> SECOND_COMPONENT_KINDS = Set.of(RestSearchParameterTypeEnum.TOKEN,
            RestSearchParameterTypeEnum.DATE, RestSearchParameterTypeEnum.QUANTITY, RestSearchParameterTypeEnum.STRING);

    /**
     * A token-and-value composite with its component expressions made relative to each base
     * element: for base "Observation.component" and component path "Observation.component.code",
     * "code". Returns null for composites of another shape (none among the served types).
     */
    private static SearchParameterDefinition composite(IFhirPath fhirPath, String type, RuntimeSearchParam param,
            Map<String, SearchParameterDefinition> params) {
        if (param.getComponents().size() != 2) {
            return null;
        }
        SearchParameterDefinition first = byUri(params, param.getComponents().get(0).getReference());
        SearchParameterDefinition second = byUri(params, param.getComponents().get(1).getReference());
        if (first == null || second == null || first.kind() != RestSearchParameterTypeEnum.TOKEN
                || !SECOND_COMPONENT_KINDS.contains(second.kind())) {
            return null;
        }
        List<String> bases = new ArrayList<>();
        for (String part : splitUnion(param.getPath())) {
            bases.add(part.trim());
        }
        List<SearchParameterDefinition.Base> compiled = new ArrayList<>();
        for (String base : bases) {
            String firstRelative = relative(first.expression(), base, bases);
            String secondRelative = relative(second.expression(), base, bases);
            if (firstRelative == null || secondRelative == null) {
                return null;
            }
            compiled.add(new SearchParameterDefinition.Base(parse(fhirPath, base), parseParts(fhirPath, firstRelative),
                    parseParts(fhirPath, secondRelative)));
        }
        return new SearchParameterDefinition(type, param.getName(), RestSearchParameterTypeEnum.COMPOSITE, param.getPath(), null,
                Set.of(), param.getDescription(), param.getUri(), new SearchParameterDefinition.Composite(first, second, compiled));
    }

    private static SearchParameterDefinition byUri(Map<String, SearchParameterDefinition> params, String uri) {
        for (SearchParameterDefinition param : params.values()) {
            if (uri != null && uri.equals(param.uri())) {
                return param;
            }
        }
        return null;
    }

    /**
     * The parts of a component's expression that start at {@code base} (and not at a longer base),
     * with the base removed: "(Observation.value as Quantity)" at base "Observation" gives
     * "(value as Quantity)".
     */
    private static String relative(String expression, String base, List<String> bases) {
        if (expression == null) {
            return null;
        }
        List<String> kept = new ArrayList<>();
        for (String part : splitUnion(expression)) {
            String p = part.trim();
            boolean parenthesized = p.startsWith("(");
            String inner = parenthesized ? p.substring(1) : p;
            if (!inner.startsWith(base + ".")) {
                continue;
            }
            String rest = inner.substring(base.length() + 1);
            boolean longerBase = false;
            for (String other : bases) {
                if (other.length() > base.length() && inner.startsWith(other + ".")) {
                    longerBase = true;
                }
            }
            if (!longerBase) {
                // At the resource itself the absolute part is the same expression: keeping it lets the
                // extractor reuse the value it evaluated for the component's own parameter.
                boolean root = !base.contains(".");
                kept.add(root ? p : parenthesized ? "(" + rest : rest);
            }
        }
        return kept.isEmpty() ? null : String.join(" | ", kept);
    }

    /** The parts of an expression's top-level union, each parsed. */
    private static List<IFhirPath.IParsedExpression> parseParts(IFhirPath fhirPath, String expression) {
        List<IFhirPath.IParsedExpression> parts = new ArrayList<>();
        for (String part : splitUnion(expression)) {
            parts.add(parse(fhirPath, part.trim()));
        }
        return List.copyOf(parts);
    }

    private static IFhirPath.IParsedExpression parse(IFhirPath fhirPath, String expression) {
        return PARSED.computeIfAbsent(expression, text -> {
            try {
                IFhirPath.IParsedExpression parsed = fhirPath.parse(text);
                SimplePath simple = SimplePath.compile(text);
                if (simple != null) {
                    SIMPLE.put(parsed, simple);
                }
                return parsed;
            } catch (Exception e) {
                throw new IllegalStateException("HAPI's search parameter expression does not parse: " + text, e);
            }
        });
    }

    /** The expression as a {@link SimplePath}, or null when only the FHIRPath engine evaluates it. */
    static SimplePath simplePath(IFhirPath.IParsedExpression parsed) {
        return SIMPLE.get(parsed);
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
        return indexed.getOrDefault(type, List.of());
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

    private static List<String> splitUnion(String path) {
        return FhirPathText.splitTopLevel(path, '|');
    }
}
