package io.hepatrial.fhir.store;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.hibernate.Session;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import io.hepatrial.fhir.search.SearchTestData;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * PostgreSQL estimates how many index rows a search criterion matches from its statistics; with
 * per-column statistics alone it multiplies the selectivities of res_type, param, code and system,
 * which are anything but independent, and under-estimated a lab code's rows twentyfold — enough to
 * pick a plan that reads and sorts every match where it should stop after a page
 * (V7_1__extended_statistics.sql). On H2, which has no such statistics, there is nothing to check.
 */
@QuarkusTest
class PlannerEstimatesTest {

    private static final Pattern PLAN_ROWS = Pattern.compile("\"Plan Rows\"\\s*:\\s*(\\d+)");

    @Inject
    Session session;

    @Test
    void postgresqlEstimatesATokenCriterionFromTheColumnsTogether() {
        Assumptions.assumeTrue(QuarkusTransaction.requiringNew().call(() -> session.doReturningWork(ValueLists::isPostgres)),
                "extended statistics are PostgreSQL's");
        String marker = SearchTestData.unique();
        String codes = "urn:test:codes:" + marker;
        String patient = SearchTestData.create("Patient", SearchTestData.patient(marker, "Estimate", "E", "female", "1960-01-01"));
        List<String> labs = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            labs.add("{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"" + codes
                    + "\",\"code\":\"c\"}]},\"subject\":{\"reference\":\"Patient/" + patient + "\"},\"valueQuantity\":{\"value\":" + i + "}}");
        }
        given().contentType(SearchTestData.FHIR_JSON).body(SearchTestData.transactionOfCreates("Observation", labs)).post("/fhir").then()
                .statusCode(200);

        long[] estimatedAndActual = QuarkusTransaction.requiringNew().call(() -> session.doReturningWork(connection -> {
            try (var analyze = connection.createStatement()) {
                analyze.execute("analyze search_token");
            }
            String where = " from search_token where res_type = 'Observation' and param = 'code' and code = ? and system = ?";
            long estimated;
            try (PreparedStatement explain = connection.prepareStatement("explain (format json) select 1" + where)) {
                explain.setString(1, "c");
                explain.setString(2, codes);
                try (ResultSet plan = explain.executeQuery()) {
                    plan.next();
                    Matcher rows = PLAN_ROWS.matcher(plan.getString(1));
                    assertTrue(rows.find(), plan.getString(1));
                    estimated = Long.parseLong(rows.group(1));
                }
            }
            try (PreparedStatement count = connection.prepareStatement("select count(*)" + where)) {
                count.setString(1, "c");
                count.setString(2, codes);
                try (ResultSet result = count.executeQuery()) {
                    result.next();
                    return new long[] {estimated, result.getLong(1)};
                }
            }
        }));
        assertEquals(300, estimatedAndActual[1]);
        // independent columns would give a handful of rows here; the columns together give about 300
        assertTrue(estimatedAndActual[0] >= 100, "PostgreSQL expects " + estimatedAndActual[0] + " of 300 rows");
    }
}
