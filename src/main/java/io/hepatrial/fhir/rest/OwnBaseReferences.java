package io.hepatrial.fhir.rest;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.jboss.resteasy.reactive.server.core.CurrentRequestManager;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.store.WriteRule;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

/**
 * Stores a reference to this server's own base URL ({@code http://host/fhir/Patient/1}) as the
 * relative reference it is equal to ({@code Patient/1}; Reference.reference: "relative to the
 * service base URL"). Search, includes, chains and {@code _has} then find it like any local
 * reference, whatever host name a later request uses. The base is {@code hepatrial.base-url}, or
 * the writing request's own base URL when none is configured.
 */
@ApplicationScoped
public class OwnBaseReferences implements WriteRule {

    /** Type/id or Type/id/_history/version, after the base URL. */
    private static final Pattern LOCAL = Pattern.compile("([A-Z][A-Za-z]+)/[A-Za-z0-9\\-.]{1,64}(/_history/[A-Za-z0-9\\-.]{1,64})?");

    private final FhirContext fhirContext;
    private final SupportedResourceTypes types;
    private final Instance<FhirRequest> request;
    private final Optional<String> configuredBaseUrl;

    public OwnBaseReferences(FhirContext fhirContext, SupportedResourceTypes types, Instance<FhirRequest> request,
            @ConfigProperty(name = "hepatrial.base-url") Optional<String> configuredBaseUrl) {
        this.fhirContext = fhirContext;
        this.types = types;
        this.request = request;
        this.configuredBaseUrl = configuredBaseUrl.filter(base -> !base.isBlank());
    }

    @Override
    public int order() {
        return -1000; // before the rules that judge the resource
    }

    @Override
    public boolean appliesTo(String resourceType) {
        return true;
    }

    @Override
    public void prepare(Resource resource, List<OperationOutcomeIssueComponent> warnings) {
        String base = ownBase();
        if (base == null || resource.getUserData(DONE) != null) {
            return;
        }
        for (Reference reference : fhirContext.newTerser().getAllPopulatedChildElementsOfType(resource, Reference.class)) {
            relativize(reference, base);
        }
    }

    /**
     * Set on a resource whose references were already made relative (a Bundle's processing walks
     * every reference of its entries anyway): a second walk of every element would cost the ingest
     * of lab Bundles a tenth of its CPU.
     */
    public static final String DONE = OwnBaseReferences.class.getName();

    /** Makes the reference relative if it names a resource at this base URL. */
    public void relativize(Reference reference, String base) {
        String value = reference.getReference();
        if (value != null && value.length() > base.length() && value.startsWith(base) && value.charAt(base.length()) == '/') {
            String relative = value.substring(base.length() + 1);
            Matcher local = LOCAL.matcher(relative);
            if (local.matches() && types.isSupported(local.group(1))) {
                reference.setReference(relative);
            }
        }
    }

    /** This server's base URL, or null when it is not known (no base configured and no HTTP request being served). */
    private String ownBase() {
        if (configuredBaseUrl.isPresent()) {
            String base = configuredBaseUrl.get();
            return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        }
        return CurrentRequestManager.get() == null ? null : request.get().baseUrl();
    }
}
