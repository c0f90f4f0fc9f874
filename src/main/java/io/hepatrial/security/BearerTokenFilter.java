package io.hepatrial.security;

import java.util.Collection;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.AccessPolicy;
import io.hepatrial.fhir.FhirException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

/**
 * Authentication and the scope check of every /fhir request when {@code hepatrial.security.enabled}:
 * no or a bad bearer token is a 401, a token whose scopes do not allow the interaction a 403, both
 * with an OperationOutcome. {@code /fhir/metadata} stays public. Bundle entries and {@code $validate}
 * modes are checked where they are known (BundleProcessor, ValidateEndpoint).
 */
public class BearerTokenFilter {

    private final CurrentIdentityAssociation identities;
    private final Caller caller;
    private final AccessPolicy policy;
    private final FhirContext fhirContext;
    private final boolean enabled;

    public BearerTokenFilter(CurrentIdentityAssociation identities, Caller caller, AccessPolicy policy, FhirContext fhirContext,
            @ConfigProperty(name = "hepatrial.security.enabled") boolean enabled) {
        this.identities = identities;
        this.caller = caller;
        this.policy = policy;
        this.fhirContext = fhirContext;
        this.enabled = enabled;
    }

    @ServerRequestFilter
    public Uni<Response> authenticate(ContainerRequestContext context, io.vertx.core.http.HttpServerRequest http) {
        String path = context.getUriInfo().getPath();
        if (!(path.equals("/fhir") || path.startsWith("/fhir/"))) {
            return Uni.createFrom().nullItem();
        }
        caller.from(http.remoteAddress() == null ? null : http.remoteAddress().hostAddress());
        if (path.equals("/fhir/metadata")) {
            return Uni.createFrom().nullItem();
        }
        if (!enabled) {
            // no tokens to check, but the rules that hold for everyone still do (no AuditEvent written over HTTP)
            Response refused = authorized(context.getMethod(), path);
            return refused == null ? Uni.createFrom().nullItem() : Uni.createFrom().item(refused);
        }
        return identities.getDeferredIdentity().onItemOrFailure().transform((identity, failure) -> {
            if (failure != null) {
                return unauthorized("The bearer token is not valid (signature, issuer or expiry)", "Bearer error=\"invalid_token\"");
            }
            if (identity == null || identity.isAnonymous() || !(identity.getPrincipal() instanceof JsonWebToken token)) {
                return unauthorized("This request needs a bearer token (Authorization: Bearer …); see docs/security.md",
                        "Bearer realm=\"hepatrial\"");
            }
            caller.authenticate(token.getSubject(), client(token), SmartScopes.parse(scopes(token)), token.getClaim("study"));
            return authorized(context.getMethod(), path);
        });
    }

    /** The refusal of the access policy for this request, or null when it may go on. */
    private Response authorized(String method, String path) {
        RequestedInteraction interaction = RequestedInteraction.of(method, path.substring("/fhir".length()));
        if (interaction != null) {
            try {
                policy.authorize(interaction.code(), interaction.type());
            } catch (FhirException e) {
                return outcome(e.status(), e.issueType(), e.getMessage()).build();
            }
        }
        return null;
    }

    private static String client(JsonWebToken token) {
        Object client = token.getClaim("client_id");
        return client != null ? client.toString() : token.getClaim("azp");
    }

    /** SMART puts scopes in "scope" (a space-separated string); some providers use "scp" (an array). */
    private static String scopes(JsonWebToken token) {
        Object scope = token.getClaim("scope");
        if (scope != null) {
            return scope.toString().replace("\"", "");
        }
        Object scp = token.getClaim("scp");
        if (scp instanceof Collection<?> values) {
            return String.join(" ", values.stream().map(v -> v.toString().replace("\"", "")).toList());
        }
        if (scp instanceof jakarta.json.JsonArray array) {
            return String.join(" ", array.getValuesAs(jakarta.json.JsonString.class).stream().map(jakarta.json.JsonString::getString).toList());
        }
        return scp == null ? "" : scp.toString();
    }

    private Response unauthorized(String diagnostics, String challenge) {
        return outcome(401, IssueType.LOGIN, diagnostics).header("WWW-Authenticate", challenge).build();
    }

    private Response.ResponseBuilder outcome(int status, IssueType type, String diagnostics) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(IssueSeverity.ERROR).setCode(type).setDiagnostics(diagnostics);
        return Response.status(status).type("application/fhir+json")
                .entity(fhirContext.newJsonParser().encodeResourceToString(outcome));
    }

    /** What a request does, read off its method and path (after /fhir), for the scope check. */
    record RequestedInteraction(String code, String type) {

        static RequestedInteraction of(String method, String path) {
            String[] s = path.replace("%24", "$").replaceAll("^/+", "").split("/");
            if (s.length == 0 || s[0].isEmpty()) {
                return null; // POST /fhir: each entry of the Bundle is checked
            }
            if (s[0].equals("_history")) {
                return new RequestedInteraction("history-system", null);
            }
            if (s[0].startsWith("$")) {
                return new RequestedInteraction("operation:" + s[0].substring(1), null);
            }
            String type = s[0];
            String last = s[s.length - 1];
            if (last.startsWith("$")) {
                // $validate: its mode decides (ValidateEndpoint); the others read
                return last.equals("$validate") ? null : new RequestedInteraction("operation:" + last.substring(1), type);
            }
            switch (s.length) {
                case 1:
                    switch (method) {
                        case "GET": case "HEAD": return new RequestedInteraction("search-type", type);
                        case "POST": return new RequestedInteraction("create", type);
                        case "PUT": return new RequestedInteraction("update", type);
                        case "DELETE": return new RequestedInteraction("delete", type);
                        default: return null;
                    }
                case 2:
                    if (s[1].equals("_search")) {
                        return new RequestedInteraction("search-type", type);
                    }
                    if (s[1].equals("_history")) {
                        return new RequestedInteraction("history-type", type);
                    }
                    switch (method) {
                        case "PUT": return new RequestedInteraction("update", type);
                        case "PATCH": return new RequestedInteraction("patch", type);
                        case "DELETE": return new RequestedInteraction("delete", type);
                        default: return new RequestedInteraction("read", type);
                    }
                case 3:
                    return new RequestedInteraction("history-instance", type);
                default:
                    return new RequestedInteraction("vread", type);
            }
        }
    }
}
