package io.hepatrial.fhir.validation;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.jboss.logging.Logger;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import io.hepatrial.fhir.FhirException;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * HAPI's instance validator, offline: the R4 definitions HAPI bundles, plus the conformance
 * resources this server ships (profiles, extensions, value sets and code systems, listed by
 * {@code hepatrial.validation.conformance-resources}). Terminology is checked in memory: value sets
 * that enumerate their codes, and the code systems shipped or built into HAPI (UCUM among them);
 * codes of other systems (LOINC, SNOMED CT) cannot be looked up here and are only checked for
 * membership in the value sets that list them.
 */
@Singleton
public class ResourceValidator {

    private static final Logger LOG = Logger.getLogger(ResourceValidator.class);

    private final FhirContext fhirContext;
    private final ValidationSupportChain support;
    private final FhirValidator validator;
    private final List<Resource> shipped;
    private final Map<String, List<String>> shippedProfilesByType = new TreeMap<>();
    private final Map<String, DifferentialRules> writeRules = new java.util.HashMap<>();
    private volatile long warmUpMillis = -1;

    public ResourceValidator(FhirContext fhirContext,
            @ConfigProperty(name = "hepatrial.validation.conformance-resources") Optional<List<String>> conformanceFiles) {
        this.fhirContext = fhirContext;
        PrePopulatedValidationSupport ours = new PrePopulatedValidationSupport(fhirContext);
        shipped = load(conformanceFiles.orElse(List.of()));
        for (Resource resource : shipped) {
            ours.addResource(resource);
            if (resource instanceof StructureDefinition definition && isResourceProfile(definition)) {
                shippedProfilesByType.computeIfAbsent(definition.getType(), t -> new ArrayList<>()).add(definition.getUrl());
            }
        }
        // LOINC and SNOMED CT cannot be looked up offline: their codes are checked only for membership in
        // the value sets that enumerate them, and an unknown code system is a note, not an error
        compileWriteRules(fhirContext);
        UnknownCodeSystemWarningValidationSupport unknownCodeSystems = new UnknownCodeSystemWarningValidationSupport(fhirContext);
        unknownCodeSystems.setNonExistentCodeSystemSeverity(IValidationSupport.IssueSeverity.INFORMATION);
        support = new ValidationSupportChain(ValidationSupportChain.CacheConfiguration.defaultValues(),
                new DefaultProfileValidationSupport(fhirContext), ours, new CommonCodeSystemsTerminologyService(fhirContext),
                new InMemoryTerminologyServerValidationSupport(fhirContext), new SnapshotGeneratingValidationSupport(fhirContext),
                unknownCodeSystems);
        FhirInstanceValidator module = new FhirInstanceValidator(support);
        // a declared profile this server does not know is reported, but does not by itself refuse a write
        module.setErrorForUnknownProfiles(false);
        // a literal reference's type is taken as its target's type (Observation.subject "Patient/1" is a Patient)
        module.setAssumeValidRestReferences(true);
        // best-practice advice (a narrative, a performer) on every lab result would bury the real warnings
        module.setBestPracticeWarningLevel(org.hl7.fhir.r5.utils.validation.constants.BestPracticeWarningLevel.Ignore);
        validator = fhirContext.newValidator();
        validator.setValidateAgainstStandardSchema(false);
        validator.setValidateAgainstStandardSchematron(false);
        validator.registerValidatorModule(module);
    }

    /**
     * Validates against the base definition of the resource's type, the profiles it declares and
     * the given ones; returns the issues of severity warning and above, errors first.
     */
    public List<OperationOutcomeIssueComponent> validate(Resource resource, Collection<String> profiles) {
        ValidationOptions options = new ValidationOptions();
        profiles.forEach(options::addProfile);
        ValidationResult result;
        try {
            result = validator.validateWithResult(resource, options);
        } catch (RuntimeException e) {
            // Content can crash the validator (a unit "97284.2063807" fails HAPI's UCUM lexer with a
            // NumberFormatException): the resource could not be shown to conform, which is an error of it.
            return List.of(new OperationOutcomeIssueComponent().setSeverity(IssueSeverity.ERROR).setCode(IssueType.PROCESSING)
                    .setDiagnostics("The validator could not check this resource (" + e.getClass().getSimpleName()
                            + "); look for malformed codes, units or values"));
        }
        List<OperationOutcomeIssueComponent> issues = new ArrayList<>();
        for (SingleValidationMessage message : result.getMessages()) {
            IssueSeverity severity = severity(message.getSeverity());
            if (severity == IssueSeverity.INFORMATION) {
                continue;
            }
            OperationOutcomeIssueComponent issue = new OperationOutcomeIssueComponent()
                    .setSeverity(severity).setCode(IssueType.PROCESSING).setDiagnostics(message.getMessage());
            if (message.getLocationString() != null) {
                issue.addExpression(message.getLocationString());
            }
            issues.add(issue);
        }
        issues.sort((a, b) -> Integer.compare(a.getSeverity().ordinal(), b.getSeverity().ordinal()));
        return issues;
    }

    private void compileWriteRules(FhirContext fhirContext) {
        Map<String, org.hl7.fhir.r4.model.ValueSet> valueSets = new java.util.HashMap<>();
        Map<String, org.hl7.fhir.r4.model.CodeSystem> codeSystems = new java.util.HashMap<>();
        for (Resource resource : shipped) {
            if (resource instanceof org.hl7.fhir.r4.model.ValueSet valueSet) {
                valueSets.put(valueSet.getUrl(), valueSet);
            } else if (resource instanceof org.hl7.fhir.r4.model.CodeSystem codeSystem) {
                codeSystems.put(codeSystem.getUrl(), codeSystem);
            }
        }
        ThreadLocal<ca.uhn.fhir.fhirpath.IFhirPath> fhirPath = ThreadLocal.withInitial(fhirContext::newFhirPath);
        for (Resource resource : shipped) {
            if (resource instanceof StructureDefinition definition && isResourceProfile(definition)) {
                DifferentialRules rules = DifferentialRules.compile(definition, valueSets, codeSystems, fhirPath);
                if (rules != null) {
                    writeRules.put(definition.getUrl(), rules);
                }
            }
        }
    }

    /** A profile of a resource type (not an extension or a data type): what resources are validated against. */
    private static boolean isResourceProfile(StructureDefinition definition) {
        return definition.getKind() == StructureDefinition.StructureDefinitionKind.RESOURCE
                && definition.getDerivation() == StructureDefinition.TypeDerivationRule.CONSTRAINT;
    }

    /**
     * The errors of a write against a shipped profile, by its compiled differential rules, or null
     * when the profile needs the full validator ({@link DifferentialRules}).
     */
    public List<OperationOutcomeIssueComponent> checkOnWrite(Resource resource, String profile) {
        DifferentialRules rules = writeRules.get(profile);
        return rules == null ? null : rules.check(resource, fhirContext);
    }

    /** Whether the validator knows this profile (from R4 itself or shipped by this server). */
    /**
     * The codes a value set holds, expanded with the validator's terminology (HAPI's in-memory
     * expansion: enumerated concepts, whole code systems it knows, R4's and the shipped value sets):
     * the given stored ValueSet, or else the one this server knows by that URL. Empty when there is
     * none or it cannot be expanded here (e.g. it filters a code system that is not available offline).
     */
    public Optional<List<org.hl7.fhir.r4.model.Coding>> expand(String url, org.hl7.fhir.r4.model.ValueSet stored) {
        org.hl7.fhir.instance.model.api.IBaseResource valueSet = stored != null ? stored : support.fetchValueSet(url);
        if (valueSet == null) {
            return Optional.empty();
        }
        IValidationSupport.ValueSetExpansionOutcome outcome;
        try {
            outcome = support.expandValueSet(new ca.uhn.fhir.context.support.ValidationSupportContext(support), null, valueSet);
        } catch (RuntimeException e) {
            return Optional.empty(); // a value set HAPI cannot expand (an unknown code system, a filter it lacks) is no server error
        }
        if (outcome == null || outcome.getError() != null || !(outcome.getValueSet() instanceof org.hl7.fhir.r4.model.ValueSet expanded)) {
            return Optional.empty();
        }
        List<org.hl7.fhir.r4.model.Coding> codes = new ArrayList<>();
        addCodes(expanded.getExpansion().getContains(), codes);
        return Optional.of(codes);
    }

    private static void addCodes(List<org.hl7.fhir.r4.model.ValueSet.ValueSetExpansionContainsComponent> contains,
            List<org.hl7.fhir.r4.model.Coding> codes) {
        for (org.hl7.fhir.r4.model.ValueSet.ValueSetExpansionContainsComponent entry : contains) {
            if (entry.hasCode() && !entry.getAbstract()) {
                codes.add(new org.hl7.fhir.r4.model.Coding(entry.getSystem(), entry.getCode(), entry.getDisplay()));
            }
            addCodes(entry.getContains(), codes);
        }
    }

    public boolean knowsProfile(String url) {
        return support.fetchStructureDefinition(url) != null;
    }

    /** The resource profiles this server ships, by the resource type they constrain (CapabilityStatement). */
    public Map<String, List<String>> shippedProfilesByType() {
        return shippedProfilesByType;
    }

    /** The conformance resources this server ships, as loaded (the study's bootstrap stores them). */
    public List<Resource> shippedResources() {
        return shipped;
    }

    /** Warms the validator up in the background at start, so no client request waits for it. */
    void startWarmUp(@Observes StartupEvent event) {
        Thread warmUp = new Thread(this::warmUp, "validator-warm-up");
        warmUp.setDaemon(true);
        warmUp.start();
    }

    /**
     * Loads the R4 definitions and builds the shipped profiles' snapshots by validating one small
     * resource against each: the first validation costs seconds, so it is paid at start, not by a client.
     */
    public void warmUp() {
        long start = System.nanoTime();
        for (Map.Entry<String, List<String>> profilesOfType : shippedProfilesByType.entrySet()) {
            for (String profile : profilesOfType.getValue()) {
                validate((Resource) fhirContext.getResourceDefinition(profilesOfType.getKey()).newInstance(), List.of(profile));
            }
        }
        validate(new org.hl7.fhir.r4.model.Patient(), List.of());
        warmUpMillis = (System.nanoTime() - start) / 1_000_000;
        LOG.infof("Validator ready: R4 definitions and %d shipped profiles loaded in %d ms (OID registry: %s)", shippedProfileCount(),
                warmUpMillis, oidRegistry());
    }

    /** How long the warm-up took, or -1 while it has not finished. */
    public long warmUpMillis() {
        return warmUpMillis;
    }

    /**
     * Which OID registry HAPI's validator reads on every validation, and how big it is: the short
     * copy this service ships in the packaged jar, HAPI's 1.5 MB one in tests and dev mode (application.properties).
     */
    private static String oidRegistry() {
        ClassLoader loader = org.hl7.fhir.utilities.OIDUtilities.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream("oidregistry.csv")) {
            return in == null ? "missing" : in.readAllBytes().length / 1024 + " KB";
        } catch (IOException e) {
            return "unreadable";
        }
    }

    private int shippedProfileCount() {
        return shippedProfilesByType.values().stream().mapToInt(List::size).sum();
    }

    private static IssueSeverity severity(ResultSeverityEnum severity) {
        return switch (severity) {
            case FATAL -> IssueSeverity.FATAL;
            case ERROR -> IssueSeverity.ERROR;
            case WARNING -> IssueSeverity.WARNING;
            default -> IssueSeverity.INFORMATION;
        };
    }

    private List<Resource> load(List<String> files) {
        List<Resource> resources = new ArrayList<>();
        for (String file : files) {
            try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(file)) {
                if (in == null) {
                    throw new IllegalStateException("Conformance resource file " + file + " is not on the classpath");
                }
                Resource parsed = (Resource) fhirContext.newJsonParser().parseResource(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                if (parsed instanceof Bundle bundle) {
                    bundle.getEntry().forEach(entry -> resources.add(entry.getResource()));
                } else {
                    resources.add(parsed);
                }
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read " + file, e);
            }
        }
        return resources;
    }
}
