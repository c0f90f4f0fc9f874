package io.hepatrial.fhir.rest;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * FHIR URLs have no matrix parameters, but JAX-RS cuts them off a path segment: {@code
 * /fhir/Patient/a;b} would read Patient/a, an id other than the one the URL spells. Such paths are
 * answered 400 before routing (an OperationOutcome in FHIR JSON), so the id every check and log
 * sees is the one in the URL.
 */
@ApplicationScoped
public class MatrixParameterFilter {

    void install(@Observes Router router) {
        router.route("/fhir/*").order(-1001).handler(context -> {
            if (context.request().path().indexOf(';') >= 0) {
                RequestSizeFilter.refuse(context, 400, "invalid", "The path has a ';': FHIR URLs have no matrix parameters and a"
                        + " resource id has no ';' (percent-encode it as %3B in a search value)");
            } else {
                context.next();
            }
        });
    }
}
