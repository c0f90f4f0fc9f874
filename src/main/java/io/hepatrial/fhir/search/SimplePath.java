package io.hepatrial.fhir.search;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * A search parameter expression that is only a path of element names, optionally ending in a
 * type filter ({@code as X}, {@code .as(X)}, {@code .ofType(X)}) or {@code .where(resolve() is X)}:
 * most of R4's expressions. It is walked with the model's own {@code getProperty}, which costs a
 * fraction of the FHIRPath engine's general evaluation on every write; anything else (functions,
 * operators, a contained reference to resolve) is left to the engine. A test holds the two to the
 * same values for every parameter on the study's resources.
 */
final class SimplePath {

    private static final String NAME = "[A-Za-z][A-Za-z0-9]*";
    private static final Pattern PATH = Pattern.compile(NAME + "(\\." + NAME + ")*");
    private static final Pattern AS_OPERATOR = Pattern.compile("(.+) as (" + NAME + ")");
    private static final Pattern AS_FUNCTION = Pattern.compile("(.+)\\.(?:as|ofType)\\((" + NAME + ")\\)");
    private static final Pattern RESOLVES_TO = Pattern.compile("(.+)\\.where\\(resolve\\(\\) is (" + NAME + ")\\)");

    /** The type named first (e.g. "Observation" in Observation.code), or null for a path relative to its focus. */
    private final String focusType;
    private final String[] names;
    private final int[] hashes;
    private final String typeFilter;
    private final String referenceTarget;

    private SimplePath(String focusType, String[] names, String typeFilter, String referenceTarget) {
        this.focusType = focusType;
        this.names = names;
        this.hashes = new int[names.length];
        for (int i = 0; i < names.length; i++) {
            hashes[i] = names[i].hashCode();
        }
        this.typeFilter = typeFilter;
        this.referenceTarget = referenceTarget;
    }

    /** For {@code X.where(resolve() is T)}: X (without enclosing parentheses) and T; for any other expression, null. */
    static String[] resolvesTo(String expression) {
        Matcher matcher = RESOLVES_TO.matcher(unwrap(expression.trim()));
        return matcher.matches() ? new String[] {unwrap(matcher.group(1).trim()), matcher.group(2)} : null;
    }

    /** The simple path this expression is, or null when it needs the FHIRPath engine. */
    static SimplePath compile(String expression) {
        String text = unwrap(expression.trim());
        String typeFilter = null;
        String referenceTarget = null;
        Matcher matcher;
        String[] restriction = resolvesTo(text);
        if (restriction != null) {
            text = restriction[0];
            referenceTarget = restriction[1];
        } else if ((matcher = AS_OPERATOR.matcher(text)).matches() || (matcher = AS_FUNCTION.matcher(text)).matches()) {
            text = unwrap(matcher.group(1));
            typeFilter = matcher.group(2);
        }
        if (!PATH.matcher(text).matches()) {
            return null;
        }
        String[] names = text.split("\\.");
        boolean typeFirst = Character.isUpperCase(names[0].charAt(0));
        String[] children = typeFirst ? java.util.Arrays.copyOfRange(names, 1, names.length) : names;
        for (String child : children) {
            if (Character.isUpperCase(child.charAt(0))) {
                return null; // a type name inside a path is no element name
            }
        }
        return new SimplePath(typeFirst ? names[0] : null, children, typeFilter, referenceTarget);
    }

    static String unwrap(String text) {
        while (text.startsWith("(") && text.endsWith(")") && text.indexOf(')') == text.length() - 1) {
            text = text.substring(1, text.length() - 1).trim();
        }
        return text;
    }

    /** The values, as the FHIRPath engine would give them; null when this focus needs the engine after all. */
    List<IBase> evaluate(IBase focus) {
        List<IBase> values = new ArrayList<>();
        if (!(focus instanceof Base start) || (focusType != null && !isOfType(start, focusType))) {
            return focusType != null && focus instanceof Base ? values : null;
        }
        List<Base> current = List.of(start);
        for (int i = 0; i < names.length; i++) {
            List<Base> next = new ArrayList<>();
            for (Base base : current) {
                for (Base child : base.getProperty(hashes[i], names[i], false)) {
                    if (child != null) {
                        next.add(child);
                    }
                }
            }
            current = next;
        }
        for (Base value : current) {
            if (referenceTarget != null) {
                if (!(value instanceof Reference reference)) {
                    return null;
                }
                String literal = reference.getReference();
                if (literal != null && literal.startsWith("#")) {
                    return null; // a contained resource: the engine resolves it
                }
                IdType target = literal == null ? null : new IdType(literal);
                if (target == null || !referenceTarget.equals(target.getResourceType())) {
                    continue;
                }
            } else if (typeFilter != null && !value.fhirType().equalsIgnoreCase(typeFilter)) {
                continue;
            }
            values.add(value);
        }
        return values;
    }

    private static boolean isOfType(Base focus, String type) {
        return focus.fhirType().equals(type) || (type.equals("Resource") && focus instanceof Resource)
                || (type.equals("DomainResource") && focus instanceof DomainResource);
    }
}
