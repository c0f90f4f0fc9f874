package io.hepatrial.fhir.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** GET /fhir/metadata: a CapabilityStatement of what is really implemented. */
@QuarkusTest
class CapabilityStatementTest {

    @Test
    void describesTheServer() {
        given().get("/fhir/metadata").then().statusCode(200)
                .body("resourceType", equalTo("CapabilityStatement"))
                .body("status", equalTo("active"))
                .body("kind", equalTo("instance"))
                .body("fhirVersion", equalTo("4.0.1"))
                .body("format", hasItems("application/fhir+json", "application/fhir+xml"))
                .body("rest[0].mode", equalTo("server"))
                .body("rest[0].resource.type", containsInAnyOrder("Patient", "Observation", "Procedure",
                        "ResearchStudy", "ResearchSubject", "Condition", "NamingSystem",
                        "StructureDefinition", "ValueSet", "CodeSystem", "AuditEvent"))
                .body("rest[0].interaction.code", hasItems("history-system"));
    }

    /** searchParam.definition is R4's canonical URL of the parameter (shared ones included), not one per type. */
    @Test
    void searchParameterDefinitionsAreTheSpecsUrls() {
        given().get("/fhir/metadata").then().statusCode(200)
                .body("rest[0].resource.find { it.type == 'Patient' }.searchParam.find { it.name == 'family' }.definition",
                        equalTo("http://hl7.org/fhir/SearchParameter/individual-family"))
                .body("rest[0].resource.find { it.type == 'Observation' }.searchParam.find { it.name == 'code' }.definition",
                        equalTo("http://hl7.org/fhir/SearchParameter/clinical-code"))
                .body("rest[0].resource.find { it.type == 'Observation' }.searchParam.find { it.name == '_lastUpdated' }.definition",
                        equalTo("http://hl7.org/fhir/SearchParameter/Resource-lastUpdated"));
    }

    @Test
    void theAuditTrailIsListedReadOnly() {
        given().get("/fhir/metadata").then().statusCode(200)
                .body("rest[0].resource.find { it.type == 'AuditEvent' }.interaction.code",
                        hasItems("read", "vread", "search-type", "history-instance"))
                .body("rest[0].resource.find { it.type == 'AuditEvent' }.interaction.code",
                        org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItems("create")))
                .body("rest[0].resource.find { it.type == 'AuditEvent' }.interaction.code",
                        org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasItems("delete")))
                .body("rest[0].resource.find { it.type == 'AuditEvent' }.conditionalCreate", equalTo(false));
    }

    @Test
    void everyTypeListsItsImplementedInteractions() {
        given().get("/fhir/metadata").then().statusCode(200)
                .body("rest[0].resource.find { it.type == 'Observation' }.interaction.code",
                        hasItems("create", "read", "vread", "update", "delete", "history-instance", "history-type"))
                .body("rest[0].resource.find { it.type == 'Patient' }.versioning", equalTo("versioned-update"))
                .body("rest[0].resource.find { it.type == 'Patient' }.updateCreate", equalTo(true));
    }

    @Test
    void listsTheSearchParametersIncludesAndRevincludesSearchUses() {
        given().get("/fhir/metadata").then().statusCode(200)
                .body("rest[0].resource.find { it.type == 'Observation' }.interaction.code", hasItems("search-type"))
                .body("rest[0].resource.find { it.type == 'Observation' }.searchParam.name",
                        hasItems("code", "date", "subject", "patient", "value-quantity", "_lastUpdated", "_id", "_tag"))
                .body("rest[0].resource.find { it.type == 'Observation' }.searchParam.find { it.name == 'value-quantity' }.type",
                        equalTo("quantity"))
                .body("rest[0].resource.find { it.type == 'ResearchSubject' }.searchInclude",
                        hasItems("ResearchSubject:individual", "ResearchSubject:study"))
                .body("rest[0].resource.find { it.type == 'Patient' }.searchRevInclude",
                        hasItems("ResearchSubject:individual", "Observation:subject"));
    }
}
