package io.hepatrial.security;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.AccessPolicy;
import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.search.SearchEngine;
import io.hepatrial.fhir.search.SearchRequestParser;
import io.hepatrial.fhir.store.StoredVersion;
import jakarta.enterprise.context.RequestScoped;

/**
 * The access rules (docs/security.md): each interaction needs its SMART permission on the type
 * (c create, r read/vread/instance history/operations that read, u update/patch, d delete, s
 * search/type history); a token bound to a study (claim {@code study}) is read-only and sees only
 * the patients enrolled in that study, their compartments, that ResearchStudy and the public
 * conformance resources, in every search, read, include and operation.
 */
@RequestScoped
public class ScopedAccessPolicy implements AccessPolicy {

    /** Types everyone who may search them sees whole: the server's terminology and naming. */
    static final Set<String> PUBLIC_TYPES = Set.of("NamingSystem", "StructureDefinition", "ValueSet", "CodeSystem");

    private final Caller caller;
    private final boolean enabled;
    private final SearchRequestParser parser;
    private final SearchEngine engine;
    private final FhirContext fhirContext;
    private String studyId;

    public ScopedAccessPolicy(Caller caller, @ConfigProperty(name = "hepatrial.security.enabled") boolean enabled,
            SearchRequestParser parser, SearchEngine engine, FhirContext fhirContext) {
        this.caller = caller;
        this.enabled = enabled;
        this.parser = parser;
        this.engine = engine;
        this.fhirContext = fhirContext;
    }

    @Override
    public void authorize(String interaction, String type) {
        char permission = permission(interaction);
        if (io.hepatrial.fhir.SupportedResourceTypes.writtenByTheServerOnly(type) && (permission == 'c' || permission == 'u' || permission == 'd')
                && caller.address() != null) {
            throw forbidden("The audit trail is written by the server only; AuditEvents cannot be created, changed or deleted");
        }
        if (!enabled || !caller.authenticated()) {
            return; // security off, or the server's own work
        }
        String on = type == null || interaction.equals("operation:reindex") ? "*" : type;
        if (caller.study() != null) {
            if (permission == 'c' || permission == 'u' || permission == 'd') {
                throw forbidden("A token bound to a study reads only; " + interaction + " is not allowed");
            }
            if (interaction.equals("history-type") || interaction.equals("history-system")) {
                throw forbidden("History across resources is not available to a token bound to a study; search instead");
            }
        }
        if ("AuditEvent".equals(type) && !caller.scopes().permitsExplicitly(permission, type)) {
            throw forbidden("The audit trail is for administrators: it needs an explicit system/AuditEvent." + permission
                    + " scope (a wildcard does not grant it)");
        }
        if (!caller.scopes().permits(permission, on)) {
            throw forbidden("The token's scopes do not allow " + interaction + (type == null ? "" : " on " + type)
                    + ": it needs system/" + on + "." + permission + " (or user/…, or v1 ." + (permission == 'r' || permission == 's'
                            ? "read" : "write") + ")");
        }
    }

    @Override
    public Confinement confinement(String type) {
        if (!enabled || !caller.authenticated() || caller.study() == null) {
            return Confinement.NONE;
        }
        if (PUBLIC_TYPES.contains(type)) {
            return Confinement.NONE;
        }
        String study = "ResearchStudy/" + studyId();
        if (type.equals("ResearchStudy")) {
            return new Confinement(false, Map.of("_id", List.of(studyId())));
        }
        if (type.equals("Patient")) {
            return new Confinement(false, Map.of("_has:ResearchSubject:individual:study", List.of(study)));
        }
        String patientParam = patientParameter(type);
        if (patientParam == null) {
            return Confinement.EVERYTHING_HIDDEN;
        }
        return new Confinement(false, Map.of(patientParam + "._has:ResearchSubject:individual:study", List.of(study)));
    }

    /** The reference parameter that names a resource's patient: how its compartment is confined. */
    private String patientParameter(String type) {
        var definition = fhirContext.getResourceDefinition(type);
        for (String name : List.of("patient", "individual")) {
            var param = definition.getSearchParam(name);
            if (param != null && param.getProvidesMembershipInCompartments() != null
                    && param.getProvidesMembershipInCompartments().contains("Patient")) {
                return name;
            }
        }
        var subject = definition.getSearchParam("subject");
        return subject != null && subject.getTargets().contains("Patient") ? "subject:Patient" : null;
    }

    /** The id of the ResearchStudy the token is bound to: by registry number (any spelling) or ResearchStudy/[id]. */
    private String studyId() {
        if (studyId == null) {
            String claim = caller.study();
            Map<String, List<String>> query = claim.startsWith("ResearchStudy/")
                    ? Map.of("_id", List.of(claim.substring("ResearchStudy/".length())))
                    : Map.of("identifier", List.of(claim));
            List<StoredVersion> studies = engine.search(parser.parse("ResearchStudy", Map.of(
                    query.keySet().iterator().next(), query.values().iterator().next(), "_count", List.of("2")), true), "").matches();
            if (studies.size() != 1) {
                throw forbidden("The token is bound to study " + claim + ", which " + (studies.isEmpty() ? "is not known here" : "is ambiguous"));
            }
            studyId = studies.get(0).id();
        }
        return studyId;
    }

    private static char permission(String interaction) {
        switch (interaction) {
            case "create": return 'c';
            case "update": case "patch": case "operation:reindex": return 'u';
            case "delete": return 'd';
            case "search-type": case "history-type": case "history-system": return 's';
            default: return 'r'; // read, vread, history-instance, operations that read
        }
    }

    static FhirException forbidden(String diagnostics) {
        return new FhirException(403, IssueType.FORBIDDEN, diagnostics);
    }
}
