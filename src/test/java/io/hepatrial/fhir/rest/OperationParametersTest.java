package io.hepatrial.fhir.rest;

import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.observation;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.List;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.ResearchStudy;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * Operations invoked the spec's first way: POST with a Parameters resource as the body
 * (operations.html#request), as HAPI's generic client does, besides GET and form-encoded POST.
 */
@QuarkusTest
class OperationParametersTest {

    private static final String FHIR_JSON = "application/fhir+json";

    @TestHTTPResource("/fhir")
    URL base;

    /** A patient with two labs; returns its id. */
    private static String patientWithTwoLabs() {
        String m = unique();
        String id = create("Patient", patient(m, "Ops" + m, "O", "female", "1970"));
        create("Observation", observation(m, id, "1742-6", "2016-01-01", 40, "U/L"));
        create("Observation", observation(m, id, "1920-8", "2016-01-01", 38, "U/L"));
        return id;
    }

    @Test
    void everythingTakesItsParametersFromAParametersBody() {
        String id = patientWithTwoLabs();
        JsonPath page = given().contentType(FHIR_JSON).body("{\"resourceType\":\"Parameters\",\"parameter\":["
                + "{\"name\":\"_count\",\"valueInteger\":1},{\"name\":\"_type\",\"valueString\":\"Observation\"}]}")
                .post("/fhir/Patient/" + id + "/$everything").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("Observation"), page.getList("entry.resource.resourceType"));
        assertEquals(2, page.getInt("total"));
        String next = page.getString("link.find { it.relation == 'next' }.url");
        assertTrue(next.contains("_count=1") && next.contains("_type=Observation"), next);

        String xml = "<Parameters xmlns=\"http://hl7.org/fhir\"><parameter><name value=\"_type\"/>"
                + "<valueString value=\"Patient\"/></parameter></Parameters>";
        given().contentType("application/fhir+xml").accept(FHIR_JSON).body(xml).post("/fhir/Patient/" + id + "/$everything")
                .then().statusCode(200).body("entry.resource.resourceType", equalTo(List.of("Patient")));
    }

    @Test
    void aParameterThatIsNotPrimitiveOrNotKnownIsRefused() {
        String id = patientWithTwoLabs();
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_type\","
                + "\"resource\":{\"resourceType\":\"Patient\"}}]}").post("/fhir/Patient/" + id + "/$everything")
                .then().statusCode(400).body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", containsString("'_type' must have a primitive value"));
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_count\","
                + "\"valueCoding\":{\"code\":\"1\"}}]}").post("/fhir/Patient/" + id + "/$everything")
                .then().statusCode(400).body("issue[0].diagnostics", containsString("'_count'"));
        // the body must be a Parameters resource
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Patient\"}").post("/fhir/Patient/" + id + "/$everything")
                .then().statusCode(400).body("issue[0].diagnostics", containsString("Parameters"));
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"colour\",\"valueString\":\"red\"}]}")
                .post("/fhir/ResearchStudy/$outcomes").then().statusCode(400).body("issue[0].diagnostics", containsString("colour"));
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_type\",\"valueString\":\"Nothing\"}]}")
                .post("/fhir/$reindex").then().statusCode(404);
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_count\",\"valueString\":\"many\"}]}")
                .post("/fhir/$reindex").then().statusCode(400).body("issue[0].diagnostics", containsString("_count"));
        given().urlEncodingEnabled(false).post("/fhir/$reindex?_kind=all").then().statusCode(400);
    }

    @Test
    void reindexTakesItsTypeAndBatchFromTheBody() {
        patientWithTwoLabs();
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"_type\",\"valueString\":\"Patient\"},"
                + "{\"name\":\"_count\",\"valueInteger\":1},{\"name\":\"_batches\",\"valueInteger\":1}]}")
                .post("/fhir/$reindex").then().statusCode(200)
                .body("parameter.find { it.name == 'reindexed' }.valueInteger", equalTo(1))
                .body("parameter.find { it.name == 'next' }.valueString", org.hamcrest.Matchers.notNullValue());
        given().contentType("application/x-www-form-urlencoded").formParam("_type", "Patient").formParam("_count", "1")
                .formParam("_batches", "1").post("/fhir/$reindex").then().statusCode(200)
                .body("parameter.find { it.name == 'reindexed' }.valueInteger", equalTo(1));
    }

    @Test
    void hapisGenericClientInvokesTheOperations() {
        String id = patientWithTwoLabs();
        FhirContext context = FhirContext.forR4Cached();
        context.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        context.getRestfulClientFactory().setSocketTimeout(60_000);
        IGenericClient client = context.newRestfulGenericClient(base.toString());

        Bundle everything = client.operation().onInstance(new IdType("Patient", id)).named("$everything")
                .withNoParameters(Parameters.class).returnResourceType(Bundle.class).execute();
        assertEquals(3, everything.getTotal());
        Bundle labs = client.operation().onInstance(new IdType("Patient", id)).named("$everything")
                .withParameter(Parameters.class, "_type", new StringType("Observation")).andParameter("_count", new IntegerType(1))
                .returnResourceType(Bundle.class).execute();
        assertEquals(1, labs.getEntry().size());
        assertEquals("Observation", labs.getEntryFirstRep().getResource().fhirType());

        Parameters outcomes = client.operation().onType(ResearchStudy.class).named("$outcomes")
                .withParameter(Parameters.class, "study", new StringType("NCT01491165")).execute();
        assertTrue(outcomes.hasParameter(), "the outcome report");

        Parameters reindexed = client.operation().onServer().named("$reindex")
                .withParameter(Parameters.class, "_type", new StringType("Patient")).andParameter("_count", new IntegerType(1))
                .andParameter("_batches", new IntegerType(1)).execute();
        assertEquals(1, ((IntegerType) reindexed.getParameter("reindexed").getValue()).getValue());
    }
}
