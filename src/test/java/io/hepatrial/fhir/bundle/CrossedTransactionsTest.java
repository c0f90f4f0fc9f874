package io.hepatrial.fhir.bundle;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/**
 * Transactions that update the same two resources in opposite orders can deadlock in the
 * database; each must still succeed (the loser is retried), never answer 5xx.
 */
@QuarkusTest
class CrossedTransactionsTest {

    static String put(String id, String family) {
        return "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"name\":[{\"family\":\"" + family + "\"}]},"
                + "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/" + id + "\"}}";
    }

    @Test
    void crossedUpdatesAllSucceed() throws Exception {
        String a = "cross-a-" + System.nanoTime();
        String b = "cross-b-" + System.nanoTime();
        int rounds = 20;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            // the order of entries is the order of the row locks
            String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                    + (i % 2 == 0 ? put(a, "A" + i) + "," + put(b, "B" + i) : put(b, "B" + i) + "," + put(a, "A" + i)) + "]}";
            statuses.add(pool.submit(() -> {
                start.await();
                return given().contentType("application/fhir+json").body(bundle).post("/fhir").then().extract().statusCode();
            }));
        }
        start.countDown();
        for (Future<Integer> status : statuses) {
            assertEquals(200, status.get());
        }
        pool.shutdown();
        int versionsA = given().get("/fhir/Patient/" + a + "/_history").then().extract().path("total");
        int versionsB = given().get("/fhir/Patient/" + b + "/_history").then().extract().path("total");
        assertEquals(rounds, versionsA);
        assertEquals(rounds, versionsB);
    }
}
