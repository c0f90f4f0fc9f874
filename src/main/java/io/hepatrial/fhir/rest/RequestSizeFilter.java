package io.hepatrial.fhir.rest;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Requests too large to read are answered before routing, with an OperationOutcome like every other
 * refusal: a URL (path and query) longer than {@code hepatrial.input.max-url-chars} gets 414, a body
 * whose Content-Length is above {@code quarkus.http.limits.max-body-size} gets 413 without being read.
 * The HTTP layer itself only refuses request lines above {@code quarkus.http.limits.max-initial-line-length}
 * (set well above ours) and chunked bodies that outgrow the body limit, and those answers are bare.
 */
@ApplicationScoped
public class RequestSizeFilter {

    private final int maxUrlChars;
    private final long maxBodyBytes;

    public RequestSizeFilter(@ConfigProperty(name = "hepatrial.input.max-url-chars") int maxUrlChars,
            @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxUrlChars = maxUrlChars;
        this.maxBodyBytes = maxBodySize.asLongValue();
    }

    void install(@Observes Router router) {
        router.route("/fhir*").order(-1002).handler(context -> {
            String uri = context.request().uri();
            if (uri.length() > maxUrlChars) {
                refuse(context, 414, "too-long", "The URL has " + uri.length() + " characters, more than the " + maxUrlChars
                        + " this server reads; send long searches as POST [type]/_search with a form body");
                return;
            }
            String length = context.request().getHeader("Content-Length");
            if (length != null && tooLong(length)) {
                refuse(context, 413, "too-long", "The body has " + length.trim() + " bytes, more than the " + maxBodyBytes
                        + " this server reads; split a large Bundle into several");
                return;
            }
            context.next();
        });
    }

    private boolean tooLong(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim()) > maxBodyBytes;
        } catch (NumberFormatException e) {
            return false; // the HTTP layer refuses a malformed Content-Length itself
        }
    }

    /** Answers before routing with an OperationOutcome of one issue. */
    static void refuse(io.vertx.ext.web.RoutingContext context, int status, String code, String diagnostics) {
        String outcome = new io.vertx.core.json.JsonObject().put("resourceType", "OperationOutcome")
                .put("issue", new io.vertx.core.json.JsonArray().add(new io.vertx.core.json.JsonObject()
                        .put("severity", "error").put("code", code).put("diagnostics", diagnostics)))
                .encode();
        var response = context.response().setStatusCode(status).putHeader("Content-Type", FhirFormat.FHIR_JSON + ";charset=UTF-8");
        if (status == 413 || status == 414) {
            response.putHeader("Connection", "close"); // the oversized body, if any, is not read
        }
        response.end(outcome);
    }
}
