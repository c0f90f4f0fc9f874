package io.hepatrial.fhir.rest;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

import jakarta.inject.Singleton;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;

/**
 * The Allow header of a 405 (RFC 9110 15.5.6 requires one), read from the JAX-RS annotations of
 * the endpoint classes, so it always names the methods that really exist for a path.
 */
@Singleton
public class AllowedMethods {

    private record Route(Pattern pattern, int literalLength, TreeSet<String> methods) {
    }

    private final List<Route> routes = new ArrayList<>();

    public AllowedMethods(FhirEndpoints endpoints) {
        Map<String, TreeSet<String>> byTemplate = new TreeMap<>();
        for (Class<?> endpoint : endpoints.classes()) {
            String base = endpoint.getAnnotation(Path.class).value();
            for (Method method : endpoint.getDeclaredMethods()) {
                String httpMethod = httpMethodOf(method);
                if (httpMethod == null) {
                    continue;
                }
                Path path = method.getAnnotation(Path.class);
                String template = (base + "/" + (path == null ? "" : path.value())).replaceAll("/+", "/").replaceAll("/$", "");
                TreeSet<String> methods = byTemplate.computeIfAbsent(template, t -> new TreeSet<>());
                methods.add(httpMethod);
                if (httpMethod.equals(HttpMethod.GET)) {
                    methods.add(HttpMethod.HEAD);
                }
            }
        }
        byTemplate.forEach((template, methods) -> routes.add(new Route(
                Pattern.compile(template.replaceAll("\\{[^}]+}", "[^/]+")),
                template.replaceAll("\\{[^}]+}", "").length(), methods)));
    }

    /** The methods allowed on a path, as an Allow header value; empty when no route matches. */
    public String forPath(String path) {
        String normalized = path.replaceAll("/$", "");
        Route best = null;
        for (Route route : routes) {
            // JAX-RS prefers the template with the most literal characters; so do we.
            if (route.pattern().matcher(normalized).matches() && (best == null || route.literalLength() > best.literalLength())) {
                best = route;
            }
        }
        return best == null ? "" : String.join(", ", best.methods());
    }

    private static String httpMethodOf(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }
}
