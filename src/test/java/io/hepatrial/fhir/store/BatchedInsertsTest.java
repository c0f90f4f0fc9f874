package io.hepatrial.fhir.store;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import io.hepatrial.fhir.search.SearchTestData;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Index rows are queued with their transaction and sent in batches ({@link BatchedInserts}): what
 * a transaction writes must still be found exactly as if each row had been sent at once — across
 * the queue's intermediate sends, after a rewrite inside the transaction, and not at all after a
 * rollback.
 */
@QuarkusTest
class BatchedInsertsTest {

    @Inject
    ResourceStore store;
    @Inject
    FhirContext fhirContext;

    @Test
    void aTransactionLargerThanTheQueueIsFoundWhole() {
        String marker = SearchTestData.unique();
        String patient = SearchTestData.create("Patient", SearchTestData.patient(marker, "Batch", "Big", "male", "1960-01-01"));
        // about 15 index rows per lab: 200 labs send the queue several times before the commit
        List<String> labs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            labs.add(SearchTestData.observation(marker, patient, i % 2 == 0 ? "1742-6" : "1920-8",
                    "2016-03-" + String.format("%02d", 1 + i % 28), 10 + i, "U/L"));
        }
        given().contentType(SearchTestData.FHIR_JSON).body(SearchTestData.transactionOfCreates("Observation", labs)).post("/fhir").then()
                .statusCode(200);

        assertEquals(200, SearchTestData.search("Observation?identifier=urn:test:" + marker + "|&_summary=count").getInt("total"));
        assertEquals(100, SearchTestData.search("Observation?subject=Patient/" + patient + "&code=http://loinc.org|1742-6&_summary=count")
                .getInt("total"));
        assertEquals(100, SearchTestData.search("Observation?patient=Patient/" + patient + "&code=http://loinc.org|1920-8"
                + "&date=ge2016-03-01&value-quantity=ge10|http://unitsofmeasure.org|U/L&_summary=count").getInt("total"));
    }

    @Test
    void aResourceRewrittenInItsTransactionKeepsOnlyItsLastRows() {
        String marker = SearchTestData.unique();
        String patient = SearchTestData.create("Patient", SearchTestData.patient(marker, "Batch", "Twice", "female", "1970-01-01"));
        String id = QuarkusTransaction.requiringNew().call(() -> {
            Observation lab = parse(SearchTestData.observation(marker, patient, "1742-6", "2016-04-01", 40, "U/L"));
            String created = store.create(lab).version().id();
            Observation corrected = parse(SearchTestData.observation(marker, patient, "1920-8", "2016-04-02", 41, "U/L"));
            store.update("Observation", created, corrected, null);
            return created;
        });
        assertEquals(List.of(), SearchTestData.ids("Observation?subject=Patient/" + patient + "&code=http://loinc.org|1742-6"));
        assertEquals(List.of(id), SearchTestData.ids("Observation?subject=Patient/" + patient + "&code=http://loinc.org|1920-8"));
        assertEquals(List.of(), SearchTestData.ids("Observation?subject=Patient/" + patient + "&date=2016-04-01"));
    }

    @Test
    void aRolledBackTransactionLeavesNoRows() {
        String marker = SearchTestData.unique();
        String patient = SearchTestData.create("Patient", SearchTestData.patient(marker, "Batch", "Gone", "female", "1970-01-01"));
        try {
            QuarkusTransaction.requiringNew().run(() -> {
                store.create(parse(SearchTestData.observation(marker, patient, "1742-6", "2016-05-01", 40, "U/L")));
                throw new IllegalStateException("rolled back on purpose");
            });
        } catch (IllegalStateException expected) {
            assertTrue(expected.getMessage().contains("on purpose"));
        }
        assertEquals(0, SearchTestData.search("Observation?subject=Patient/" + patient + "&_summary=count").getInt("total"));
    }

    private Observation parse(String json) {
        return fhirContext.newJsonParser().parseResource(Observation.class, json);
    }
}
