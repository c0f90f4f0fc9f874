package io.hepatrial.security;

import java.util.List;

import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;

/**
 * Records every /fhir request the write transactions did not: reads, searches, history,
 * operations, Bundles, and every refused or failed request (401, 403, 404, 422, …), with who asked
 * and from where (docs/security.md). A successful create, update, patch or delete was recorded
 * inside its own transaction ({@link AuditWriteRule}).
 */
public class AuditResponseFilter {

    private final AuditTrail trail;
    private final Caller caller;

    public AuditResponseFilter(AuditTrail trail, Caller caller) {
        this.trail = trail;
        this.caller = caller;
    }

    @ServerResponseFilter
    public void record(ContainerRequestContext request, ContainerResponseContext response) {
        String path = request.getUriInfo().getPath();
        if (!trail.enabled() || !(path.equals("/fhir") || path.startsWith("/fhir/")) || path.equals("/fhir/metadata")) {
            return;
        }
        int status = response.getStatus();
        String method = request.getMethod();
        String rest = path.substring("/fhir".length());
        BearerTokenFilter.RequestedInteraction interaction = BearerTokenFilter.RequestedInteraction.of(method, rest);
        String code = interaction == null ? (rest.replaceAll("/+", "").isEmpty() ? "transaction" : "operation") : interaction.code();
        boolean write = List.of("create", "update", "patch", "delete").contains(code) && !rest.contains("$");
        if (write && status < 400) {
            return; // recorded with the write, in its transaction
        }
        AuditEventAction action = switch (code) {
            case "create" -> AuditEventAction.C;
            case "update", "patch" -> AuditEventAction.U;
            case "delete" -> AuditEventAction.D;
            case "read", "vread", "history-instance", "history-type", "history-system", "search-type" -> AuditEventAction.R;
            default -> AuditEventAction.E;
        };
        String[] segments = rest.replaceAll("^/+", "").split("/");
        List<String> entities = segments.length >= 2 && !segments[1].startsWith("_") && !segments[1].startsWith("$")
                && !segments[1].startsWith("%24") ? List.of(segments[0] + "/" + segments[1]) : List.of();
        String query = request.getUriInfo().getRequestUri().getRawQuery();
        trail.recordLater(new AuditTrail.Event(code, action, status, caller.subject(), caller.client(), caller.address(), entities,
                query == null ? null : rest + "?" + query));
    }
}
