package io.hepatrial;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Starts the service. Before Quarkus starts, it turns off Quarkus' own check of the request URI,
 * which answers an empty 400 to any URI {@code java.net.URI} refuses — including the FHIR spec's own
 * searches with a raw {@code |} ({@code ?identifier=http://acme.org/patient|2345}), as curl and
 * many clients send them. {@code fhir.rest.RequestUriFilter} checks every URI instead: it
 * percent-encodes those characters, and answers a malformed URI with an OperationOutcome. (The
 * check reads a JVM system property once, when the HTTP layer loads; the tests set it in the pom.)
 */
@QuarkusMain
public class HepatrialMain {

    private static final String URI_VALIDATION_PROPERTY = "vertx.disableURIValidation";

    public static void main(String... args) {
        if (System.getProperty(URI_VALIDATION_PROPERTY) == null) {
            System.setProperty(URI_VALIDATION_PROPERTY, "true");
        }
        Quarkus.run(args);
    }
}
