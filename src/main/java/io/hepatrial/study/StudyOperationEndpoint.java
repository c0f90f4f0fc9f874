package io.hepatrial.study;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.rest.FhirOperation;
import io.hepatrial.fhir.rest.FhirRequest;
import io.hepatrial.fhir.rest.FhirResponses;
import io.hepatrial.fhir.rest.SearchBundles;
import io.hepatrial.fhir.search.SearchEngine;
import io.hepatrial.fhir.search.SearchRequestParser;
import io.hepatrial.fhir.store.ResourceStore;
import io.hepatrial.fhir.store.StoredVersion;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

/**
 * The study's operations. {@code $outcomes} on a ResearchStudy (by id, or at type level with
 * {@code study=} a registry number) recomputes the study's outcome claims from the data and answers
 * a {@code Parameters} resource (docs/outcomes.md).
 */
@Path("/fhir")
public class StudyOperationEndpoint {

    private final OutcomesReport outcomes;
    private final FhirRequest request;
    private final FhirResponses responses;
    private final ResourceStore store;
    private final SearchRequestParser parser;
    private final SearchEngine engine;
    private final SearchBundles searchBundles;
    private final io.hepatrial.fhir.rest.OperationParameters operationParameters;

    public StudyOperationEndpoint(OutcomesReport outcomes, FhirRequest request, FhirResponses responses, ResourceStore store,
            SearchRequestParser parser, SearchEngine engine, SearchBundles searchBundles,
            io.hepatrial.fhir.rest.OperationParameters operationParameters) {
        this.searchBundles = searchBundles;
        this.operationParameters = operationParameters;
        this.outcomes = outcomes;
        this.request = request;
        this.responses = responses;
        this.store = store;
        this.parser = parser;
        this.engine = engine;
    }

    @GET
    @Path("ResearchStudy/{id}/$outcomes")
    @FhirOperation(name = "outcomes", type = "ResearchStudy", definition = "https://hepatrial.org/fhir/OperationDefinition/outcomes")
    @Operation(summary = "$outcomes: the study's outcomes recomputed from the data (baseline vs follow-up, response rate, strata)")
    @Parameter(name = "baselineDays", in = ParameterIn.QUERY, description = "Days before the first transplantation course whose values count as baseline (default 30)", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "followUpFrom", in = ParameterIn.QUERY, description = "Follow-up window start, days after the first course (default 28)", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "followUpTo", in = ParameterIn.QUERY, description = "Follow-up window end, days after the first course (default 365)", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "strata", in = ParameterIn.QUERY, description = "Strata of the report, comma-separated: etiology, courses or none (default etiology,courses)", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "Parameters: the outcome report (per marker baseline vs follow-up, Child-Pugh response rate, strata)", content = @Content(mediaType = "application/fhir+json", schema = @Schema(ref = "Parameters")))
    @APIResponse(responseCode = "400", description = "An unknown parameter or an invalid value")
    @APIResponse(responseCode = "404", description = "No ResearchStudy with this id")
    @APIResponse(responseCode = "410", description = "The ResearchStudy was deleted")
    public Response outcomes(@PathParam("id") String id) {
        return outcomes(id, request.uriInfo().getQueryParameters());
    }

    @POST
    @Path("ResearchStudy/{id}/$outcomes")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Operation(summary = "$outcomes with form parameters")
    public Response outcomesByPost(@PathParam("id") String id, MultivaluedMap<String, String> form) {
        return outcomes(id, request.queryAndForm(form));
    }

    @POST
    @Path("ResearchStudy/{id}/$outcomes")
    @Consumes({io.hepatrial.fhir.rest.FhirFormat.FHIR_JSON, io.hepatrial.fhir.rest.FhirFormat.FHIR_XML, MediaType.APPLICATION_JSON, MediaType.APPLICATION_XML, MediaType.TEXT_XML})
    @Operation(hidden = true, summary = "$outcomes with a Parameters body")
    public Response outcomesWithParameters(@PathParam("id") String id, String body) {
        return outcomes(id, operationParameters.queryAnd(request, body, "$outcomes"));
    }

    @GET
    @Path("ResearchStudy/$outcomes")
    @Operation(summary = "$outcomes of the study named by study=[registry number or identifier token]")
    @Parameter(name = "study", in = ParameterIn.QUERY, description = "The study's registry number (NCT01491165 or ChiCTR-TNRC-11001488, any spelling) or an identifier token system|value", schema = @Schema(type = SchemaType.STRING), required = true)
    @Parameter(name = "baselineDays", in = ParameterIn.QUERY, description = "Days before the first transplantation course whose values count as baseline (default 30)", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "followUpFrom", in = ParameterIn.QUERY, description = "Follow-up window start, days after the first course (default 28)", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "followUpTo", in = ParameterIn.QUERY, description = "Follow-up window end, days after the first course (default 365)", schema = @Schema(type = SchemaType.INTEGER))
    @Parameter(name = "strata", in = ParameterIn.QUERY, description = "Strata of the report, comma-separated: etiology, courses or none (default etiology,courses)", schema = @Schema(type = SchemaType.STRING))
    @APIResponse(responseCode = "200", description = "Parameters: the outcome report (per marker baseline vs follow-up, Child-Pugh response rate, strata)", content = @Content(mediaType = "application/fhir+json", schema = @Schema(ref = "Parameters")))
    @APIResponse(responseCode = "400", description = "No study parameter, an unknown parameter or an invalid value")
    @APIResponse(responseCode = "404", description = "No ResearchStudy has this identifier")
    @APIResponse(responseCode = "412", description = "Several ResearchStudies have this identifier")
    public Response outcomesByNumber() {
        return outcomes(null, request.uriInfo().getQueryParameters());
    }

    @POST
    @Path("ResearchStudy/$outcomes")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Operation(summary = "$outcomes by registry number, with form parameters")
    public Response outcomesByNumberByPost(MultivaluedMap<String, String> form) {
        return outcomes(null, request.queryAndForm(form));
    }

    @POST
    @Path("ResearchStudy/$outcomes")
    @Consumes({io.hepatrial.fhir.rest.FhirFormat.FHIR_JSON, io.hepatrial.fhir.rest.FhirFormat.FHIR_XML, MediaType.APPLICATION_JSON, MediaType.APPLICATION_XML, MediaType.TEXT_XML})
    @Operation(hidden = true, summary = "$outcomes by registry number, with a Parameters body")
    public Response outcomesByNumberWithParameters(String body) {
        return outcomes(null, operationParameters.queryAnd(request, body, "$outcomes"));
    }

    private Response outcomes(String id, MultivaluedMap<String, String> parameters) {
        request.format();
        for (String name : parameters.keySet()) {
            if (!List.of("study", "baselineDays", "followUpFrom", "followUpTo", "strata", "_format", "_pretty").contains(name)) {
                throw FhirException.badRequest("$outcomes has no parameter '" + name
                        + "'; it takes study, baselineDays, followUpFrom, followUpTo and strata");
            }
        }
        String studyId = id == null ? studyByNumber(parameters.getFirst("study")) : existingStudy(id);
        if (!searchBundles.visible("ResearchStudy", studyId)) {
            // a partner bound to another study learns nothing, not even that this one exists
            throw FhirException.notFound("ResearchStudy/" + studyId + " is not known");
        }
        OutcomesReport.Windows windows = new OutcomesReport.Windows(days(parameters, "baselineDays", 30),
                days(parameters, "followUpFrom", 28), days(parameters, "followUpTo", 365));
        if (windows.followUpTo() <= windows.followUpFrom()) {
            throw FhirException.badRequest("followUpTo (" + windows.followUpTo() + ") must be after followUpFrom (" + windows.followUpFrom() + ")");
        }
        List<OutcomesReport.Stratifier> strata = new ArrayList<>();
        String strataText = parameters.containsKey("strata") ? parameters.getFirst("strata") : "etiology,courses";
        for (String stratum : strataText.split(",")) {
            if (stratum.isBlank() || stratum.equals("none")) {
                continue;
            }
            try {
                strata.add(OutcomesReport.Stratifier.valueOf(stratum.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw FhirException.badRequest("strata takes etiology, courses or none (comma-separated), not '" + stratum + "'");
            }
        }
        return responses.resource(200, outcomes.report(studyId, windows, strata));
    }

    private String existingStudy(String id) {
        StoredVersion study = store.read("ResearchStudy", id).orElseThrow(() -> FhirException.notFound("ResearchStudy/" + id + " is not known"));
        if (study.isDeleted()) {
            throw new FhirException(410, org.hl7.fhir.r4.model.OperationOutcome.IssueType.DELETED, "ResearchStudy/" + id + " was deleted");
        }
        return id;
    }

    /** The study a registry number (any spelling, with or without its system) names. */
    private String studyByNumber(String number) {
        if (number == null || number.isBlank()) {
            throw FhirException.badRequest("ResearchStudy/$outcomes needs study=[registry number], e.g. study=NCT01491165");
        }
        if (!number.contains("|") && TrialRegistry.byNumber(number.trim()).isEmpty()) {
            // (with a system, the identifier search itself checks the number's format)
            throw FhirException.badRequest("study=" + number + " is not a registry number: NCT and 8 digits (ClinicalTrials.gov),"
                    + " or ChiCTR-XXX-8 digits / ChiCTR and 10 digits (Chinese Clinical Trial Registry)");
        }
        var matches = engine.search(parser.parse("ResearchStudy", Map.of("identifier", List.of(number), "_count", List.of("2")), false), "")
                .matches();
        if (matches.isEmpty()) {
            throw FhirException.notFound("No ResearchStudy has the identifier " + number);
        }
        if (matches.size() > 1) {
            throw FhirException.preconditionFailed("Several ResearchStudies have the identifier " + number + "; name one by id");
        }
        return matches.get(0).id();
    }

    private static int days(MultivaluedMap<String, String> parameters, String name, int fallback) {
        String value = parameters.getFirst(name);
        if (value == null) {
            return fallback;
        }
        try {
            int days = Integer.parseInt(value.trim());
            if (days < 0 || days > 36500) {
                throw new NumberFormatException();
            }
            return days;
        } catch (NumberFormatException e) {
            throw FhirException.badRequest(name + " takes a number of days (0 to 36500), not '" + value + "'");
        }
    }
}
