package io.hepatrial.fhir.search;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.SupportedResourceTypes;
import jakarta.inject.Singleton;

/**
 * Turns the query parameters of a search (search.html) into a {@link SearchRequest}: conditions,
 * chains, reverse chains, and the result parameters. Unknown parameters are ignored, or rejected
 * with {@code Prefer: handling=strict}; unsupported modifiers and malformed result parameters are
 * always rejected (400).
 */
@Singleton
public class SearchRequestParser {

    /** How deep chains (a.b.c) and reverse chains (_has:…:_has:…) may nest. */
    private static final int MAX_CHAIN_DEPTH = 3;
    /** Parameters that shape the response rather than select resources. */
    private static final Set<String> FORMAT_PARAMETERS = Set.of("_format", "_pretty");

    private final SearchParameterRegistry registry;
    private final SupportedResourceTypes types;
    private final int defaultCount;
    private final int maxCount;
    private final List<TokenSearchNormalizer> tokenNormalizers;
    /** Looked up when a search uses :in or :not-in (it searches the store itself, so it is not built with the parser). */
    private final jakarta.enterprise.inject.Instance<ValueSetTokens> valueSets;

    public SearchRequestParser(SearchParameterRegistry registry, SupportedResourceTypes types,
            @ConfigProperty(name = "hepatrial.search.default-count") int defaultCount,
            @ConfigProperty(name = "hepatrial.search.max-count") int maxCount,
            jakarta.enterprise.inject.Instance<TokenSearchNormalizer> tokenNormalizers,
            jakarta.enterprise.inject.Instance<ValueSetTokens> valueSets) {
        this.tokenNormalizers = tokenNormalizers.stream().toList();
        this.valueSets = valueSets;
        this.registry = registry;
        this.types = types;
        this.defaultCount = defaultCount;
        this.maxCount = maxCount;
    }

    /** Control characters (U+0000–U+001F) have no place in a search value, and PostgreSQL cannot compare U+0000. */
    private static void requirePrintable(String name, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < 0x20) {
                throw FhirException.badRequest("The value of " + name + " holds a control character (U+"
                        + String.format("%04X", (int) value.charAt(i)) + ")");
            }
        }
    }

    public SearchRequest parse(String type, Map<String, List<String>> parameters, boolean strict) {
        List<Criterion> criteria = new ArrayList<>();
        List<SortKey> sort = new ArrayList<>();
        int count = defaultCount;
        SearchRequest.Total total = null;
        SearchRequest.Summary summary = SearchRequest.Summary.NONE;
        Set<String> elements = null;
        List<Include> includes = new ArrayList<>();
        List<Include> revIncludes = new ArrayList<>();
        SearchCursor cursor = null;
        Map<String, List<String>> understood = new LinkedHashMap<>();

        for (Map.Entry<String, List<String>> entry : parameters.entrySet()) {
            String name = entry.getKey();
            boolean known = true;
            for (String value : entry.getValue()) {
                requirePrintable(name, value);
                switch (name) {
                    case "_count" -> count = count(value);
                    case "_sort" -> sort = sort(type, value);
                    case "_total" -> total = total(value);
                    case "_summary" -> summary = SearchRequest.Summary.of(value);
                    case "_elements" -> elements = new LinkedHashSet<>(splitList(value));
                    case "_include", "_include:iterate", "_include:recurse" -> includes.add(include(value, name.contains(":"), false));
                    case "_revinclude", "_revinclude:iterate", "_revinclude:recurse" ->
                        revIncludes.add(include(value, name.contains(":"), true));
                    case "_cursor" -> {
                        cursor = SearchCursor.decode(value);
                        if (cursor == null) {
                            throw FhirException.badRequest("_cursor=" + value + " is not a paging position this server issued");
                        }
                    }
                    default -> {
                        if (FORMAT_PARAMETERS.contains(name)) {
                            break;
                        }
                        Criterion criterion = criterion(type, name, value, 0);
                        if (criterion == null) {
                            if (strict) {
                                throw FhirException.badRequest("Unknown search parameter '" + name + "' for " + type
                                        + " (Prefer: handling=strict); known parameters: " + knownNames(type));
                            }
                            known = false;
                        } else {
                            criteria.add(criterion);
                        }
                    }
                }
            }
            List<String> given = entry.getValue().stream().filter(value -> !value.isEmpty()).toList();
            if (known && !name.equals("_cursor") && !given.isEmpty()) {
                understood.put(name, given);
            }
        }
        if (understood.containsKey("_count")) {
            understood.put("_count", List.of(String.valueOf(count))); // the count used (at most the maximum), not the one asked for
        }
        if (count == 0) {
            summary = SearchRequest.Summary.COUNT;
        }
        return new SearchRequest(type, criteria, sort, Math.max(count, 1), total, summary, elements, includes, revIncludes,
                cursor, understood);
    }

    /** A condition on {@code type} from one parameter occurrence; null when the name is unknown. */
    Criterion criterion(String type, String name, String value, int depth) {
        if (depth > MAX_CHAIN_DEPTH) {
            throw FhirException.badRequest("Chains and _has may nest at most " + MAX_CHAIN_DEPTH + " levels: " + name);
        }
        if (name.startsWith("_has:")) {
            return has(type, name, value, depth);
        }
        int dot = name.indexOf('.');
        if (dot > 0) {
            return chain(type, name.substring(0, dot), name.substring(dot + 1), value, depth);
        }
        int colon = name.indexOf(':');
        String paramName = colon < 0 ? name : name.substring(0, colon);
        String modifier = colon < 0 ? null : name.substring(colon + 1);
        SearchParameterDefinition param = registry.get(type, paramName);
        if (param == null) {
            return null;
        }
        checkModifier(param, modifier);
        List<String> values = splitList(value);
        if (values.isEmpty()) {
            throw FhirException.badRequest("Search parameter " + name + " has no value");
        }
        if ("missing".equals(modifier)) {
            for (String v : values) {
                if (!v.equals("true") && !v.equals("false")) {
                    throw FhirException.badRequest(name + " takes true or false, not " + v);
                }
            }
        }
        if (param.kind() == RestSearchParameterTypeEnum.TOKEN && ("in".equals(modifier) || "not-in".equals(modifier))) {
            // a value set's codes, ORed: :in is the plain token match, :not-in the :not match of that list
            return new Criterion.Param(param, "in".equals(modifier) ? null : "not", valueSets.get().tokens(name, values));
        }
        if (param.kind() == RestSearchParameterTypeEnum.TOKEN && (modifier == null || "not".equals(modifier))) {
            values = normalizeTokens(param, values);
        }
        return new Criterion.Param(param, modifier, values);
    }

    private List<String> normalizeTokens(SearchParameterDefinition param, List<String> values) {
        if (tokenNormalizers.isEmpty()) {
            return values;
        }
        List<String> normalized = new ArrayList<>(values.size());
        for (String value : values) {
            TokenSearchNormalizer.Token token = TokenSearchNormalizer.Token.parse(value);
            TokenSearchNormalizer.Token result = token;
            for (TokenSearchNormalizer normalizer : tokenNormalizers) {
                result = normalizer.normalize(param, result);
            }
            normalized.add(result.equals(token) ? value : result.format());
        }
        return normalized;
    }

    private Criterion chain(String type, String head, String rest, String value, int depth) {
        int colon = head.indexOf(':');
        String paramName = colon < 0 ? head : head.substring(0, colon);
        String targetType = colon < 0 ? null : head.substring(colon + 1);
        SearchParameterDefinition reference = registry.get(type, paramName);
        if (reference == null) {
            return null;
        }
        if (reference.kind() != RestSearchParameterTypeEnum.REFERENCE) {
            throw FhirException.badRequest(paramName + " is not a reference parameter of " + type + ", so it cannot be chained");
        }
        List<String> targets = new ArrayList<>();
        if (targetType != null) {
            types.require(targetType);
            targets.add(targetType);
        } else {
            for (String target : reference.targets().isEmpty() ? types.all() : reference.targets()) {
                if (types.isSupported(target)) {
                    targets.add(target);
                }
            }
        }
        Map<String, Criterion> conditions = new LinkedHashMap<>();
        for (String target : targets) {
            Criterion inner = criterion(target, rest, value, depth + 1);
            if (inner != null) {
                conditions.put(target, inner);
            }
        }
        if (conditions.isEmpty()) {
            throw FhirException.badRequest("Cannot chain " + head + "." + rest + ": no target type of " + type + "." + paramName
                    + " has a search parameter " + rest);
        }
        return new Criterion.Chain(reference, conditions);
    }

    private Criterion has(String type, String name, String value, int depth) {
        // _has:[source type]:[reference parameter of the source]:[parameter of the source]
        String[] parts = name.split(":", 4);
        if (parts.length < 4) {
            throw FhirException.badRequest(name + " must have the form _has:[type]:[reference]:[parameter]");
        }
        String sourceType = types.require(parts[1]);
        SearchParameterDefinition reference = registry.get(sourceType, parts[2]);
        if (reference == null || reference.kind() != RestSearchParameterTypeEnum.REFERENCE) {
            throw FhirException.badRequest(parts[2] + " is not a reference parameter of " + sourceType + " (in " + name + ")");
        }
        Criterion inner = criterion(sourceType, parts[3], value, depth + 1);
        if (inner == null) {
            throw FhirException.badRequest(parts[3] + " is not a search parameter of " + sourceType + " (in " + name + ")");
        }
        return new Criterion.Has(sourceType, reference, inner);
    }

    private void checkModifier(SearchParameterDefinition param, String modifier) {
        if (modifier == null || modifier.equals("missing")) {
            return;
        }
        boolean ok = switch (param.kind()) {
            case TOKEN -> modifier.equals("not") || modifier.equals("text") || modifier.equals("in") || modifier.equals("not-in");
            case STRING -> modifier.equals("exact") || modifier.equals("contains");
            case URI -> modifier.equals("below") || modifier.equals("above");
            case REFERENCE -> types.isSupported(modifier) || (param.targets().contains(modifier));
            default -> false;
        };
        if (!ok) {
            throw FhirException.badRequest("The modifier :" + modifier + " is not supported on " + param.name() + " ("
                    + param.kind().getCode() + ")");
        }
    }

    private int count(String value) {
        try {
            int count = Integer.parseInt(value.trim());
            if (count < 0) {
                throw FhirException.badRequest("_count must not be negative: " + value);
            }
            return Math.min(count, maxCount);
        } catch (NumberFormatException e) {
            throw FhirException.badRequest("_count must be a whole number, not " + value);
        }
    }

    private List<SortKey> sort(String type, String value) {
        List<SortKey> keys = new ArrayList<>();
        for (String item : splitList(value)) {
            boolean descending = item.startsWith("-");
            String name = descending ? item.substring(1) : item;
            SearchParameterDefinition param = registry.get(type, name);
            if (param == null) {
                throw FhirException.badRequest("Cannot sort " + type + " by '" + name + "': not a search parameter of " + type);
            }
            if (param.kind() == RestSearchParameterTypeEnum.COMPOSITE) {
                throw FhirException.badRequest("Cannot sort by the composite parameter " + name);
            }
            keys.add(new SortKey(param, descending));
        }
        return keys;
    }

    private static SearchRequest.Total total(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "none" -> SearchRequest.Total.NONE;
            case "estimate" -> SearchRequest.Total.ESTIMATE;
            case "accurate" -> SearchRequest.Total.ACCURATE;
            default -> throw FhirException.badRequest("_total must be none, estimate or accurate, not " + value);
        };
    }

    private Include include(String value, boolean iterate, boolean reverse) {
        String label = reverse ? "_revinclude" : "_include";
        if (value.equals("*")) {
            return new Include(null, null, null, iterate);
        }
        String[] parts = value.split(":");
        if (parts.length < 2 || parts.length > 3) {
            throw FhirException.badRequest(label + "=" + value + " must have the form [type]:[parameter] or [type]:[parameter]:[target type]");
        }
        String sourceType = types.require(parts[0]);
        String param = parts[1].equals("*") ? null : parts[1];
        SearchParameterDefinition definition = null;
        if (param != null) {
            definition = registry.get(sourceType, param);
            if (definition == null || definition.kind() != RestSearchParameterTypeEnum.REFERENCE) {
                throw FhirException.badRequest(label + "=" + value + ": " + param + " is not a reference parameter of " + sourceType);
            }
        }
        String target = parts.length == 3 ? types.require(parts[2]) : null;
        return new Include(sourceType, definition, target, iterate);
    }

    private String knownNames(String type) {
        List<String> names = new ArrayList<>();
        registry.forType(type).forEach(p -> names.add(p.name()));
        return String.join(", ", names);
    }

    /** Splits a parameter value on commas that are not escaped with a backslash. */
    static List<String> splitList(String value) {
        List<String> values = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                current.append(c).append(value.charAt(++i)); // kept escaped: the value parsers unescape
            } else if (c == ',') {
                addIfPresent(values, current);
            } else {
                current.append(c);
            }
        }
        addIfPresent(values, current);
        return values;
    }

    private static void addIfPresent(List<String> values, StringBuilder current) {
        if (current.length() > 0) {
            values.add(current.toString());
        }
        current.setLength(0);
    }
}
