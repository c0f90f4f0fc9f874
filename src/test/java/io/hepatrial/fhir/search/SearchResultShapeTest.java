package io.hepatrial.fhir.search;

import static io.hepatrial.fhir.search.SearchTestData.FHIR_JSON;
import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.ids;
import static io.hepatrial.fhir.search.SearchTestData.observation;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.search;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static io.hepatrial.fhir.search.SearchTestData.url;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** The searchset Bundle: paging, sorting, _total, _summary, _elements, links and POST _search. */
@QuarkusTest
class SearchResultShapeTest {

    static List<String> patients(String m, int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(create("Patient", patient(m, "Page" + (char) ('A' + (i * 7) % n), "P", i % 2 == 0 ? "female" : "male",
                    (1950 + i) + "-01-01")));
        }
        return ids;
    }

    /** Follows next links from the first page; returns every match id in order. */
    static List<String> allPages(String first, Runnable afterFirstPage) {
        List<String> seen = new ArrayList<>();
        for (JsonPath page : pages(first, afterFirstPage)) {
            seen.addAll(page.getList("entry.resource.id"));
        }
        return seen;
    }

    /** Every page, from the first one through its next links. */
    static List<JsonPath> pages(String first, Runnable afterFirstPage) {
        List<JsonPath> pages = new ArrayList<>();
        JsonPath page = search(first);
        while (true) {
            pages.add(page);
            if (pages.size() == 1 && afterFirstPage != null) {
                afterFirstPage.run();
            }
            String next = page.getString("link.find { it.relation == 'next' }.url");
            if (next == null) {
                return pages;
            }
            page = given().urlEncodingEnabled(false).get(next.substring(next.indexOf("/fhir/"))).then().statusCode(200)
                    .extract().jsonPath();
        }
    }

    @Test
    void searchsetWithSelfLinkAndTotal() {
        String m = unique();
        patients(m, 3);
        JsonPath page = search("Patient?identifier=urn:test:" + m + "|");
        assertEquals("searchset", page.getString("type"));
        assertEquals(3, page.getInt("total"));
        assertTrue(page.getString("link.find { it.relation == 'self' }.url").contains("identifier=urn:test:" + m + "%7C"));
        assertEquals(List.of("match", "match", "match"), page.getList("entry.search.mode"));
        assertTrue(page.getString("entry[0].fullUrl").contains("/fhir/Patient/"));
    }

    /**
     * search.html: the self link says how the server understood the search, and it is the link of
     * this page: a later page's self link is the next link that led to it; the _count used (at most
     * the maximum) replaces the one asked for, and empty parameters, which do nothing, are left out.
     */
    @Test
    void selfLinkNamesThePageAndTheParametersAsUsed() {
        String m = unique();
        patients(m, 3);
        List<JsonPath> pages = pages("Patient?identifier=urn:test:" + m + "|&_count=2&_sort=", null);
        assertEquals(2, pages.size());
        String firstSelf = pages.get(0).getString("link.find { it.relation == 'self' }.url");
        String next = pages.get(0).getString("link.find { it.relation == 'next' }.url");
        assertFalse(firstSelf.contains("_cursor"), firstSelf);
        assertFalse(firstSelf.contains("_sort"), firstSelf);
        assertEquals(queryParts(next), queryParts(pages.get(1).getString("link.find { it.relation == 'self' }.url")));
        String clamped = search("Patient?identifier=urn:test:" + m + "|&_count=5000").getString("link.find { it.relation == 'self' }.url");
        assertTrue(queryParts(clamped).contains("_count=1000"), clamped);
    }

    /** A link's path and its query's parameters, in any order. */
    static java.util.Set<String> queryParts(String url) {
        java.util.Set<String> parts = new HashSet<>(List.of(url.substring(url.indexOf('?') + 1).split("&")));
        parts.add(url.substring(0, url.indexOf('?')));
        return parts;
    }

    /**
     * Without _total the first page counts up to hepatrial.search.default-total-limit (500) matches
     * and leaves Bundle.total out beyond (search.html lets the server choose); _total=accurate and
     * _summary=count always count.
     */
    @Test
    void unaskedTotalIsCountedUpToTheLimit() {
        String m = unique();
        String patient = create("Patient", patient(m, "Many", "Labs", "female", "1960-01-01"));
        for (int batch = 0; batch < 2; batch++) { // the test profile allows 500 entries per Bundle
            StringBuilder entries = new StringBuilder();
            for (int i = batch * 400; i < Math.min(501, batch * 400 + 400); i++) {
                // 500 temperatures and one heart rate
                String lab = i == 0 ? observation(m, patient, "8867-4", "2020-01-01", 70, "/min")
                        : observation(m, patient, "8310-5", "2020-01-01", 37, "Cel");
                entries.append(entries.length() == 0 ? "" : ",").append("{\"resource\":").append(lab)
                        .append(",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}");
            }
            given().contentType(FHIR_JSON).header("Prefer", "return=minimal")
                    .body("{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[" + entries + "]}").post("/fhir").then().statusCode(200);
        }

        assertEquals(500, search("Observation?subject=Patient/" + patient + "&code=http://loinc.org|8310-5").getInt("total"));
        JsonPath unasked = search("Observation?subject=Patient/" + patient);
        assertNull(unasked.get("total"));
        assertEquals(20, unasked.getList("entry").size());
        assertNotNull(unasked.getString("link.find { it.relation == 'next' }.url"));
        // the same with _sort (no index walk: a separate bounded count)
        assertNull(search("Observation?subject=Patient/" + patient + "&_sort=-date").get("total"));
        assertEquals(500, search("Observation?subject=Patient/" + patient + "&code=http://loinc.org|8310-5&_sort=-date").getInt("total"));
        assertEquals(501, search("Observation?subject=Patient/" + patient + "&_total=accurate").getInt("total"));
        assertEquals(501, search("Observation?subject=Patient/" + patient + "&_summary=count").getInt("total"));
        assertEquals(1, search("Observation?subject=Patient/" + patient + "&code=http://loinc.org|8867-4").getInt("total"));
    }

    @Test
    void pagesAreStableWhileNewDataArrives() {
        String m = unique();
        List<String> created = patients(m, 7);
        AtomicBoolean inserted = new AtomicBoolean();
        List<String> seen = allPages("Patient?identifier=urn:test:" + m + "|&_count=3", () -> {
            // written after the first page: must not shift or repeat later pages
            create("Patient", patient(m, "Late", "L", "female", "2000-01-01"));
            inserted.set(true);
        });
        assertTrue(inserted.get());
        assertEquals(new HashSet<>(seen).size(), seen.size(), "no repeats: " + seen);
        assertTrue(seen.containsAll(created), "nothing skipped");
    }

    /**
     * Every entry a search returns matches the search, however its resources change meanwhile:
     * the search reads one snapshot. (On H2 a sorted search reads its driving matches in one
     * statement and their resources in a second; without a snapshot a resource renamed between
     * the two was returned under a name the search did not ask for.)
     */
    private static final ca.uhn.fhir.parser.IParser PARSER = ca.uhn.fhir.context.FhirContext.forR4Cached().newJsonParser();

    @Test
    void everyEntryMatchesWhileItsResourcesChange() throws Exception {
        String m = unique();
        String family = "Flip" + m;
        List<String> renamed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            renamed.add(create("Patient", patient(m, family, "F", "female", (1960 + i) + "-01-01")));
        }
        AtomicBoolean stop = new AtomicBoolean();
        java.util.concurrent.ExecutorService writers = java.util.concurrent.Executors.newFixedThreadPool(renamed.size());
        java.util.concurrent.atomic.AtomicInteger updated = new java.util.concurrent.atomic.AtomicInteger();
        List<java.util.concurrent.Future<Integer>> updates = new ArrayList<>();
        for (String id : renamed) {
            updates.add(writers.submit(() -> {
                int n = 0;
                while (!stop.get()) {
                    // renamed away and back: matching the search half of the time
                    String name = n % 2 == 0 ? "Flop" + m : family;
                    given().contentType(FHIR_JSON).body(patient(m, name, "F", "female", "1960-01-01").replaceFirst("\\{",
                            "{\"id\":\"" + id + "\",")).put("/fhir/Patient/" + id).then().statusCode(200);
                    n++;
                    updated.incrementAndGet();
                }
                return n;
            }));
        }
        int searches = 0;
        try {
            // until the renames and the searches have crossed often enough (at most a minute on a slow machine)
            long end = System.nanoTime() + 60_000_000_000L;
            while ((updated.get() < 200 || searches < 100) && System.nanoTime() < end) {
                for (String query : List.of("Patient?family=" + family + "&_sort=birthdate", "Patient?family=" + family
                        + "&_total=accurate&_sort=-_lastUpdated")) {
                    // parsed by HAPI: a GPath expression per search costs more than the search here
                    org.hl7.fhir.r4.model.Bundle page = PARSER.parseResource(org.hl7.fhir.r4.model.Bundle.class,
                            given().urlEncodingEnabled(false).get("/fhir/" + url(query)).then().statusCode(200).extract().asString());
                    List<String> families = page.getEntry().stream()
                            .map(e -> ((org.hl7.fhir.r4.model.Patient) e.getResource()).getNameFirstRep().getFamily()).toList();
                    assertTrue(families.stream().allMatch(family::equals), query + " returned " + families);
                    if (page.hasTotal()) {
                        assertEquals(page.getTotal(), families.size(), "the total counts the entries it came with");
                    }
                    searches++;
                }
            }
        } finally {
            stop.set(true);
            writers.shutdown();
        }
        for (java.util.concurrent.Future<Integer> writer : updates) {
            assertTrue(writer.get() > 0, "every resource changed while the searches ran");
        }
        assertTrue(updated.get() >= 200 && searches >= 100, updated + " renames, " + searches + " searches");
    }

    @Test
    void sortByOneOrSeveralKeysFollowedAcrossPages() {
        String m = unique();
        patients(m, 6);
        List<String> byFamily = allPages("Patient?identifier=urn:test:" + m + "|&_sort=family,-birthdate&_count=2", null);
        JsonPath all = search("Patient?identifier=urn:test:" + m + "|&_sort=family,-birthdate&_count=50");
        // (GPath's "entry.resource.name[0].family" would be the first entry's names only)
        List<String> families = all.getList("entry.resource.collect { it.name[0].family }");
        assertEquals(6, families.size());
        List<String> sorted = new ArrayList<>(families);
        sorted.sort(null);
        assertEquals(sorted, families);
        assertEquals(all.getList("entry.resource.id"), byFamily);

        List<String> births = search("Patient?identifier=urn:test:" + m + "|&_sort=-birthdate").getList("entry.resource.birthDate");
        List<String> descending = new ArrayList<>(births);
        descending.sort(java.util.Comparator.reverseOrder());
        assertEquals(descending, births);
    }

    @Test
    void pagesOfSeveralCriteriaGoForwardAndBackWithoutGapsOrRepeats() {
        String m = unique();
        String patient = create("Patient", patient(m, "Pages", "P", "female", "1970-01-01"));
        for (int i = 0; i < 12; i++) {
            create("Observation", observation(m, patient, i % 3 == 0 ? "1920-8" : "1742-6", "2016-" + String.format("%02d", 1 + i) + "-01",
                    10 + i, "U/L"));
        }
        // one criterion walked in pid order, the others checked per candidate beside the page's cursor
        // (positive, negated, a range, a chain)
        String query = "Observation?subject=Patient/" + patient + "&code=http://loinc.org|1742-6&date=ge2016-03-01"
                + "&status:not=cancelled&identifier=urn:test:" + m + "|&subject.gender=female";
        List<String> all = search(query + "&_count=50").getList("entry.resource.id");
        assertEquals(7, all.size());
        assertEquals(all, allPages(query + "&_count=2", null));

        List<List<String>> forward = new ArrayList<>();
        List<JsonPath> pages = pages(query + "&_count=2", null);
        pages.forEach(p -> forward.add(p.getList("entry.resource.id")));
        JsonPath page = pages.get(pages.size() - 1);
        for (int i = forward.size() - 2; i >= 0; i--) {
            String previous = page.getString("link.find { it.relation == 'previous' }.url");
            page = given().urlEncodingEnabled(false).get(previous.substring(previous.indexOf("/fhir/"))).then().statusCode(200)
                    .extract().jsonPath();
            assertEquals(forward.get(i), page.getList("entry.resource.id"), "page " + (i + 1) + " again, from the one after it");
        }
    }

    @Test
    void previousLinkLeadsBack() {
        previousLinkLeadsBack("&_sort=birthdate");
        previousLinkLeadsBack("");
    }

    void previousLinkLeadsBack(String sort) {
        String m = unique();
        patients(m, 5);
        JsonPath first = search("Patient?identifier=urn:test:" + m + "|&_count=2" + sort);
        assertNull(first.getString("link.find { it.relation == 'previous' }.url"));
        String next = first.getString("link.find { it.relation == 'next' }.url");
        JsonPath second = given().urlEncodingEnabled(false).get(next.substring(next.indexOf("/fhir/"))).then().extract().jsonPath();
        String previous = second.getString("link.find { it.relation == 'previous' }.url");
        assertNotNull(previous);
        JsonPath back = given().urlEncodingEnabled(false).get(previous.substring(previous.indexOf("/fhir/"))).then().extract().jsonPath();
        assertEquals(first.getList("entry.resource.id"), back.getList("entry.resource.id"));
    }

    @Test
    void forgedCursorsAre400() {
        String m = unique();
        patients(m, 3);
        String next = search("Patient?identifier=urn:test:" + m + "|&_count=1&_sort=birthdate").getString("link.find { it.relation == 'next' }.url");
        String cursor = next.substring(next.indexOf("_cursor=") + 8);
        // a cursor of another sort (a string where a date belongs) and a cursor that is not one
        String otherSort = search("Patient?identifier=urn:test:" + m + "|&_count=1&_sort=family").getString("link.find { it.relation == 'next' }.url");
        String stringCursor = otherSort.substring(otherSort.indexOf("_cursor=") + 8);
        given().urlEncodingEnabled(false).get("/fhir/Patient?_sort=birthdate&_cursor=" + stringCursor).then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"));
        given().urlEncodingEnabled(false).get("/fhir/Patient?_sort=family,birthdate&_cursor=" + cursor).then().statusCode(400);
        given().urlEncodingEnabled(false).get("/fhir/Patient?_cursor=bm9uc2Vuc2U").then().statusCode(400);
    }

    @Test
    void totalModesAndSummaryCount() {
        String m = unique();
        patients(m, 4);
        String q = "Patient?identifier=urn:test:" + m + "|";
        assertNull(search(q + "&_total=none").get("total"));
        assertEquals(4, search(q + "&_total=accurate").getInt("total"));
        JsonPath count = search(q + "&_summary=count");
        assertEquals(4, count.getInt("total"));
        assertNull(count.get("entry"));
        assertEquals(4, search(q + "&_count=0").getInt("total"));
    }

    @Test
    void summaryAndElementsCutTheEntries() {
        String m = unique();
        patients(m, 1);
        JsonPath elements = search("Patient?identifier=urn:test:" + m + "|&_elements=gender");
        assertEquals("female", elements.getString("entry[0].resource.gender"));
        assertNull(elements.get("entry[0].resource.birthDate"));
        assertNull(elements.get("entry[0].resource.name"));
        JsonPath summary = search("Patient?identifier=urn:test:" + m + "|&_summary=true");
        assertNotNull(summary.get("entry[0].resource.name"));
        assertNotNull(summary.get("entry[0].resource.id"));
    }

    @Test
    void unknownParametersAreIgnoredAndLeftOutOfSelfUnlessStrict() {
        String m = unique();
        patients(m, 2);
        JsonPath page = search("Patient?identifier=urn:test:" + m + "|&favourite-colour=blue");
        assertEquals(2, page.getInt("total"));
        assertFalse(page.getString("link.find { it.relation == 'self' }.url").contains("favourite"));
        given().urlEncodingEnabled(false).header("Prefer", "handling=strict")
                .get("/fhir/" + url("Patient?identifier=urn:test:" + m + "|&favourite-colour=blue"))
                .then().statusCode(400).body("resourceType", equalTo("OperationOutcome"));
    }

    @Test
    void postSearchIsTheSameAsGet() {
        String m = unique();
        String p = create("Patient", patient(m, "Post", "P", "female", "1960"));
        String obs = create("Observation", observation(m, p, "1742-6", "2016-01-01", 40, "U/L"));
        given().contentType("application/x-www-form-urlencoded").formParam("subject", "Patient/" + p)
                .formParam("code", "http://loinc.org|1742-6").post("/fhir/Observation/_search")
                .then().statusCode(200).body("type", equalTo("searchset")).body("total", equalTo(1))
                .body("entry[0].resource.id", equalTo(obs));
        assertEquals(List.of(obs), ids("Observation?subject=Patient/" + p + "&code=http://loinc.org|1742-6"));
    }

    @Test
    void searchOnUnsupportedTypeIs404() {
        given().get("/fhir/Medication?code=x").then().statusCode(404).body("resourceType", equalTo("OperationOutcome"));
    }

    @Test
    void xmlSearchset() {
        given().accept("application/fhir+xml").get("/fhir/Patient?_count=1").then().statusCode(200)
                .body(org.hamcrest.Matchers.startsWith("<Bundle xmlns=\"http://hl7.org/fhir\">"));
        given().accept(FHIR_JSON).get("/fhir/Patient?_count=1&_total=none").then().statusCode(200).body("total", nullValue());
    }
}
