package io.hepatrial.fhir.rest;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementKind;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.ConditionalDeleteStatus;
import org.hl7.fhir.r4.model.CapabilityStatement.ConditionalReadStatus;
import org.hl7.fhir.r4.model.CapabilityStatement.ResourceVersionPolicy;
import org.hl7.fhir.r4.model.CapabilityStatement.RestfulCapabilityMode;
import org.hl7.fhir.r4.model.CapabilityStatement.SystemRestfulInteraction;
import org.hl7.fhir.r4.model.CapabilityStatement.TypeRestfulInteraction;
import org.hl7.fhir.r4.model.Enumerations.FHIRVersion;
import org.hl7.fhir.r4.model.Enumerations.PublicationStatus;
import org.hl7.fhir.r4.model.Enumerations.SearchParamType;

import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.validation.ResourceValidator;
import io.hepatrial.fhir.search.SearchParameterDefinition;
import io.hepatrial.fhir.search.SearchParameterRegistry;
import jakarta.inject.Singleton;

/**
 * Builds the CapabilityStatement ({@code GET /fhir/metadata}) from what is implemented: the
 * configured resource types and the interactions marked with {@link FhirInteraction} on the
 * endpoint classes, so it cannot claim more, or less, than the server does.
 */
@Singleton
public class CapabilityStatementFactory {

    private static final Set<String> SYSTEM_INTERACTIONS = Set.of("transaction", "batch", "search-system", "history-system");

    private final SupportedResourceTypes types;
    private final SearchParameterRegistry searchParameters;
    private final ResourceValidator validator;
    private final String version;
    private final Date started = new Date();
    private final List<String> typeInteractions = new ArrayList<>();
    private final List<String> systemInteractions = new ArrayList<>();
    private final List<FhirOperation> operations = new ArrayList<>();

    public CapabilityStatementFactory(SupportedResourceTypes types, SearchParameterRegistry searchParameters, FhirEndpoints endpoints,
            ResourceValidator validator, @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev") String version) {
        this.types = types;
        this.validator = validator;
        this.searchParameters = searchParameters;
        this.version = version;
        for (Class<?> endpoint : endpoints.classes()) {
            for (Method method : endpoint.getDeclaredMethods()) {
                FhirOperation operation = method.getAnnotation(FhirOperation.class);
                if (operation != null && operations.stream().noneMatch(o -> o.name().equals(operation.name())
                        && o.type().equals(operation.type()))) {
                    operations.add(operation);
                }
                FhirInteraction mark = method.getAnnotation(FhirInteraction.class);
                if (mark != null) {
                    for (String code : mark.value()) {
                        (SYSTEM_INTERACTIONS.contains(code) ? systemInteractions : typeInteractions).add(code);
                    }
                }
            }
        }
        typeInteractions.sort(null);
        systemInteractions.sort(null);
    }

    /** The interaction codes implemented for every resource type. */
    private static final java.util.Set<String> WRITES = java.util.Set.of("create", "update", "patch", "delete");

    public List<String> typeInteractions() {
        return List.copyOf(typeInteractions);
    }

    /** The search parameters, includes and revincludes of a type, from the registry search itself uses. */
    private void addSearch(CapabilityStatementRestResourceComponent resource, String type) {
        resource.addSearchInclude("*");
        for (SearchParameterDefinition param : searchParameters.forType(type)) {
            resource.addSearchParam().setName(param.name())
                    .setDefinition(io.hepatrial.fhir.search.CoreSearchParameterUrls.of(type, param.name()).orElse(param.uri()))
                    .setType(SearchParamType.fromCode(param.kind().getCode())).setDocumentation(param.description());
            if (param.kind() == RestSearchParameterTypeEnum.REFERENCE) {
                resource.addSearchInclude(type + ":" + param.name());
            }
        }
        for (String source : types.all()) {
            for (SearchParameterDefinition param : searchParameters.forType(source)) {
                boolean pointsHere = param.targets().isEmpty() || param.targets().contains(type);
                if (param.kind() == RestSearchParameterTypeEnum.REFERENCE && pointsHere) {
                    resource.addSearchRevInclude(source + ":" + param.name());
                }
            }
        }
    }

    public CapabilityStatement build(String baseUrl) {
        CapabilityStatement cs = new CapabilityStatement();
        cs.setStatus(PublicationStatus.ACTIVE);
        cs.setDate(started);
        cs.setPublisher("Hepatrial");
        cs.setKind(CapabilityStatementKind.INSTANCE);
        cs.getSoftware().setName("Hepatrial").setVersion(version);
        cs.getImplementation().setDescription("Hepatrial: FHIR R4 hub of the stem-cell therapy study of liver cirrhosis")
                .setUrl(baseUrl);
        cs.setFhirVersion(FHIRVersion._4_0_1);
        cs.addFormat("application/fhir+json").addFormat("application/fhir+xml").addFormat("json").addFormat("xml");

        CapabilityStatementRestComponent rest = cs.addRest().setMode(RestfulCapabilityMode.SERVER);
        for (String type : types.all()) {
            CapabilityStatementRestResourceComponent resource = rest.addResource()
                    .setType(type)
                    .setProfile("http://hl7.org/fhir/StructureDefinition/" + type);
            boolean writable = !SupportedResourceTypes.writtenByTheServerOnly(type);
            for (String code : typeInteractions) {
                if (writable || !WRITES.contains(code)) {
                    resource.addInteraction().setCode(TypeRestfulInteraction.fromCode(code));
                }
            }
            resource.setVersioning(ResourceVersionPolicy.VERSIONEDUPDATE)
                    .setReadHistory(typeInteractions.contains("vread"))
                    .setUpdateCreate(writable && typeInteractions.contains("update"))
                    .setConditionalCreate(writable)
                    .setConditionalUpdate(writable)
                    .setConditionalRead(ConditionalReadStatus.FULLSUPPORT)
                    .setConditionalDelete(writable ? ConditionalDeleteStatus.SINGLE : ConditionalDeleteStatus.NOTSUPPORTED);
            if (typeInteractions.contains("search-type")) {
                addSearch(resource, type);
            }
            // the profiles this server ships and validates against (docs/validation.md)
            for (String profile : validator.shippedProfilesByType().getOrDefault(type, List.of())) {
                resource.addSupportedProfile(profile);
            }
            for (FhirOperation operation : operations) {
                if (operation.type().equals(type) || operation.type().equals(FhirOperation.EVERY_TYPE)) {
                    resource.addOperation().setName(operation.name()).setDefinition(operation.definition());
                }
            }
        }
        for (String code : systemInteractions) {
            rest.addInteraction().setCode(SystemRestfulInteraction.fromCode(code));
        }
        for (FhirOperation operation : operations) {
            if (operation.type().isEmpty()) {
                rest.addOperation().setName(operation.name()).setDefinition(operation.definition());
            }
        }
        return cs;
    }
}
