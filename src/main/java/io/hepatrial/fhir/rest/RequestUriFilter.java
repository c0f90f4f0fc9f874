package io.hepatrial.fhir.rest;

import java.net.URI;
import java.net.URISyntaxException;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Every request URI, before anything reads it. FHIR clients write a search's {@code system|code}
 * with a raw {@code |} (the spec's examples do), and some leave {@code " ^ { } [ ]} and the like
 * unencoded; RFC 3986 does not allow them, so {@code java.net.URI}, which the REST layer builds,
 * refuses them. Such a URI is routed again with those characters percent-encoded, so it means what
 * the client wrote. A URI that stays invalid (a malformed %-escape) is answered 400 with an
 * OperationOutcome. (Quarkus' own check, which answered an empty 400, is off: HepatrialMain.)
 */
@ApplicationScoped
public class RequestUriFilter {

    /** Printable ASCII that RFC 3986 does not allow anywhere in a URI (and [ ] outside a host). */
    private static final String NOT_ALLOWED = "\"<>\\^`{|}[]";

    void install(@Observes Router router) {
        router.route().order(-1002).handler(context -> {
            String uri = context.request().uri();
            String problem = problem(uri);
            if (problem == null) {
                context.next();
                return;
            }
            String encoded = encodeNotAllowed(uri);
            if (!encoded.equals(uri)) {
                problem = problem(encoded);
                if (problem == null) {
                    context.reroute(context.request().method(), encoded);
                    return;
                }
            }
            RequestSizeFilter.refuse(context, 400, "invalid", "The request URI is not a valid URI (RFC 3986): " + problem);
        });
    }

    /** Why java.net.URI refuses this URI, or null when it takes it. */
    private static String problem(String uri) {
        try {
            new URI(uri);
            return null;
        } catch (URISyntaxException e) {
            return e.getMessage();
        }
    }

    /** The URI with each character that RFC 3986 does not allow percent-encoded (as UTF-8, which they are, being ASCII). */
    static String encodeNotAllowed(String uri) {
        StringBuilder encoded = new StringBuilder(uri.length() + 16);
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (NOT_ALLOWED.indexOf(c) >= 0) {
                encoded.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
            } else {
                encoded.append(c);
            }
        }
        return encoded.toString();
    }
}
