package io.hepatrial.fhir.rest;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * An operation's '$' may arrive percent-encoded ({@code /fhir/Patient/1/%24everything}): the same
 * URL (RFC 3986 equivalence of an encoded sub-delimiter is what FHIR clients assume), but the
 * JAX-RS routes match the path as it was sent. Such requests are rerouted to the path with '$'.
 */
@ApplicationScoped
public class OperationPathDecoding {

    void install(@Observes Router router) {
        router.route("/fhir/*").order(-1000).handler(context -> {
            String path = context.request().path();
            if (path.contains("%24")) {
                String query = context.request().query();
                context.reroute(path.replace("%24", "$") + (query == null ? "" : "?" + query));
            } else {
                context.next();
            }
        });
    }
}
