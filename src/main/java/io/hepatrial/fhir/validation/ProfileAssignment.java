package io.hepatrial.fhir.validation;

import java.util.List;

import org.hl7.fhir.r4.model.Resource;

/**
 * Profiles a resource must conform to although it does not declare them in {@code meta.profile}:
 * how a layer above the core (the study) makes its profiles guard the data it owns. CDI beans;
 * the validation finds them all.
 */
public interface ProfileAssignment {

    /** Canonical URLs of the profiles this resource must conform to (empty when none). */
    List<String> profilesFor(Resource resource);
}
