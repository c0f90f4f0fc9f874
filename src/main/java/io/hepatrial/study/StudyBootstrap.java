package io.hepatrial.study;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.Resource;
import org.jboss.logging.Logger;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.bundle.BundleProcessor;
import io.hepatrial.fhir.validation.ResourceValidator;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Makes sure the study is there from the first start: its ResearchStudy (both registry numbers)
 * and the NamingSystem of the ChiCTR identifier system, then (when switched on) the synthetic demo
 * cohort. Everything goes through the normal write path as transaction Bundles of conditional
 * creates, so restarts and several replicas add nothing.
 */
@ApplicationScoped
public class StudyBootstrap {

    private static final Logger LOG = Logger.getLogger(StudyBootstrap.class);
    /** How the study is found: its ClinicalTrials.gov number. */
    public static final String STUDY_CRITERIA = "identifier=" + TrialRegistry.CLINICALTRIALS_GOV.system() + "|NCT01491165";
    /** A conditional reference to the study, for resources that point at it. */
    public static final String STUDY_REFERENCE = "ResearchStudy?" + STUDY_CRITERIA;

    private final FhirContext fhirContext;
    private final ResourceValidator validator;
    private final boolean enabled;
    private final boolean syntheticCohort;
    private final long cohortSeed;

    public StudyBootstrap(FhirContext fhirContext, ResourceValidator validator, @ConfigProperty(name = "hepatrial.study.bootstrap") boolean enabled,
            @ConfigProperty(name = "hepatrial.study.synthetic-cohort") boolean syntheticCohort,
            @ConfigProperty(name = "hepatrial.study.synthetic-cohort-seed") long cohortSeed) {
        this.fhirContext = fhirContext;
        this.validator = validator;
        this.enabled = enabled;
        this.syntheticCohort = syntheticCohort;
        this.cohortSeed = cohortSeed;
    }

    void onStart(@Observes StartupEvent event) {
        if (enabled) {
            ensureStudy();
            LOG.info("The study's ResearchStudy and the ChiCTR NamingSystem are in place");
        }
        if (syntheticCohort) {
            long start = System.nanoTime();
            int created = loadCohort(new SyntheticCohort(cohortSeed));
            LOG.infof("Synthetic cohort (seed %d) in place: %d resources created in %d ms", cohortSeed, created,
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    /**
     * Creates the study's ResearchStudy, the ChiCTR NamingSystem and the conformance resources the
     * validator ships (the study's profiles, value sets, code systems), unless they exist.
     */
    public void ensureStudy() {
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        add(transaction, load("/study/research-study.json"), STUDY_CRITERIA);
        add(transaction, load("/study/chictr-naming-system.json"), "value:exact=" + TrialRegistry.CHICTR.system());
        for (Resource conformance : validator.shippedResources()) {
            // served so clients can read what they are validated against; the validator itself uses the shipped files
            add(transaction, conformance.copy(), "url=" + ((MetadataResource) conformance).getUrl());
        }
        process(transaction);
    }

    /** Writes the cohort one patient (one transaction) at a time; returns how many resources were created. */
    public int loadCohort(SyntheticCohort cohort) {
        int created = 0;
        for (Bundle transaction : cohort.patientTransactions()) {
            for (Bundle.BundleEntryComponent entry : process(transaction).getEntry()) {
                if (entry.getResponse().getStatus().startsWith("201")) {
                    created++;
                }
            }
        }
        return created;
    }

    private static void add(Bundle transaction, Resource resource, String criteria) {
        transaction.addEntry().setResource(resource).getRequest().setMethod(Bundle.HTTPVerb.POST)
                .setUrl(resource.fhirType()).setIfNoneExist(criteria);
    }

    /** Runs a transaction through the same processor as POST /fhir (outside any HTTP request). */
    private Bundle process(Bundle transaction) {
        ManagedContext requestContext = Arc.container().requestContext();
        boolean activated = !requestContext.isActive();
        if (activated) {
            requestContext.activate();
        }
        try {
            return Arc.container().instance(BundleProcessor.class).get().process(() -> transaction.copy(), "", false);
        } finally {
            if (activated) {
                requestContext.terminate();
            }
        }
    }

    private Resource load(String path) {
        try (InputStream in = StudyBootstrap.class.getResourceAsStream(path)) {
            return (Resource) fhirContext.newJsonParser().parseResource(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + path, e);
        }
    }
}
