package io.hepatrial.study;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.jboss.logging.Logger;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.search.ConditionalMatcher;
import io.hepatrial.fhir.store.ResourceStore;
import io.hepatrial.fhir.store.StoreTransactions;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Makes sure the study's ResearchStudy exists from the first start: created once, through the
 * store like any other write (a conditional create on its ClinicalTrials.gov number), and left
 * alone when it is already there, so restarts and several replicas add nothing.
 */
@ApplicationScoped
public class StudyBootstrap {

    private static final Logger LOG = Logger.getLogger(StudyBootstrap.class);
    static final String RESOURCE = "/study/research-study.json";
    static final String CONDITION = "identifier=https://clinicaltrials.gov/nctid|NCT01491165";

    private final ResourceStore store;
    private final ConditionalMatcher matcher;
    private final FhirContext fhirContext;
    private final boolean enabled;

    public StudyBootstrap(ResourceStore store, ConditionalMatcher matcher, FhirContext fhirContext,
            @ConfigProperty(name = "hepatrial.study.bootstrap") boolean enabled) {
        this.store = store;
        this.matcher = matcher;
        this.fhirContext = fhirContext;
        this.enabled = enabled;
    }

    void onStart(@Observes StartupEvent event) {
        if (enabled) {
            String id = ensureStudy();
            LOG.infof("Study ResearchStudy/%s is in place", id);
        }
    }

    /** Creates the study's ResearchStudy unless one with its registry number exists; returns its id. */
    public String ensureStudy() {
        ConditionalMatcher.Condition condition = matcher.parse("ResearchStudy", CONDITION);
        return StoreTransactions.retryingOnConflict(() -> {
            List<io.hepatrial.fhir.store.StoredVersion> existing = matcher.matches(condition, null, 1);
            if (!existing.isEmpty()) {
                return existing.get(0).id();
            }
            String id = ResourceStore.newId();
            store.create(load(), id);
            store.claimConditionalCreate("ResearchStudy", condition.canonicalCriteria(), id);
            return id;
        });
    }

    private ResearchStudy load() {
        try (InputStream in = StudyBootstrap.class.getResourceAsStream(RESOURCE)) {
            return fhirContext.newJsonParser().parseResource(ResearchStudy.class, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + RESOURCE, e);
        }
    }

}
