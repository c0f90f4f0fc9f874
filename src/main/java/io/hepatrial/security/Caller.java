package io.hepatrial.security;

import jakarta.enterprise.context.RequestScoped;

/**
 * Who is calling, as the bearer token says: set by {@link BearerTokenFilter} for every /fhir
 * request when security is on. Work that no HTTP request started (the study's bootstrap) has no
 * caller and is the server's own.
 */
@RequestScoped
public class Caller {

    private boolean authenticated;
    private String subject;
    private String client;
    private SmartScopes scopes = new SmartScopes(java.util.List.of());
    private String study;
    private String address;

    void authenticate(String subject, String client, SmartScopes scopes, String study) {
        this.authenticated = true;
        this.subject = subject;
        this.client = client;
        this.scopes = scopes;
        this.study = study == null || study.isBlank() ? null : study.trim();
    }

    void from(String address) {
        this.address = address;
    }

    /** The client's network address, for the audit trail (null for the server's own work). */
    public String address() {
        return address;
    }

    public boolean authenticated() {
        return authenticated;
    }

    public String subject() {
        return subject;
    }

    public String client() {
        return client;
    }

    public SmartScopes scopes() {
        return scopes;
    }

    /** The study a partner token is bound to (its registry number or ResearchStudy/[id]), or null. */
    public String study() {
        return study;
    }
}
