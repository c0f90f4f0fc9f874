package io.hepatrial.fhir.search;

import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.ids;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/** $reindex rebuilds lost index rows from the stored bodies, in resumable batches. */
@QuarkusTest
class ReindexTest {

    @Inject
    org.hibernate.Session session;

    @Test
    void rebuildsIndexRowsInResumableBatches() {
        String m = unique();
        String id = create("Patient", patient(m, "Reindexed", "R", "female", "1960"));
        assertEquals(List.of(id), ids("Patient?family=Reindexed&identifier=urn:test:" + m + "|"));
        // lose the index rows of that patient
        QuarkusTransaction.requiringNew().run(() -> session.createNativeMutationQuery(
                "delete from search_string where resource_pid = (select pid from resource where res_id = :id)")
                .setParameter("id", id).executeUpdate());
        assertEquals(List.of(), ids("Patient?family=Reindexed&identifier=urn:test:" + m + "|"));

        // one small batch first, then resume from where it stopped
        String next = given().urlEncodingEnabled(false).post("/fhir/$reindex?_type=Patient&_count=1&_batches=1")
                .then().statusCode(200).body("resourceType", equalTo("Parameters"))
                .body("parameter.find { it.name == 'reindexed' }.valueInteger", equalTo(1))
                .extract().path("parameter.find { it.name == 'next' }.valueString");
        given().urlEncodingEnabled(false).post("/fhir/$reindex?_type=Patient&_cursor=" + next).then().statusCode(200)
                .body("parameter.find { it.name == 'next' }", org.hamcrest.Matchers.nullValue());
        assertEquals(List.of(id), ids("Patient?family=Reindexed&identifier=urn:test:" + m + "|"));
    }

    @Test
    void badCursorIs400() {
        given().urlEncodingEnabled(false).post("/fhir/$reindex?_cursor=abc").then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"));
    }
}
