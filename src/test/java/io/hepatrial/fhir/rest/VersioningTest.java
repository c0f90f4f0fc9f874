package io.hepatrial.fhir.rest;

import static io.hepatrial.fhir.rest.CrudTest.FHIR_JSON;
import static io.hepatrial.fhir.rest.CrudTest.create;
import static io.hepatrial.fhir.rest.CrudTest.idFromLocation;
import static io.hepatrial.fhir.rest.CrudTest.patient;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** Version-aware updates (http.html#concurrency) and conditional reads (http.html#cread). */
@QuarkusTest
class VersioningTest {

    @Test
    void ifMatchWithCurrentVersionUpdates() {
        String id = idFromLocation(create(patient(null, "Deng")));
        given().contentType(FHIR_JSON).header("If-Match", "W/\"1\"").body(patient(id, "Deng2")).put("/fhir/Patient/" + id)
                .then().statusCode(200).header("ETag", equalTo("W/\"2\""));
    }

    @Test
    void staleIfMatchOnPutIs412AndChangesNothing() {
        String id = idFromLocation(create(patient(null, "Deng")));
        given().contentType(FHIR_JSON).body(patient(id, "Deng2")).put("/fhir/Patient/" + id).then().statusCode(200);
        given().contentType(FHIR_JSON).header("If-Match", "W/\"1\"").body(patient(id, "Stale")).put("/fhir/Patient/" + id)
                .then().statusCode(412).body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].code", equalTo("conflict"));
        given().get("/fhir/Patient/" + id).then().header("ETag", equalTo("W/\"2\"")).body("name[0].family", equalTo("Deng2"));
    }

    @Test
    void staleIfMatchOnDeleteIs412() {
        String id = idFromLocation(create(patient(null, "Deng")));
        given().contentType(FHIR_JSON).body(patient(id, "Deng2")).put("/fhir/Patient/" + id).then().statusCode(200);
        given().header("If-Match", "W/\"1\"").delete("/fhir/Patient/" + id).then().statusCode(412)
                .body("resourceType", equalTo("OperationOutcome"));
        given().get("/fhir/Patient/" + id).then().statusCode(200);
        given().header("If-Match", "W/\"2\"").delete("/fhir/Patient/" + id).then().statusCode(200);
        given().get("/fhir/Patient/" + id).then().statusCode(410);
    }

    @Test
    void ifNoneMatchWithCurrentEtagIs304() {
        String id = idFromLocation(create(patient(null, "Feng")));
        given().header("If-None-Match", "W/\"1\"").get("/fhir/Patient/" + id).then().statusCode(304)
                .header("ETag", equalTo("W/\"1\""));
        given().contentType(FHIR_JSON).body(patient(id, "Feng2")).put("/fhir/Patient/" + id).then().statusCode(200);
        given().header("If-None-Match", "W/\"1\"").get("/fhir/Patient/" + id).then().statusCode(200)
                .body("name[0].family", equalTo("Feng2"));
    }

    @Test
    void ifModifiedSinceIs304WhenUnchanged() {
        String id = idFromLocation(create(patient(null, "Cao")));
        String lastModified = given().get("/fhir/Patient/" + id).then().extract().header("Last-Modified");
        given().header("If-Modified-Since", lastModified).get("/fhir/Patient/" + id).then().statusCode(304);
        given().header("If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT").get("/fhir/Patient/" + id).then().statusCode(200);
    }

    /** Parallel writers on one resource: every update becomes its own version, none is lost. */
    @Test
    void parallelUpdatesNeverLoseAnUpdate() throws Exception {
        String id = idFromLocation(create(patient(null, "Race")));
        int writers = 8;
        int updatesPerWriter = 5;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<String>>> results = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            Callable<List<String>> task = () -> {
                start.await();
                List<String> etags = new ArrayList<>();
                for (int u = 0; u < updatesPerWriter; u++) {
                    etags.add(given().contentType(FHIR_JSON).body(patient(id, "W" + writer + "-" + u))
                            .put("/fhir/Patient/" + id).then().statusCode(200).extract().header("ETag"));
                }
                return etags;
            };
            results.add(pool.submit(task));
        }
        start.countDown();
        Set<String> etags = new HashSet<>();
        for (Future<List<String>> result : results) {
            etags.addAll(result.get());
        }
        pool.shutdown();
        int updates = writers * updatesPerWriter;
        assertEquals(updates, etags.size(), "each update got its own version");
        given().get("/fhir/Patient/" + id).then().header("ETag", equalTo("W/\"" + (updates + 1) + "\""));
        given().queryParam("_count", 100).get("/fhir/Patient/" + id + "/_history").then().statusCode(200)
                .body("total", equalTo(updates + 1))
                .body("entry.size()", equalTo(updates + 1));
    }

    /** Parallel writers that all name the same If-Match version: exactly one wins, the rest get 412. */
    @Test
    void parallelVersionAwareUpdatesLetExactlyOneWin() throws Exception {
        String id = idFromLocation(create(patient(null, "Race2")));
        int writers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            statuses.add(pool.submit(() -> {
                start.await();
                return given().contentType(FHIR_JSON).header("If-Match", "W/\"1\"").body(patient(id, "W" + writer))
                        .put("/fhir/Patient/" + id).then().extract().statusCode();
            }));
        }
        start.countDown();
        int ok = 0;
        int preconditionFailed = 0;
        for (Future<Integer> status : statuses) {
            int s = status.get();
            if (s == 200) {
                ok++;
            } else if (s == 412) {
                preconditionFailed++;
            }
        }
        pool.shutdown();
        assertEquals(1, ok);
        assertEquals(writers - 1, preconditionFailed);
    }

    /** Parallel update-as-create of one new id: one creates version 1, the others update it. */
    @Test
    void parallelUpdateAsCreateOfOneIdCreatesOnce() throws Exception {
        String id = "race-create-" + System.nanoTime();
        int writers = 6;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            statuses.add(pool.submit(() -> {
                start.await();
                return given().contentType(FHIR_JSON).body(patient(id, "Same")).put("/fhir/Patient/" + id)
                        .then().extract().statusCode();
            }));
        }
        start.countDown();
        int created = 0;
        int updated = 0;
        for (Future<Integer> status : statuses) {
            int s = status.get();
            created += s == 201 ? 1 : 0;
            updated += s == 200 ? 1 : 0;
        }
        pool.shutdown();
        assertEquals(1, created);
        assertEquals(writers - 1, updated);
        given().get("/fhir/Patient/" + id).then().header("ETag", equalTo("W/\"" + writers + "\""));
    }
}
