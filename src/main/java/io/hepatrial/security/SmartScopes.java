package io.hepatrial.security;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scopes of a token, SMART App Launch style: v2 {@code system/Observation.cruds},
 * {@code user/Patient.rs}, {@code system/*.rs}, and v1 {@code .read} (= rs), {@code .write} (= cud)
 * and {@code .*} (= cruds). {@code system/} and {@code user/} scopes are honoured; {@code patient/}
 * scopes need a launch context this server does not have and grant nothing.
 */
public record SmartScopes(List<Grant> grants) {

    private static final Pattern SCOPE = Pattern.compile("(system|user|patient)/([A-Za-z]+|\\*)\\.(read|write|\\*|[cruds]+)");

    /** Permissions on a type ("*" for every type): the letters of c, r, u, d, s. */
    public record Grant(String type, Set<Character> permissions) {
    }

    /** Parses the space-separated scopes of a token; what is not a resource scope is ignored. */
    public static SmartScopes parse(String scopes) {
        List<Grant> grants = new ArrayList<>();
        if (scopes != null) {
            for (String scope : scopes.trim().split("\\s+")) {
                Matcher m = SCOPE.matcher(scope);
                if (!m.matches() || m.group(1).equals("patient")) {
                    continue;
                }
                String permissions = switch (m.group(3).toLowerCase(Locale.ROOT)) {
                    case "read" -> "rs";
                    case "write" -> "cud";
                    case "*" -> "cruds";
                    default -> m.group(3);
                };
                Set<Character> letters = new HashSet<>();
                for (char c : permissions.toCharArray()) {
                    letters.add(c);
                }
                grants.add(new Grant(m.group(2), letters));
            }
        }
        return new SmartScopes(List.copyOf(grants));
    }

    /** Whether a scope naming this very type (not a wildcard) grants the permission. */
    public boolean permitsExplicitly(char permission, String type) {
        return grants.stream().anyMatch(g -> g.type().equals(type) && g.permissions().contains(permission));
    }

    /** Whether some scope grants this permission on this type ("*" asks for every type at once). */
    public boolean permits(char permission, String type) {
        for (Grant grant : grants) {
            boolean typeMatches = grant.type().equals("*") || (!type.equals("*") && grant.type().equals(type));
            if (typeMatches && grant.permissions().contains(permission)) {
                return true;
            }
        }
        return false;
    }
}
