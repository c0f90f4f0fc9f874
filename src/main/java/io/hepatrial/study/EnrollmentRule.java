package io.hepatrial.study;

import java.util.List;
import java.util.Set;

import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ResearchSubject;
import org.hl7.fhir.r4.model.Resource;

import io.hepatrial.fhir.store.WriteRule;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * One active enrollment per patient and study: a ResearchSubject whose status says the patient is
 * in the study holds the key "(patient, study)" while it keeps that status; a second one is a 409.
 * Ending an enrollment (off-study, withdrawn, …) frees the key for a new one.
 */
@ApplicationScoped
public class EnrollmentRule implements WriteRule {

    /** ResearchSubject.status codes (R4 research-subject-status) meaning "enrolled and not ended". */
    static final Set<String> ACTIVE_STATUSES = Set.of("pending-on-study", "on-study", "on-study-intervention",
            "on-study-observation", "follow-up");

    @Override
    public boolean appliesTo(String resourceType) {
        return "ResearchSubject".equals(resourceType);
    }

    @Override
    public boolean declaresUniqueKeys() {
        return true;
    }

    @Override
    public List<UniqueKey> uniqueKeys(Resource resource) {
        ResearchSubject subject = (ResearchSubject) resource;
        if (!subject.hasStatus() || !ACTIVE_STATUSES.contains(subject.getStatus().toCode())) {
            return List.of();
        }
        String patient = literal(subject.getIndividual());
        String study = literal(subject.getStudy());
        if (patient == null || study == null) {
            return List.of();
        }
        return List.of(new UniqueKey("ResearchSubject.active|" + patient + "|" + study,
                "an active enrollment of " + patient + " in " + study));
    }

    /** "Type/id" of a literal reference (absolute or versioned ones too), or null for other references. */
    static String literal(Reference reference) {
        if (reference == null || !reference.hasReference()) {
            return null;
        }
        String text = reference.getReference();
        int history = text.indexOf("/_history/");
        if (history >= 0) {
            text = text.substring(0, history);
        }
        String[] parts = text.split("/");
        if (parts.length < 2 || text.contains("?")) {
            return null;
        }
        return parts[parts.length - 2] + "/" + parts[parts.length - 1];
    }
}
