package io.hepatrial.fhir.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Resource;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.search.SearchEngine;
import io.hepatrial.fhir.search.SearchRequestParser;
import io.hepatrial.fhir.store.ResourceStore;
import io.hepatrial.fhir.store.StoreTransactions;
import io.hepatrial.fhir.store.StoredVersion;
import io.hepatrial.fhir.store.WriteOutcome;
import io.hepatrial.fhir.validation.ProfileValidationRule;
import io.hepatrial.fhir.validation.ResourceValidator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * {@code $validate} (operation-resource-validate.html) on every type and instance. The answer is
 * 200 with an OperationOutcome whether or not the resource is valid; a 4xx means the validation
 * could not be done (unknown type or profile, a missing resource, a bad parameter). Without a mode
 * the content is checked against the base definition, the profiles it declares, those the study
 * assigns it and the {@code profile} parameter; modes create, update and delete run the real write
 * with every rule the server applies and roll it back, so "no errors" means the write would succeed.
 */
@Path("/fhir")
public class ValidateEndpoint {

    static final String DEFINITION = "http://hl7.org/fhir/OperationDefinition/Resource-validate";
    private static final int REFERENCES_LISTED = 20;

    private final SupportedResourceTypes types;
    private final FhirRequest request;
    private final FhirResponses responses;
    private final ResourceCodec codec;
    private final ResourceStore store;
    private final ResourceValidator validator;
    private final ProfileValidationRule profileRule;
    private final SearchRequestParser searchParser;
    private final SearchEngine searchEngine;
    private final io.hepatrial.fhir.AccessPolicy access;
    private final SearchBundles searchBundles;

    public ValidateEndpoint(SupportedResourceTypes types, FhirRequest request, FhirResponses responses, ResourceCodec codec,
            ResourceStore store, ResourceValidator validator, ProfileValidationRule profileRule, SearchRequestParser searchParser,
            SearchEngine searchEngine, io.hepatrial.fhir.AccessPolicy access, SearchBundles searchBundles) {
        this.access = access;
        this.searchBundles = searchBundles;
        this.types = types;
        this.request = request;
        this.responses = responses;
        this.codec = codec;
        this.store = store;
        this.validator = validator;
        this.profileRule = profileRule;
        this.searchParser = searchParser;
        this.searchEngine = searchEngine;
    }

    @POST
    @Path("{type}/$validate")
    @Consumes(MediaType.WILDCARD)
    @FhirOperation(name = "validate", type = FhirOperation.EVERY_TYPE, definition = DEFINITION)
    @Operation(summary = "$validate: would this resource be accepted (no mode, mode=create or mode=profile)?")
    @Parameter(name = "mode", in = ParameterIn.QUERY, description = "create, update, delete or profile; none: the content only", schema = @Schema(type = SchemaType.STRING, enumeration = {"create", "update", "delete", "profile"}))
    @Parameter(name = "profile", in = ParameterIn.QUERY, description = "Canonical URL of a profile to validate against as well, e.g. https://hepatrial.org/fhir/StructureDefinition/study-lab-observation", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "An OperationOutcome, whether or not the resource is valid: errors, warnings, or one information issue when it would be accepted", content = @Content(mediaType = "application/fhir+json", schema = @Schema(ref = "OperationOutcome")))
    @APIResponse(responseCode = "400", description = "The validation could not be done: an unknown profile or mode, a resource of another type, no resource")
    public Response validateType(@PathParam("type") String type, String body) {
        types.require(type);
        Arguments arguments = arguments(type, body);
        if (arguments.mode.equals("update") || arguments.mode.equals("delete")) {
            throw FhirException.badRequest("mode=" + arguments.mode + " needs an instance: " + type + "/[id]/$validate");
        }
        return validate(type, null, arguments);
    }

    @POST
    @Path("{type}/{id}/$validate")
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "$validate against an existing resource: mode=update (would this update be accepted) or mode=delete")
    @Parameter(name = "mode", in = ParameterIn.QUERY, description = "create, update, delete or profile; none: the content only", schema = @Schema(type = SchemaType.STRING, enumeration = {"create", "update", "delete", "profile"}))
    @Parameter(name = "profile", in = ParameterIn.QUERY, description = "Canonical URL of a profile to validate against as well, e.g. https://hepatrial.org/fhir/StructureDefinition/study-lab-observation", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "An OperationOutcome, whether or not the resource is valid: errors, warnings, or one information issue when it would be accepted", content = @Content(mediaType = "application/fhir+json", schema = @Schema(ref = "OperationOutcome")))
    @APIResponse(responseCode = "400", description = "The validation could not be done: an unknown profile or mode, a resource of another type, no resource")
    @APIResponse(responseCode = "404", description = "mode=delete: no such resource")
    public Response validateInstance(@PathParam("type") String type, @PathParam("id") String id, String body) {
        types.require(type);
        SupportedResourceTypes.requireValidId(id);
        return validate(type, id, arguments(type, body));
    }

    @GET
    @Path("{type}/{id}/$validate")
    @Operation(summary = "$validate the stored resource (against profile=…), or mode=delete: may it be deleted?")
    @Parameter(name = "mode", in = ParameterIn.QUERY, description = "create, update, delete or profile; none: the content only", schema = @Schema(type = SchemaType.STRING, enumeration = {"create", "update", "delete", "profile"}))
    @Parameter(name = "profile", in = ParameterIn.QUERY, description = "Canonical URL of a profile to validate against as well, e.g. https://hepatrial.org/fhir/StructureDefinition/study-lab-observation", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "An OperationOutcome, whether or not the resource is valid: errors, warnings, or one information issue when it would be accepted", content = @Content(mediaType = "application/fhir+json", schema = @Schema(ref = "OperationOutcome")))
    @APIResponse(responseCode = "400", description = "The validation could not be done: an unknown profile or mode, a resource of another type, no resource")
    @APIResponse(responseCode = "404", description = "No such resource (or it was deleted)")
    public Response validateStored(@PathParam("type") String type, @PathParam("id") String id) {
        types.require(type);
        SupportedResourceTypes.requireValidId(id);
        Arguments arguments = arguments(type, null, false);
        if (arguments.mode.equals("create") || arguments.mode.equals("update")) {
            // resource-operations.html#validate: the resource "must be present unless the mode is 'delete'"
            throw FhirException.badRequest("$validate mode=" + arguments.mode + " needs the resource that would be written: POST it");
        }
        if (!arguments.mode.equals("delete")) {
            Resource stored = codec.parseStored(current(type, id).body());
            arguments = new Arguments(stored, arguments.mode, arguments.profile, null);
        }
        return validate(type, id, arguments);
    }

    private Response validate(String type, String id, Arguments arguments) {
        // a dry run tells what the real interaction would do, so it needs the same permission
        access.authorize(switch (arguments.mode) {
            case "create" -> "create";
            case "update" -> "update";
            case "delete" -> "delete";
            default -> "read";
        }, type);
        if (id != null && !searchBundles.visible(type, id)) {
            throw FhirException.notFound(type + "/" + id + " is not known (or was deleted); nothing to validate against");
        }
        List<OperationOutcomeIssueComponent> issues = new ArrayList<>();
        if (arguments.parseFailure != null) {
            issues.add(error(arguments.parseFailure.issueType(), arguments.parseFailure.getMessage()));
        } else {
            switch (arguments.mode) {
                case "", "profile" -> issues.addAll(content(arguments));
                // "The server checks the content, and then checks that the content would be acceptable as a create" (or update)
                case "create" -> issues.addAll(contentThen(arguments, () -> asWrite(() -> store.create(withoutId(arguments.resource)))));
                case "update" -> issues.addAll(contentThen(arguments, () -> update(type, id, arguments)));
                case "delete" -> issues.addAll(delete(type, id));
                default -> throw FhirException.badRequest("mode takes create, update, delete or profile, not '" + arguments.mode + "'");
            }
        }
        OperationOutcome outcome = new OperationOutcome();
        issues.forEach(outcome::addIssue);
        if (!ProfileValidationRule.hasErrors(issues)) {
            outcome.getIssue().add(0, new OperationOutcomeIssueComponent().setSeverity(IssueSeverity.INFORMATION)
                    .setCode(IssueType.INFORMATIONAL).setDiagnostics(arguments.mode.isEmpty() || arguments.mode.equals("profile")
                            ? "The resource is valid" + (issues.isEmpty() ? "" : " (see the warnings)")
                            : "The " + arguments.mode + " would be accepted" + (issues.isEmpty() ? "" : " (see the warnings)")));
        }
        return responses.resource(200, outcome);
    }

    /** The content's issues, and when it has no errors, those of the write it would be. */
    private List<OperationOutcomeIssueComponent> contentThen(Arguments arguments,
            java.util.function.Supplier<List<OperationOutcomeIssueComponent>> write) {
        List<OperationOutcomeIssueComponent> issues = new ArrayList<>(content(arguments));
        if (!ProfileValidationRule.hasErrors(issues)) {
            issues.addAll(write.get());
        }
        return issues;
    }

    /** The content against the base definition, its declared and assigned profiles, and profile=. */
    private List<OperationOutcomeIssueComponent> content(Arguments arguments) {
        return profileRule.checkAlways(arguments.resource, arguments.profile == null ? List.of() : List.of(arguments.profile));
    }

    private List<OperationOutcomeIssueComponent> update(String type, String id, Arguments arguments) {
        Resource resource = arguments.resource;
        if (!resource.hasIdElement() || !id.equals(resource.getIdElement().getIdPart())) {
            // http.html#update: the body's id must be the URL's
            return List.of(error(IssueType.INVALID, "An update of " + type + "/" + id + " needs the body's id to be " + id
                    + (resource.hasIdElement() ? ", not " + resource.getIdElement().getIdPart() : " (it has none)")));
        }
        Long expected = request.ifMatchVersion();
        return asWrite(() -> store.update(type, id, resource, expected));
    }

    private List<OperationOutcomeIssueComponent> delete(String type, String id) {
        current(type, id);
        List<OperationOutcomeIssueComponent> issues = asWrite(() -> {
            store.delete(type, id, request.ifMatchVersion());
            return new WriteOutcome(null, false);
        });
        // Deleting is allowed, but leaves references to it dangling: say which (as the search index knows them).
        var references = searchEngine.search(searchParser.parse(type, Map.of("_id", List.of(id), "_revinclude", List.of("*"),
                "_count", List.of("1")), false), request.baseUrl()).included();
        if (!references.isEmpty()) {
            List<String> names = references.stream().limit(REFERENCES_LISTED).map(v -> v.type() + "/" + v.id()).toList();
            issues.add(new OperationOutcomeIssueComponent().setSeverity(IssueSeverity.WARNING).setCode(IssueType.BUSINESSRULE)
                    .setDiagnostics(type + "/" + id + " is referenced by " + (references.size() > REFERENCES_LISTED
                            ? "more than " + REFERENCES_LISTED + " resources, among them " : "") + String.join(", ", names)
                            + "; their references would point to a deleted resource"));
        }
        return issues;
    }

    /** The issues of running a write and rolling it back: its warnings, or what refused it. */
    private static List<OperationOutcomeIssueComponent> asWrite(java.util.concurrent.Callable<WriteOutcome> write) {
        try {
            return new ArrayList<>(StoreTransactions.dryRun(write).warnings());
        } catch (FhirException refused) {
            List<OperationOutcomeIssueComponent> issues = new ArrayList<>();
            issues.add(error(refused.issueType(), refused.getMessage() + " (HTTP " + refused.status() + ")"));
            issues.addAll(refused.details());
            return issues;
        }
    }

    /** The current version of {@code type/id}; 404 when there is none or it is deleted. */
    private StoredVersion current(String type, String id) {
        return store.read(type, id).filter(v -> !v.isDeleted())
                .orElseThrow(() -> FhirException.notFound(type + "/" + id + " is not known (or was deleted); nothing to validate against"));
    }

    private static Resource withoutId(Resource resource) {
        Resource copy = resource.copy();
        copy.setIdElement(null);
        return copy;
    }

    private static OperationOutcomeIssueComponent error(IssueType type, String diagnostics) {
        return new OperationOutcomeIssueComponent().setSeverity(IssueSeverity.ERROR).setCode(type).setDiagnostics(diagnostics);
    }

    /**
     * The operation's inputs: the resource (the body itself, or the {@code resource} parameter of a
     * Parameters body), {@code mode} and {@code profile} (from the Parameters body or the query).
     * A body that does not parse is not a failure of the operation but its answer: the resource is invalid.
     */
    private record Arguments(Resource resource, String mode, String profile, FhirException parseFailure) {
    }

    private Arguments arguments(String type, String body) {
        return arguments(type, body, true);
    }

    private Arguments arguments(String type, String body, boolean resourceExpected) {
        request.format();
        String mode = request.query("mode");
        String profile = request.query("profile");
        Resource resource = null;
        FhirException parseFailure = null;
        if (body != null && !body.isBlank()) {
            try {
                Resource parsed = codec.parse(body, request.bodyFormat(), null);
                if (parsed instanceof Parameters parameters && !type.equals("Parameters")) {
                    for (ParametersParameterComponent parameter : parameters.getParameter()) {
                        switch (parameter.getName()) {
                            case "resource" -> resource = parameter.getResource();
                            case "mode" -> mode = parameter.getValue() == null ? null : parameter.getValue().primitiveValue();
                            case "profile" -> profile = parameter.getValue() == null ? null : parameter.getValue().primitiveValue();
                            default -> throw FhirException.badRequest("$validate has no parameter '" + parameter.getName()
                                    + "'; it takes resource, mode and profile");
                        }
                    }
                } else {
                    resource = parsed;
                }
                if (resource != null && !resource.fhirType().equals(type)) {
                    throw FhirException.badRequest("The resource to validate is a " + resource.fhirType() + ", but this URL takes " + type);
                }
            } catch (FhirException e) {
                if (e.issueType() != IssueType.STRUCTURE) {
                    throw e;
                }
                parseFailure = e;
            }
        }
        mode = mode == null ? "" : mode.trim();
        if (resourceExpected && resource == null && parseFailure == null && !mode.equals("delete")) {
            throw FhirException.badRequest("$validate needs the resource to validate (the body, or a Parameters body with 'resource'),"
                    + " unless mode=delete");
        }
        if (profile != null && !validator.knowsProfile(profile)) {
            // operation-resource-validate.html: a nominated profile the server cannot validate against is an error
            throw new FhirException(400, IssueType.NOTSUPPORTED, "Profile " + profile + " is not known to this server");
        }
        return new Arguments(resource, mode, profile, parseFailure);
    }
}
