package io.hepatrial.fhir.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/** create, read, vread, update, delete as FHIR R4 http.html specifies them. */
@QuarkusTest
class CrudTest {

    static final String FHIR_JSON = "application/fhir+json";

    static String patient(String id, String family) {
        return "{\"resourceType\":\"Patient\"" + (id == null ? "" : ",\"id\":\"" + id + "\"")
                + ",\"name\":[{\"family\":\"" + family + "\",\"given\":[\"Li\"]}],\"gender\":\"female\",\"birthDate\":\"1961-04-02\"}";
    }

    static Response create(String body) {
        return given().contentType(FHIR_JSON).body(body).post("/fhir/Patient");
    }

    static String idFromLocation(Response created) {
        String location = created.header("Location");
        String path = location.substring(location.indexOf("/fhir/") + 6);
        return path.split("/")[1];
    }

    @Test
    void createAssignsIdAndAnswers201WithLocationEtagAndLastModified() {
        Response created = create(patient("client-chosen", "Wang"));
        created.then().statusCode(201)
                .header("Location", matchesPattern("http://[^/]+/fhir/Patient/[A-Za-z0-9\\-.]{1,64}/_history/1"))
                .header("ETag", equalTo("W/\"1\""))
                .header("Last-Modified", endsWith("GMT"))
                .contentType(startsWith(FHIR_JSON))
                .body("resourceType", equalTo("Patient"))
                .body("id", not(equalTo("client-chosen")))
                .body("meta.versionId", equalTo("1"))
                .body("meta.lastUpdated", notNullValue())
                .body("name[0].family", equalTo("Wang"));
    }

    /** security.md: AuditEvents are written by the server only, also when token checks are off (as in these tests). */
    @Test
    void auditEventsCannotBeWrittenOverHttpEvenWithSecurityOff() {
        String forged = "{\"resourceType\":\"AuditEvent\",\"type\":{\"code\":\"rest\"},\"recorded\":\"2020-01-01T00:00:00Z\","
                + "\"agent\":[{\"requestor\":true}],\"source\":{\"observer\":{\"display\":\"forger\"}}}";
        given().contentType(FHIR_JSON).body(forged).post("/fhir/AuditEvent").then().statusCode(403)
                .body("resourceType", org.hamcrest.Matchers.equalTo("OperationOutcome"));
        given().contentType(FHIR_JSON).body(forged.replace("{\"resourceType\":\"AuditEvent\",", "{\"resourceType\":\"AuditEvent\",\"id\":\"forged\","))
                .put("/fhir/AuditEvent/forged").then().statusCode(403);
    }

    @Test
    void readReturnsCurrentVersionWithHeaders() {
        String id = idFromLocation(create(patient(null, "Zhang")));
        given().get("/fhir/Patient/" + id).then().statusCode(200)
                .header("ETag", equalTo("W/\"1\""))
                .header("Last-Modified", notNullValue())
                .contentType(startsWith(FHIR_JSON))
                .body("id", equalTo(id))
                .body("name[0].family", equalTo("Zhang"));
    }

    /** references.html#contained: contained resources and the "#id" references to them are kept as sent. */
    @Test
    void containedResourcesAreStoredAsSent() {
        String observation = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"contained\":[{\"resourceType\":\"Patient\","
                + "\"id\":\"p1\",\"name\":[{\"family\":\"Contained\"}]},{\"resourceType\":\"Practitioner\",\"id\":\"dr\","
                + "\"name\":[{\"family\":\"Liu\"}]}],\"code\":{\"text\":\"ALT\"},\"subject\":{\"reference\":\"#p1\"},"
                + "\"performer\":[{\"reference\":\"#dr\"}]}";
        String location = given().contentType(FHIR_JSON).body(observation).post("/fhir/Observation").then().statusCode(201)
                .body("contained.id", org.hamcrest.Matchers.contains("p1", "dr"))
                .extract().header("Location");
        String id = location.substring(location.indexOf("/Observation/") + 13).split("/")[0];
        given().get("/fhir/Observation/" + id).then().statusCode(200)
                .body("contained.resourceType", org.hamcrest.Matchers.contains("Patient", "Practitioner"))
                .body("contained[0].name[0].family", equalTo("Contained"))
                .body("subject.reference", equalTo("#p1"))
                .body("performer[0].reference", equalTo("#dr"));
    }

    @Test
    void readOfUnknownIdIs404WithOperationOutcome() {
        given().get("/fhir/Patient/does-not-exist").then().statusCode(404)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].severity", equalTo("error"))
                .body("issue[0].code", equalTo("not-found"))
                .body("issue[0].diagnostics", containsString("Patient/does-not-exist"));
    }

    @Test
    void updateCreatesNewVersionAndVreadReturnsEachVersion() {
        String id = idFromLocation(create(patient(null, "Liu")));
        given().contentType(FHIR_JSON).body(patient(id, "Liu-Chen")).put("/fhir/Patient/" + id).then().statusCode(200)
                .header("ETag", equalTo("W/\"2\""))
                .header("Location", endsWith("/fhir/Patient/" + id + "/_history/2"))
                .body("meta.versionId", equalTo("2"))
                .body("name[0].family", equalTo("Liu-Chen"));
        given().get("/fhir/Patient/" + id + "/_history/1").then().statusCode(200)
                .header("ETag", equalTo("W/\"1\""))
                .body("name[0].family", equalTo("Liu"))
                .body("meta.versionId", equalTo("1"));
        given().get("/fhir/Patient/" + id + "/_history/2").then().statusCode(200)
                .body("name[0].family", equalTo("Liu-Chen"));
        given().get("/fhir/Patient/" + id + "/_history/3").then().statusCode(404)
                .body("resourceType", equalTo("OperationOutcome"));
    }

    @Test
    void updateAsCreateWithClientChosenIdAnswers201() {
        given().contentType(FHIR_JSON).body(patient("pat-upsert-1", "Zhao")).put("/fhir/Patient/pat-upsert-1").then()
                .statusCode(201)
                .header("ETag", equalTo("W/\"1\""))
                .header("Location", endsWith("/fhir/Patient/pat-upsert-1/_history/1"))
                .body("id", equalTo("pat-upsert-1"));
        given().get("/fhir/Patient/pat-upsert-1").then().statusCode(200).body("name[0].family", equalTo("Zhao"));
    }

    @Test
    void deleteThenReadIs410AndDeletingAgainIsFine() {
        String id = idFromLocation(create(patient(null, "Sun")));
        given().delete("/fhir/Patient/" + id).then().statusCode(200)
                .header("ETag", equalTo("W/\"2\""))
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].severity", equalTo("information"));
        given().get("/fhir/Patient/" + id).then().statusCode(410)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].code", equalTo("deleted"));
        given().delete("/fhir/Patient/" + id).then().statusCode(200)
                .body("resourceType", equalTo("OperationOutcome"));
        // The version before the deletion is still readable; the deletion itself is gone.
        given().get("/fhir/Patient/" + id + "/_history/1").then().statusCode(200);
        given().get("/fhir/Patient/" + id + "/_history/2").then().statusCode(410);
        // An update brings it back as a new version.
        given().contentType(FHIR_JSON).body(patient(id, "Sun")).put("/fhir/Patient/" + id).then().statusCode(201)
                .header("ETag", equalTo("W/\"3\""));
    }

    @Test
    void deleteOfUnknownIdIsFine() {
        given().delete("/fhir/Patient/never-existed").then().statusCode(200)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].severity", equalTo("information"));
    }

    @Test
    void preferReturnMinimalGivesNoBody() {
        given().contentType(FHIR_JSON).header("Prefer", "return=minimal").body(patient(null, "Hu"))
                .post("/fhir/Patient").then().statusCode(201)
                .header("Location", notNullValue())
                .header("ETag", equalTo("W/\"1\""))
                .body(emptyOrNullString());
    }

    @Test
    void preferReturnOperationOutcomeGivesOutcome() {
        given().contentType(FHIR_JSON).header("Prefer", "return=OperationOutcome").body(patient(null, "Hu"))
                .post("/fhir/Patient").then().statusCode(201)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].severity", equalTo("information"));
    }

    @Test
    void preferReturnRepresentationGivesResource() {
        given().contentType(FHIR_JSON).header("Prefer", "return=representation").body(patient(null, "Hu"))
                .post("/fhir/Patient").then().statusCode(201)
                .body("resourceType", equalTo("Patient"));
    }

    @Test
    void everySupportedTypeIsServedByTheSameImplementation() {
        for (String type : new String[] {"Observation", "Procedure", "ResearchStudy", "ResearchSubject", "Condition"}) {
            String body = switch (type) {
                case "Observation" -> "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"2345-7\"}]},"
                        + "\"valueQuantity\":{\"value\":5.4,\"unit\":\"mmol/L\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"mmol/L\"}}";
                case "Procedure" -> "{\"resourceType\":\"Procedure\",\"status\":\"completed\",\"subject\":{\"reference\":\"Patient/x\"}}";
                case "ResearchStudy" -> "{\"resourceType\":\"ResearchStudy\",\"status\":\"active\",\"identifier\":[{\"value\":\"CRUD-TEST-STUDY\"}]}";
                case "ResearchSubject" -> "{\"resourceType\":\"ResearchSubject\",\"status\":\"on-study\",\"study\":{\"reference\":\"ResearchStudy/s\"},\"individual\":{\"reference\":\"Patient/p\"}}";
                default -> "{\"resourceType\":\"Condition\",\"subject\":{\"reference\":\"Patient/p\"}}";
            };
            Response created = given().contentType(FHIR_JSON).body(body).post("/fhir/" + type);
            created.then().statusCode(201).body("resourceType", equalTo(type));
            given().get(created.header("Location")).then().statusCode(200).body("resourceType", equalTo(type));
        }
    }

    @Test
    void unsupportedTypeIs404WithOperationOutcome() {
        given().get("/fhir/Medication/1").then().statusCode(404)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", containsString("not supported"));
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Medication\"}").post("/fhir/Medication").then().statusCode(404)
                .body("resourceType", equalTo("OperationOutcome"));
        given().get("/fhir/NoSuchType/1").then().statusCode(404)
                .body("resourceType", equalTo("OperationOutcome"));
    }

    @Test
    void wrongMethodIs405WithOperationOutcome() {
        given().contentType(FHIR_JSON).body(patient(null, "X")).post("/fhir/Patient/some-id").then().statusCode(405)
                .header("Allow", notNullValue())
                .body("resourceType", equalTo("OperationOutcome"));
        given().delete("/fhir/metadata").then().statusCode(405)
                .body("resourceType", equalTo("OperationOutcome"));
    }
    /**
     * _summary and _elements cut a read down as they cut search entries (search.html#summary,
     * #elements), marked SUBSETTED; the ETag stays the version's. _summary=count belongs to searches.
     */
    @Test
    void readAndVreadHonourSummaryAndElements() {
        String id = idFromLocation(create(patient(null, "Subset")));
        given().get("/fhir/Patient/" + id + "?_elements=gender").then().statusCode(200)
                .header("ETag", equalTo("W/\"1\""))
                .body("id", equalTo(id))
                .body("gender", equalTo("female"))
                .body("name", org.hamcrest.Matchers.nullValue())
                .body("birthDate", org.hamcrest.Matchers.nullValue())
                .body("meta.tag.code", org.hamcrest.Matchers.hasItem("SUBSETTED"));
        given().get("/fhir/Patient/" + id + "/_history/1?_elements=name").then().statusCode(200)
                .body("name[0].family", equalTo("Subset"))
                .body("gender", org.hamcrest.Matchers.nullValue());
        // Patient.name, gender and birthDate are all summary elements; the text narrative is not
        given().contentType(FHIR_JSON).body("{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"text\":{\"status\":\"generated\","
                + "\"div\":\"<div xmlns=\\\"http://www.w3.org/1999/xhtml\\\">Subset</div>\"},\"name\":[{\"family\":\"Subset\"}],"
                + "\"maritalStatus\":{\"text\":\"married\"}}").put("/fhir/Patient/" + id).then().statusCode(200);
        given().get("/fhir/Patient/" + id + "?_summary=true").then().statusCode(200)
                .body("name[0].family", equalTo("Subset"))
                .body("maritalStatus", org.hamcrest.Matchers.nullValue())
                .body("text", org.hamcrest.Matchers.nullValue());
        given().get("/fhir/Patient/" + id + "?_summary=data").then().statusCode(200)
                .body("maritalStatus.text", equalTo("married"))
                .body("text", org.hamcrest.Matchers.nullValue());
        given().get("/fhir/Patient/" + id + "?_summary=false").then().statusCode(200)
                .body("text.status", equalTo("generated"))
                .body("meta.tag", org.hamcrest.Matchers.nullValue());
        given().get("/fhir/Patient/" + id + "?_summary=count").then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"));
        given().get("/fhir/Patient/" + id + "?_summary=everything").then().statusCode(400);
    }
}
