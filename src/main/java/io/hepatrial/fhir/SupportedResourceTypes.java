package io.hepatrial.fhir;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;

/**
 * The resource types this server serves, configured in one place ({@code hepatrial.resource-types})
 * and checked against HAPI's R4 model at start-up, so a typo fails the start, not a request.
 */
@Startup
@Singleton
public class SupportedResourceTypes {

    /** FHIR R4 id datatype: 1 to 64 of letters, digits, '-' and '.'. */
    private static final Pattern FHIR_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    private final FhirContext fhirContext;
    private final List<String> types;
    private final Set<String> typeSet;

    public SupportedResourceTypes(FhirContext fhirContext, @ConfigProperty(name = "hepatrial.resource-types") List<String> types) {
        this.fhirContext = fhirContext;
        Set<String> known = fhirContext.getResourceTypes();
        for (String type : types) {
            if (!known.contains(type)) {
                throw new IllegalStateException("hepatrial.resource-types names '" + type + "', which is not an R4 resource type");
            }
        }
        this.types = List.copyOf(types);
        this.typeSet = Set.copyOf(types);
    }

    /** The configured types, in configuration order. */
    public List<String> all() {
        return types;
    }

    /**
     * Types clients read and search but never create, change or delete: the server alone writes the
     * audit trail (docs/security.md). The access policy, the CapabilityStatement and the OpenAPI
     * document all ask here.
     */
    public static boolean writtenByTheServerOnly(String type) {
        return "AuditEvent".equals(type);
    }

    public boolean isSupported(String type) {
        return typeSet.contains(type);
    }

    /** Returns the type if served here, else the 404 the spec asks for an unsupported type. */
    public String require(String type) {
        if (isSupported(type)) {
            return type;
        }
        String why = fhirContext.getResourceTypes().contains(type)
                ? "Resource type '" + type + "' is not supported by this server"
                : "'" + type + "' is not a FHIR R4 resource type";
        throw new FhirException(404, IssueType.NOTSUPPORTED, why + "; supported types: " + String.join(", ", types));
    }

    /**
     * Whether the text is a FHIR id. "." and "..", which the pattern allows, are refused too: as URL
     * path segments they mean "this" and "the parent", so such a resource could never be read back.
     */
    public static boolean isValidId(String id) {
        return id != null && FHIR_ID.matcher(id).matches() && !id.equals(".") && !id.equals("..");
    }

    /** Returns the id if it is a valid FHIR id, else a 400. */
    public static String requireValidId(String id) {
        if (!isValidId(id)) {
            throw FhirException.badRequest("'" + id + "' is not a valid FHIR resource id (1 to 64 of A-Z, a-z, 0-9, '-' and '.')");
        }
        return id;
    }
}
