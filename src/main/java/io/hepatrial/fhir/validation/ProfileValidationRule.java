package io.hepatrial.fhir.validation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Resource;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.store.WriteRule;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;

/**
 * Profile validation on every write (create, update, patch, Bundle entries), in the write's
 * transaction and after a Bundle's references were resolved. A resource is validated when it has
 * profiles to conform to: those it declares in {@code meta.profile} and those a
 * {@link ProfileAssignment} gives it. The mode of its type decides what an error does:
 * {@code enforce} refuses the write with 422, {@code warn} lets it through with warnings.
 */
@Singleton
public class ProfileValidationRule implements WriteRule {

    private final ResourceValidator validator;
    private final List<ProfileAssignment> assignments;
    private final ValidationMode defaultMode;
    private final Map<String, ValidationMode> modeByType = new HashMap<>();

    public ProfileValidationRule(ResourceValidator validator, Instance<ProfileAssignment> assignments,
            @ConfigProperty(name = "hepatrial.validation.mode", defaultValue = "enforce") String defaultMode,
            @ConfigProperty(name = "hepatrial.validation.mode-by-type") Optional<List<String>> modeByType) {
        this.validator = validator;
        this.assignments = assignments.stream().toList();
        this.defaultMode = ValidationMode.parse(defaultMode);
        for (String typeAndMode : modeByType.orElse(List.of())) {
            String[] parts = typeAndMode.split("=", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("hepatrial.validation.mode-by-type takes Type=mode pairs, not '" + typeAndMode + "'");
            }
            this.modeByType.put(parts[0].trim(), ValidationMode.parse(parts[1]));
        }
    }

    public ValidationMode mode(String resourceType) {
        return modeByType.getOrDefault(resourceType, defaultMode);
    }

    /** After every rule that normalizes: what is validated is what would be stored. */
    @Override
    public int order() {
        return 1000;
    }

    @Override
    public boolean appliesTo(String resourceType) {
        return mode(resourceType) != ValidationMode.OFF;
    }

    @Override
    public void prepare(Resource resource, List<OperationOutcomeIssueComponent> warnings) {
        List<OperationOutcomeIssueComponent> issues = check(resource, List.of());
        if (issues.isEmpty()) {
            return;
        }
        boolean errors = hasErrors(issues);
        if (errors && mode(resource.fhirType()) == ValidationMode.ENFORCE) {
            throw new FhirException(422, IssueType.PROCESSING, resource.fhirType() + " does not conform to "
                    + String.join(", ", profilesOf(resource, List.of())) + "; nothing was stored (the issues below say why)",
                    Map.of(), null, issues);
        }
        for (OperationOutcomeIssueComponent issue : issues) {
            if (issue.getSeverity() == IssueSeverity.ERROR || issue.getSeverity() == IssueSeverity.FATAL) {
                // warn mode: the write goes ahead, so what would have refused it is a warning
                issue.setSeverity(IssueSeverity.WARNING).setDiagnostics("(not enforced) " + issue.getDiagnostics());
            }
            warnings.add(issue);
        }
    }

    /**
     * The issues of validating this resource against the profiles it has to conform to and the
     * extra ones given; empty, without running the validator, when there are none.
     */
    public List<OperationOutcomeIssueComponent> check(Resource resource, List<String> extraProfiles) {
        Set<String> profiles = profilesOf(resource, extraProfiles);
        return profiles.isEmpty() ? List.of() : validate(resource, profiles, false);
    }

    /**
     * What {@code $validate} checks: with HAPI's full validator always, against the base definition
     * too, and when there is no profile at all.
     */
    public List<OperationOutcomeIssueComponent> checkAlways(Resource resource, List<String> extraProfiles) {
        return validate(resource, profilesOf(resource, extraProfiles), true);
    }

    /**
     * @param full HAPI's validator for every profile; otherwise a shipped profile's compiled rules
     *             where it has them (a write), the full validator for the others
     */
    private List<OperationOutcomeIssueComponent> validate(Resource resource, Set<String> profiles, boolean full) {
        if (!full) {
            List<OperationOutcomeIssueComponent> fast = new ArrayList<>();
            Set<String> rest = new LinkedHashSet<>();
            for (String profile : profiles) {
                List<OperationOutcomeIssueComponent> errors = validator.checkOnWrite(resource, profile);
                if (errors == null) {
                    rest.add(profile);
                } else {
                    fast.addAll(errors);
                }
            }
            if (rest.isEmpty()) {
                return fast;
            }
            List<OperationOutcomeIssueComponent> issues = validate(resource, rest, true);
            issues.addAll(0, fast);
            return issues;
        }
        List<OperationOutcomeIssueComponent> unknown = new ArrayList<>();
        Set<String> known = new LinkedHashSet<>();
        for (String profile : profiles) {
            if (validator.knowsProfile(profile)) {
                known.add(profile);
            } else {
                unknown.add(new OperationOutcomeIssueComponent().setSeverity(IssueSeverity.WARNING).setCode(IssueType.NOTSUPPORTED)
                        .setDiagnostics("Profile " + profile + " is not known to this server; the resource was not validated against it"));
            }
        }
        if (known.isEmpty() && !profiles.isEmpty()) {
            return unknown;
        }
        Resource validated = resource;
        if (!unknown.isEmpty() && resource.getMeta().hasProfile()) {
            // the validator reads meta.profile itself and would report the unknown ones again
            validated = resource.copy();
            validated.getMeta().getProfile().removeIf(p -> !known.contains(p.getValue()));
        }
        List<OperationOutcomeIssueComponent> issues = new ArrayList<>(validator.validate(validated, known));
        issues.addAll(unknown);
        return issues;
    }

    public static boolean hasErrors(List<OperationOutcomeIssueComponent> issues) {
        return issues.stream().anyMatch(i -> i.getSeverity() == IssueSeverity.ERROR || i.getSeverity() == IssueSeverity.FATAL);
    }

    private Set<String> profilesOf(Resource resource, List<String> extraProfiles) {
        Set<String> profiles = new LinkedHashSet<>();
        for (CanonicalType declared : resource.getMeta().getProfile()) {
            if (declared.hasValue()) {
                profiles.add(declared.getValue());
            }
        }
        for (ProfileAssignment assignment : assignments) {
            profiles.addAll(assignment.profilesFor(resource));
        }
        profiles.addAll(extraProfiles);
        return profiles;
    }
}
