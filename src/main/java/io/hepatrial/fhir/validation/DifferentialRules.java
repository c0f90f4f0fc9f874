package io.hepatrial.fhir.validation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ElementDefinition;
import org.hl7.fhir.r4.model.ElementDefinition.ElementDefinitionConstraintComponent;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.ValueSet;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.fhirpath.IFhirPath;
import ca.uhn.fhir.util.FhirTerser;

/**
 * The rules a constraint profile's differential states — cardinalities, type restrictions of a
 * choice, reference targets, required bindings to value sets that list their codes, invariants —
 * compiled once into FHIRPath and checked directly on the R4 model; plus, for any coding of a
 * code system the server ships complete, that its code exists. This is what a write is checked
 * against: HAPI's full validator costs milliseconds per resource (it re-encodes the resource,
 * re-parses it into its own model and builds a new validator each time), which would dominate
 * ingest. {@code $validate} runs the full validator, and a test holds the two to the same verdicts
 * on the study's examples (docs/validation.md).
 */
final class DifferentialRules {

    /**
     * One check: an expression that yields something when the rule is broken, or (when
     * {@code brokenIf} is set) the elements it yields, each tested in Java: what FHIRPath would
     * redo on every write (build a literal set of codes, compile a regular expression) is done once;
     * or (when {@code rootInvariant} is set, and {@code broken} is not) an invariant of the resource
     * itself, which must hold.
     */
    private record Check(String expressionText, IFhirPath.IParsedExpression broken, java.util.function.Predicate<org.hl7.fhir.r4.model.Base> brokenIf,
            IFhirPath.IParsedExpression rootInvariant, String location, String message) {
    }

    private final String profile;
    private final String type;
    private final List<Check> checks = new ArrayList<>();
    private final Map<String, Set<String>> knownCodesBySystem;
    private final ThreadLocal<IFhirPath> fhirPath;

    private DifferentialRules(String profile, String type, Map<String, Set<String>> knownCodesBySystem, ThreadLocal<IFhirPath> fhirPath) {
        this.profile = profile;
        this.type = type;
        this.knownCodesBySystem = knownCodesBySystem;
        this.fhirPath = fhirPath;
    }

    /**
     * Compiles a profile whose rules this class can check entirely, or returns null (slicing, a
     * binding to a value set that is not shipped, a pattern or fixed value): the full validator then checks it.
     */
    static DifferentialRules compile(StructureDefinition profile, Map<String, ValueSet> valueSets, Map<String, CodeSystem> codeSystems,
            ThreadLocal<IFhirPath> fhirPath) {
        Map<String, Set<String>> knownCodes = new HashMap<>();
        codeSystems.forEach((url, system) -> {
            if (system.getContent() == CodeSystem.CodeSystemContentMode.COMPLETE) {
                Set<String> codes = new HashSet<>();
                system.getConcept().forEach(c -> codes.add(c.getCode()));
                knownCodes.put(url, codes);
            }
        });
        DifferentialRules rules = new DifferentialRules(profile.getUrl(), profile.getType(), knownCodes, fhirPath);
        String root = profile.getType();
        for (ElementDefinition element : profile.getDifferential().getElement()) {
            if (element.hasSlicing() || element.hasSliceName() || element.hasFixed() || element.hasPattern()) {
                return null;
            }
            String path = element.getPath();
            String relative = path.equals(root) ? "" : path.substring(root.length() + 1).replace("[x]", "");
            String shown = root + (relative.isEmpty() ? "" : "." + relative);
            String parent = relative.contains(".") ? relative.substring(0, relative.lastIndexOf('.')) : "";
            String last = relative.contains(".") ? relative.substring(relative.lastIndexOf('.') + 1) : relative;
            if (!relative.isEmpty()) {
                if (element.hasMin() && element.getMin() > 0) {
                    rules.add(within(parent, last + ".count() < " + element.getMin()), shown,
                            shown + ": minimum required = " + element.getMin() + " (profile " + profile.getUrl() + ")");
                }
                if (element.hasMax() && !element.getMax().equals("*")) {
                    rules.add(within(parent, last + ".count() > " + element.getMax()), shown,
                            shown + ": at most " + element.getMax() + " allowed (profile " + profile.getUrl() + ")");
                }
                if (path.endsWith("[x]") && element.hasType()) {
                    List<String> allowed = new ArrayList<>();
                    element.getType().forEach(t -> allowed.add("$this is " + t.getCode()));
                    rules.add(relative + ".where((" + String.join(" or ", allowed) + ").not())", shown,
                            shown + ": must be of type " + String.join(" or ", element.getType().stream().map(t -> t.getCode()).toList()));
                }
                for (ElementDefinition.TypeRefComponent t : element.getType()) {
                    if (t.getCode().equals("Reference") && t.hasTargetProfile()) {
                        List<String> targets = t.getTargetProfile().stream().map(p -> p.getValue().substring(p.getValue().lastIndexOf('/') + 1)).toList();
                        java.util.regex.Pattern target = java.util.regex.Pattern.compile(
                                "^(.*/)?(" + String.join("|", targets) + ")/[A-Za-z0-9\\-.]{1,64}(/_history/.*)?$");
                        // a literal reference elsewhere than this resource or the Bundle must name one of the target types
                        rules.add(relative, value -> value instanceof org.hl7.fhir.r4.model.Reference reference && reference.hasReference()
                                && !reference.getReference().startsWith("#") && !reference.getReference().startsWith("urn:")
                                && !target.matcher(reference.getReference()).matches(),
                                shown, shown + ": must reference a " + String.join(" or ", targets));
                    }
                }
                if (element.hasBinding() && element.getBinding().getStrength() == org.hl7.fhir.r4.model.Enumerations.BindingStrength.REQUIRED) {
                    String url = element.getBinding().getValueSet();
                    Set<String> members = expand(valueSets.get(url), codeSystems);
                    if (members == null) {
                        return null;
                    }
                    rules.add(relative, value -> !(value instanceof CodeableConcept concept)
                            || concept.getCoding().stream().noneMatch(c -> members.contains(c.getSystem() + "|" + c.getCode())),
                            shown, shown + ": no coding from the value set " + url + " (required binding)");
                }
            }
            for (ElementDefinitionConstraintComponent constraint : element.getConstraint()) {
                if (relative.isEmpty()) {
                    rules.addRootInvariant(constraint.getExpression(), shown, constraint.getKey() + ": " + constraint.getHuman());
                    continue;
                }
                String context = relative + ".";
                // broken unless the invariant is true (empty counts as broken, as in the full validator)
                rules.add(context + "where(iif(" + constraint.getExpression() + ", false, true))", shown,
                        constraint.getKey() + ": " + constraint.getHuman());
            }
        }
        return rules;
    }

    private static String within(String parent, String condition) {
        return parent.isEmpty() ? "where(" + condition + ")" : parent + ".where(" + condition + ")";
    }

    /** system|code of every member of a value set that lists its codes or includes a shipped complete code system. */
    private static Set<String> expand(ValueSet valueSet, Map<String, CodeSystem> codeSystems) {
        if (valueSet == null) {
            return null;
        }
        Set<String> members = new HashSet<>();
        for (ValueSet.ConceptSetComponent include : valueSet.getCompose().getInclude()) {
            if (include.hasFilter() || include.hasValueSet()) {
                return null;
            }
            if (include.hasConcept()) {
                include.getConcept().forEach(c -> members.add(include.getSystem() + "|" + c.getCode()));
            } else {
                CodeSystem system = codeSystems.get(include.getSystem());
                if (system == null || system.getContent() != CodeSystem.CodeSystemContentMode.COMPLETE) {
                    return null;
                }
                system.getConcept().forEach(c -> members.add(include.getSystem() + "|" + c.getCode()));
            }
        }
        return members;
    }

    private void add(String brokenWhen, String location, String message) {
        add(brokenWhen, null, location, message);
    }

    private void add(String brokenWhen, java.util.function.Predicate<org.hl7.fhir.r4.model.Base> brokenIf, String location, String message) {
        try {
            checks.add(new Check(brokenWhen, fhirPath.get().parse(brokenWhen), brokenIf, null, location, message));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot compile the rule '" + brokenWhen + "' of " + profile, e);
        }
    }

    /**
     * An invariant on the resource itself, evaluated as it stands rather than wrapped in
     * {@code where(iif(...))}: the wrapping cost a sixth of a lab result's check (docs/performance.md).
     * (Element invariants keep the wrapping, which gives them the resource as {@code %resource}.)
     */
    private void addRootInvariant(String invariant, String location, String message) {
        try {
            checks.add(new Check(invariant, null, null, fhirPath.get().parse(invariant), location, message));
        } catch (Exception e) {
            throw new IllegalStateException("Cannot compile the invariant '" + invariant + "' of " + profile, e);
        }
    }

    /** An invariant's result as true or false, as HAPI's FHIRPathEngine.convertToBoolean (what its validator uses) reads it. */
    private static boolean holds(List<org.hl7.fhir.r4.model.Base> result) {
        if (result.size() == 1 && result.get(0) instanceof BooleanType b) {
            return Boolean.TRUE.equals(b.getValue());
        }
        if (result.size() == 1 && result.get(0).isBooleanPrimitive()) {
            return Boolean.parseBoolean(result.get(0).primitiveValue());
        }
        return !result.isEmpty();
    }

    String profile() {
        return profile;
    }

    /** The errors of this resource against the profile (empty when it conforms). */
    List<OperationOutcomeIssueComponent> check(Resource resource, FhirContext fhirContext) {
        List<OperationOutcomeIssueComponent> errors = new ArrayList<>();
        if (!resource.fhirType().equals(type)) {
            errors.add(error(resource.fhirType(), "a " + resource.fhirType() + " cannot conform to " + profile + ", a profile of " + type));
            return errors;
        }
        IFhirPath engine = fhirPath.get();
        for (Check check : checks) {
            if (check.rootInvariant() != null) {
                if (!holds(engine.evaluate(resource, check.rootInvariant(), org.hl7.fhir.r4.model.Base.class))) {
                    errors.add(error(check.location(), check.message()));
                }
                continue;
            }
            List<org.hl7.fhir.r4.model.Base> broken = engine.evaluate(resource, check.broken(), org.hl7.fhir.r4.model.Base.class);
            if (check.brokenIf() != null) {
                if (broken.stream().anyMatch(check.brokenIf())) {
                    errors.add(error(check.location(), check.message()));
                }
                continue;
            }
            if (!broken.isEmpty() && !(broken.size() == 1 && broken.get(0) instanceof BooleanType b && !b.booleanValue())) {
                errors.add(error(check.location(), check.message()));
            }
        }
        for (Coding coding : new FhirTerser(fhirContext).getAllPopulatedChildElementsOfType(resource, Coding.class)) {
            Set<String> known = coding.hasSystem() ? knownCodesBySystem.get(coding.getSystem()) : null;
            if (known != null && !known.contains(coding.getCode())) {
                errors.add(error(type, "Unknown code '" + coding.getCode() + "' in the code system " + coding.getSystem()));
            }
        }
        return errors;
    }

    private static OperationOutcomeIssueComponent error(String location, String message) {
        OperationOutcomeIssueComponent issue = new OperationOutcomeIssueComponent().setSeverity(IssueSeverity.ERROR)
                .setCode(IssueType.PROCESSING).setDiagnostics(message);
        issue.addExpression(location);
        return issue;
    }
}
