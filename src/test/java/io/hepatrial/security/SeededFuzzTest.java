package io.hepatrial.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import ca.uhn.fhir.context.FhirContext;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A seeded fuzz test (issue 8): valid study resources and searches, mutated at random, sent over
 * HTTP. Every answer must be below 500, every error an OperationOutcome, and the store must hold
 * exactly what was accepted: each written resource carries a tracking identifier (a system of this
 * run, the request's number as value) that mutations never touch, so after the run the resources
 * with that system are compared with the requests that were answered 2xx.
 *
 * <p>Deterministic: request n is built from {@code new Random(seed * 1_000_003 + n)}, whatever
 * thread sends it. Rerun one failure with {@code -Dhepatrial.fuzz.seed=… -Dhepatrial.fuzz.requests=…}.
 */
@QuarkusTest
class SeededFuzzTest {

    static final long SEED = Long.getLong("hepatrial.fuzz.seed", 20240808L);
    static final int REQUESTS = Integer.getInteger("hepatrial.fuzz.requests", 10_000);
    static final int CLIENTS = 4;

    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    static final List<String> WRITTEN_TYPES = List.of("Patient", "Observation", "Procedure", "Condition", "ResearchSubject");

    @TestHTTPResource("/fhir")
    URI base;

    /** This run's identifier system; the values are "n" (request n) or "n-k" (entry k of Bundle n). */
    final String system = "urn:hepatrial:fuzz:" + SEED + ":" + java.util.UUID.randomUUID();

    HttpClient client;
    String patientId;
    String studyId;
    String patientXmlTemplate;

    /** What happened to each request: its kind and status, and the locations a 2xx write returned. */
    record Outcome(String kind, int status, List<String> locations) {
        boolean stored() {
            return status >= 200 && status < 300 && !kind.equals("validate") && !kind.equals("search");
        }
    }

    final Map<Integer, Outcome> outcomes = new ConcurrentHashMap<>();
    /** The bodies of accepted single writes, to show with a problem. */
    final Map<Integer, String> sentBodies = new ConcurrentHashMap<>();
    final Queue<String> failures = new ConcurrentLinkedQueue<>();

    @Test
    void mutatedResourcesAndQueriesNeverFailTheServerOrLeavePartialData() throws Exception {
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        setUp();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> workers = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            workers.add(pool.submit(() -> {
                for (int n = next.getAndIncrement(); n < REQUESTS && failures.size() < 50; n = next.getAndIncrement()) {
                    sendOne(n);
                }
                return null;
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
        pool.shutdown();
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Integer> byStatus = new java.util.TreeMap<>();
        outcomes.values().forEach(o -> byStatus.merge(o.kind + " " + o.status, 1, Integer::sum));
        System.out.printf("Fuzz seed %d: %d requests in %.1f s; %s%n", SEED, outcomes.size(), seconds, byStatus);
        assertTrue(failures.isEmpty(), failures.size() + " failures, the first:\n" + String.join("\n\n", failures.stream().limit(10).toList()));
        assertEquals(REQUESTS, outcomes.size());
        checkStoredMatchesAccepted();
    }

    // --- one request -------------------------------------------------------------------------------

    private void sendOne(int n) {
        Random random = new Random(SEED * 1_000_003L + n);
        int pick = random.nextInt(100);
        HttpRequest.Builder request;
        String kind;
        String body = null;
        try {
            if (pick < 35) {
                String type = WRITTEN_TYPES.get(random.nextInt(WRITTEN_TYPES.size()));
                body = mutatedResource(random, type, String.valueOf(n), null);
                kind = "create";
                request = post(base + "/" + type, body, "application/fhir+json");
            } else if (pick < 42) {
                kind = "create-xml";
                body = mutateText(random, patientXmlTemplate.replace("@VALUE@", String.valueOf(n)), "<identifier>", "</identifier>");
                request = post(base + "/Patient", body, "application/fhir+xml");
            } else if (pick < 50) {
                String type = WRITTEN_TYPES.get(random.nextInt(WRITTEN_TYPES.size()));
                String id = "fz-" + n;
                body = mutatedResource(random, type, String.valueOf(n), id);
                kind = "update";
                request = HttpRequest.newBuilder(URI.create(base + "/" + type + "/" + id)).header("Content-Type", "application/fhir+json")
                        .PUT(HttpRequest.BodyPublishers.ofString(body));
            } else if (pick < 62) {
                kind = "transaction";
                body = mutatedTransaction(random, n);
                request = post(base.toString(), body, "application/fhir+json");
            } else if (pick < 67) {
                String type = WRITTEN_TYPES.get(random.nextInt(WRITTEN_TYPES.size()));
                body = mutatedResource(random, type, String.valueOf(n), null);
                kind = "validate";
                request = post(base + "/" + type + "/$validate" + (random.nextBoolean() ? "?mode=create" : ""), body, "application/fhir+json");
            } else {
                kind = "search";
                String query = mutatedQuery(random);
                request = HttpRequest.newBuilder(URI.create(base + "/" + query)).GET();
                body = query;
            }
        } catch (RuntimeException e) {
            failures.add("request " + n + ": the fuzzer could not build it: " + e);
            return;
        }
        request.header("Accept", "application/fhir+json").timeout(Duration.ofSeconds(60));
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            failures.add("request " + n + " (" + kind + ") got no answer: " + e + "\n" + abbreviate(body));
            return;
        }
        int status = response.statusCode();
        List<String> locations = new ArrayList<>();
        if (status >= 500) {
            failures.add("request " + n + " (" + kind + ") answered " + status + ": " + abbreviate(response.body()) + "\n" + abbreviate(body));
        } else if (status >= 400) {
            if (!isOperationOutcome(response)) {
                failures.add("request " + n + " (" + kind + ") answered " + status + " without an OperationOutcome: "
                        + abbreviate(response.body()) + "\n" + abbreviate(body));
            }
        } else if (kind.startsWith("create") || kind.equals("update")) {
            sentBodies.put(n, body);
            response.headers().firstValue("Location").ifPresentOrElse(locations::add,
                    () -> failures.add("request " + n + " (" + kind + ") answered " + status + " without a Location"));
        } else if (kind.equals("transaction")) {
            try {
                for (JsonNode entry : JSON.readTree(response.body()).path("entry")) {
                    String location = entry.path("response").path("location").asText("");
                    if (!location.isEmpty()) {
                        locations.add(location);
                    }
                }
            } catch (Exception e) {
                failures.add("request " + n + " (transaction) answered " + status + " with an unreadable body: " + e);
            }
        }
        outcomes.put(n, new Outcome(kind, status, locations));
    }

    private static HttpRequest.Builder post(String url, String body, String contentType) {
        return HttpRequest.newBuilder(URI.create(url)).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static boolean isOperationOutcome(HttpResponse<String> response) {
        String body = response.body();
        if (body.startsWith("<")) {
            return body.contains("<OperationOutcome");
        }
        try {
            return "OperationOutcome".equals(JSON.readTree(body).path("resourceType").asText());
        } catch (Exception e) {
            return false;
        }
    }

    // --- the check after the run ---------------------------------------------------------------------

    /**
     * The resources carrying this run's system are exactly those of accepted writes: a value of a
     * refused request, a $validate or a search is partial or phantom data. Every accepted single write
     * is there, and every location an accepted write answered reads back.
     */
    private void checkStoredMatchesAccepted() throws Exception {
        Set<String> found = new HashSet<>();
        for (String type : WRITTEN_TYPES) {
            String url = base + "/" + type + "?identifier=" + URLEncoder.encode(system + "|", StandardCharsets.UTF_8)
                    + "&_count=500&_elements=identifier";
            while (url != null) {
                HttpResponse<String> page = client.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/fhir+json").build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, page.statusCode(), page.body());
                JsonNode bundle = JSON.readTree(page.body());
                for (JsonNode entry : bundle.path("entry")) {
                    for (JsonNode identifier : entry.path("resource").path("identifier")) {
                        if (system.equals(identifier.path("system").asText())) {
                            found.add(identifier.path("value").asText());
                        }
                    }
                }
                url = null;
                for (JsonNode link : bundle.path("link")) {
                    if (link.path("relation").asText().equals("next")) {
                        url = link.path("url").asText();
                    }
                }
            }
        }
        List<String> problems = new ArrayList<>();
        found.removeAll(Set.of("setup", "setup-alt"));
        for (String value : found) {
            Outcome outcome;
            try {
                outcome = outcomes.get(Integer.parseInt(value.split("-")[0]));
            } catch (NumberFormatException e) {
                problems.add("stored a tracking value no request sent: " + value);
                continue;
            }
            int n = Integer.parseInt(value.split("-")[0]);
            if (outcome == null || !outcome.stored()) {
                problems.add("stored, though request " + n + " was " + (outcome == null ? "not answered" : outcome.kind + " " + outcome.status)
                        + ": " + value);
            }
        }
        int accepted = 0;
        for (Map.Entry<Integer, Outcome> entry : outcomes.entrySet()) {
            Outcome outcome = entry.getValue();
            if (!outcome.stored()) {
                continue;
            }
            accepted++;
            if (!outcome.kind.equals("transaction") && !found.contains(String.valueOf(entry.getKey()))) {
                problems.add("request " + entry.getKey() + " (" + outcome.kind + " " + outcome.status + ") is not stored: "
                        + outcome.locations + " " + abbreviate(sentBodies.get(entry.getKey())));
            }
            for (String location : outcome.locations) {
                String path = location.contains("/fhir/") ? location.substring(location.indexOf("/fhir/") + 6) : location;
                HttpResponse<String> read = client.send(HttpRequest.newBuilder(URI.create(base + "/" + path))
                        .header("Accept", "application/fhir+json").build(), HttpResponse.BodyHandlers.ofString());
                if (read.statusCode() != 200) {
                    problems.add("request " + entry.getKey() + ": " + location + " reads " + read.statusCode());
                }
            }
        }
        System.out.printf("Fuzz seed %d: %d writes accepted, %d tracking values stored%n", SEED, accepted, found.size());
        assertTrue(problems.isEmpty(), problems.size() + " problems: " + String.join("\n", problems.stream().limit(20).toList()));
    }

    // --- valid study resources ---------------------------------------------------------------------

    private void setUp() throws Exception {
        String created = send(post(base + "/Patient", resource("Patient", "setup", null), "application/fhir+json"), 201)
                .headers().firstValue("Location").orElseThrow();
        patientId = created.substring(created.indexOf("/Patient/") + 9).split("/")[0];
        HttpResponse<String> studies = send(HttpRequest.newBuilder(URI.create(base + "/ResearchStudy?_count=1")).header("Accept",
                "application/fhir+json"), 200);
        studyId = JSON.readTree(studies.body()).path("entry").path(0).path("resource").path("id").asText("unknown");
        // the validator's first run loads the R4 definitions: not part of the fuzzing
        send(post(base + "/Observation", resource("Observation", "setup-alt", null), "application/fhir+json"), 201);
        FhirContext fhir = FhirContext.forR4Cached();
        patientXmlTemplate = fhir.newXmlParser().encodeResourceToString(fhir.newJsonParser().parseResource(resource("Patient", "@VALUE@", null)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request, int expected) throws Exception {
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expected, response.statusCode(), response.body());
        return response;
    }

    /** A valid resource of the type, with the tracking identifier first. */
    String resource(String type, String value, String id) {
        String identifier = "\"identifier\":[{\"system\":\"" + system + "\",\"value\":\"" + value + "\"}]";
        String idField = id == null ? "" : "\"id\":\"" + id + "\",";
        String subject = "{\"reference\":\"Patient/" + patientId + "\"}";
        return switch (type) {
            case "Patient" -> "{\"resourceType\":\"Patient\"," + idField + identifier + ",\"active\":true,\"name\":[{\"family\":\"Fuzz\","
                    + "\"given\":[\"Ana\"]}],\"gender\":\"female\",\"birthDate\":\"1961-04-02\",\"telecom\":[{\"system\":\"phone\","
                    + "\"value\":\"+86 10 1234\"}],\"address\":[{\"city\":\"Guangzhou\",\"postalCode\":\"510080\"}]}";
            case "Observation" -> "{\"resourceType\":\"Observation\"," + idField + identifier + ",\"status\":\"final\","
                    + "\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"laboratory\"}]}],"
                    + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"1742-6\"}],\"text\":\"ALT\"},\"subject\":" + subject
                    + ",\"effectiveDateTime\":\"2016-03-01T08:30:00Z\",\"valueQuantity\":{\"value\":42,\"unit\":\"U/L\","
                    + "\"system\":\"http://unitsofmeasure.org\",\"code\":\"U/L\"}}";
            case "Procedure" -> "{\"resourceType\":\"Procedure\"," + idField + identifier + ",\"status\":\"completed\",\"code\":{\"text\":"
                    + "\"liver biopsy\"},\"subject\":" + subject + ",\"performedDateTime\":\"2016-03-02\"}";
            case "Condition" -> "{\"resourceType\":\"Condition\"," + idField + identifier + ",\"clinicalStatus\":{\"coding\":[{\"system\":"
                    + "\"http://terminology.hl7.org/CodeSystem/condition-clinical\",\"code\":\"active\"}]},\"code\":{\"coding\":[{\"system\":"
                    + "\"http://snomed.info/sct\",\"code\":\"235856003\"}],\"text\":\"liver disease\"},\"subject\":" + subject
                    + ",\"onsetDateTime\":\"2015-11-20\"}";
            case "ResearchSubject" -> "{\"resourceType\":\"ResearchSubject\"," + idField + identifier + ",\"status\":\"candidate\","
                    + "\"study\":{\"reference\":\"ResearchStudy/" + studyId + "\"},\"individual\":" + subject + "}";
            default -> throw new IllegalArgumentException(type);
        };
    }

    // --- mutations ---------------------------------------------------------------------------------

    /** A valid resource, mutated in its tree (1 to 3 times) and then, sometimes, as text. */
    String mutatedResource(Random random, String type, String value, String id) {
        try {
            ObjectNode tree = (ObjectNode) JSON.readTree(resource(type, value, id));
            int mutations = random.nextInt(4);
            for (int i = 0; i < mutations; i++) {
                mutateTree(random, tree, true);
            }
            String text = JSON.writeValueAsString(tree);
            return random.nextInt(5) == 0 ? mutateText(random, text, "\"identifier\":[{\"system\":\"" + system, "}") : text;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A transaction of a Patient, its ALT Observation (by urn:uuid) and a Condition, mutated like single resources. */
    String mutatedTransaction(Random random, int n) {
        try {
            String patientUrl = "urn:uuid:" + new java.util.UUID(SEED, n);
            ObjectNode bundle = (ObjectNode) JSON.readTree("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[]}");
            ArrayNode entries = bundle.withArray("entry");
            String[] types = {"Patient", "Observation", "Condition"};
            for (int k = 0; k < types.length; k++) {
                ObjectNode resource = (ObjectNode) JSON.readTree(resource(types[k], n + "-" + k, null)
                        .replace("Patient/" + patientId, k == 0 ? "Patient/" + patientId : patientUrl));
                ObjectNode entry = entries.addObject();
                if (k == 0) {
                    entry.put("fullUrl", patientUrl);
                }
                entry.set("resource", resource);
                entry.putObject("request").put("method", "POST").put("url", types[k]);
            }
            int mutations = random.nextInt(4);
            for (int i = 0; i < mutations; i++) {
                JsonNode target = random.nextInt(3) == 0 || entries.isEmpty() ? bundle
                        : entries.get(random.nextInt(entries.size())).path("resource");
                if (target instanceof ObjectNode object) {
                    mutateTree(random, object, object != bundle);
                }
            }
            String text = JSON.writeValueAsString(bundle);
            return random.nextInt(6) == 0 ? mutateText(random, text, null, null) : text;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** One mutation somewhere in the tree; the tracking identifier (the root's "identifier") is left alone. */
    private void mutateTree(Random random, ObjectNode root, boolean keepIdentifier) {
        List<JsonNode> containers = new ArrayList<>();
        collectContainers(root, root, keepIdentifier, containers);
        JsonNode container = containers.get(random.nextInt(containers.size()));
        if (container instanceof ObjectNode object) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            if (object == root && keepIdentifier || isTracking(object.get("identifier"))) {
                names.remove("identifier");
            }
            String name = names.isEmpty() ? "x" : names.get(random.nextInt(names.size()));
            switch (random.nextInt(7)) {
                case 0 -> object.remove(name);
                case 1 -> object.set(name, randomValue(random));
                case 2 -> {
                    String added = randomName(random);
                    if (!added.equals("identifier") || !names.contains("identifier") && !isTracking(object.get("identifier"))
                            && !(object == root && keepIdentifier)) {
                        object.set(added, randomValue(random));
                    }
                }
                case 3 -> {
                    JsonNode current = object.get(name);
                    if (current != null) {
                        object.set(name, current.isArray() ? current.path(0) : NODES.arrayNode().add(current).add(current.deepCopy()));
                    }
                }
                case 4 -> object.put(name, randomString(random));
                case 5 -> object.set(name, randomNumber(random));
                default -> object.put(name, randomDate(random));
            }
        } else if (container instanceof ArrayNode array && !array.isEmpty()) {
            int index = random.nextInt(array.size());
            switch (random.nextInt(4)) {
                case 0 -> array.remove(index);
                case 1 -> array.add(array.get(index).deepCopy());
                case 2 -> array.set(index, randomValue(random));
                default -> array.insert(index, NODES.nullNode());
            }
        }
    }

    /** Whether the node is an identifier array holding this run's tracking identifier. */
    private boolean isTracking(JsonNode identifiers) {
        return identifiers != null && identifiers.toString().contains(system);
    }

    private void collectContainers(JsonNode node, ObjectNode root, boolean keepIdentifier, List<JsonNode> into) {
        if (node.isContainerNode()) {
            into.add(node);
        }
        if (node instanceof ObjectNode object) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (!(field.getKey().equals("identifier") && (object == root && keepIdentifier || isTracking(field.getValue())))) {
                    collectContainers(field.getValue(), root, keepIdentifier, into);
                }
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(child -> collectContainers(child, root, keepIdentifier, into));
        }
    }

    static final String[] NAMES = {"id", "meta", "text", "extension", "modifierExtension", "contained", "resourceType", "valueQuantity",
        "valueString", "subject", "reference", "code", "system", "value", "unit", "status", "effectiveDateTime", "birthDate", "gender",
        "_birthDate", "fhir_comments", "identifier", "category", "coding", "display", "url", "valueReference", "period", "start", "end",
        "performedPeriod", "deceasedBoolean", "multipleBirthInteger", "onsetAge", "component", "xyz", "", "__proto__", "$where"};

    private static String randomName(Random random) {
        return random.nextInt(8) == 0 ? randomString(random) : NAMES[random.nextInt(NAMES.length)];
    }

    private JsonNode randomValue(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.booleanNode(random.nextBoolean());
            case 2 -> randomNumber(random);
            case 3 -> NODES.textNode(randomString(random));
            case 4 -> NODES.textNode(randomDate(random));
            case 5 -> NODES.arrayNode();
            case 6 -> NODES.objectNode();
            case 7 -> NODES.objectNode().put("reference", randomReference(random));
            case 8 -> NODES.arrayNode().add(NODES.objectNode().put("url", randomString(random)).put("valueString", randomString(random)));
            default -> NODES.objectNode().put("value", random.nextInt()).put("unit", randomString(random))
                    .put("system", "http://unitsofmeasure.org").put("code", random.nextBoolean() ? "U/L" : randomString(random));
        };
    }

    private String randomReference(Random random) {
        String[] references = {"Patient/" + patientId, "Patient/", "Patient/..", "Patient/a b", "Patient/" + "x".repeat(65),
            "Patient?identifier=" + system + "|setup", "Patient?name=Fuzz", "Patient?", "#missing", "urn:uuid:nowhere",
            "http://other.example/fhir/Patient/1", "ResearchStudy/" + studyId, "Observation/" + patientId, "Patient/é",
            "Patient/1/_history/x", "Patient/1/_history/1", "Unknown/1", "/Patient/1", "Patient//1", randomString(random)};
        return references[random.nextInt(references.length)];
    }

    static final String[] STRINGS = {"", " ", "'", "\"", ";", "--", "%", "_", "\\", "/*", "*/", "\u0000", "\u202e", "\ud83d\udca9",
        "\ud800", "'; DROP TABLE resource; --", "' OR '1'='1", "<script>alert(1)</script>", "${jndi:ldap://x/a}", "{{7*7}}",
        "%00", "%s%n", "\r\n", "é", "\t", "null", "true", "1e999999999", "NaN", "-0", "ÿ", "\uFEFF", "..", "../../etc/passwd",
        "http://unitsofmeasure.org", "U/L", "urn:uuid:", "|", "$", "&", "=", "#", "2016-03-01", "1742-6"};

    static String randomString(Random random) {
        int kind = random.nextInt(10);
        if (kind < 5) {
            return STRINGS[random.nextInt(STRINGS.length)];
        }
        if (kind < 7) {
            return STRINGS[random.nextInt(STRINGS.length)] + STRINGS[random.nextInt(STRINGS.length)] + random.nextInt(1000);
        }
        if (kind < 9) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                text.append((char) (random.nextBoolean() ? 32 + random.nextInt(95) : random.nextInt(0x3000)));
            }
            return text.toString();
        }
        return "x".repeat(1 + random.nextInt(random.nextBoolean() ? 100 : 20_000));
    }

    static JsonNode randomNumber(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> NODES.numberNode(random.nextInt());
            case 1 -> NODES.numberNode(random.nextLong());
            case 2 -> NODES.numberNode(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
            case 3 -> NODES.numberNode(new java.math.BigDecimal("1e" + (random.nextInt(2400) - 1200)));
            case 4 -> NODES.numberNode(new java.math.BigDecimal(random.nextBoolean() ? "1e999999999" : "-1e-999999999"));
            case 5 -> NODES.numberNode(new java.math.BigInteger("9".repeat(1 + random.nextInt(200))));
            case 6 -> NODES.numberNode(-0.0);
            default -> NODES.numberNode(Double.MAX_VALUE);
        };
    }

    static final String[] DATES = {"2016-03-01", "2016-13-01", "2016-02-30", "2016", "2016-03", "2016-03-01T25:00:00Z",
        "2016-03-01T08:30:00", "2016-03-01T08:30:00+14:00", "2016-03-01T08:30:00+15:00", "0000-01-01", "9999-12-31T23:59:59.999999999Z",
        "-2016-03-01", "20160301", "2016-03-01T08:30Z", "1e9", "", "2016-03-01T08:30:00.1234567890123456789Z", "+999999999-01-01",
        "2016-W10", "now", "2016-03-01T08:30:00Z[Europe/Paris]"};

    static String randomDate(Random random) {
        return DATES[random.nextInt(DATES.length)];
    }

    /**
     * Text mutations: truncation, a character inserted, removed or replaced, junk before or after.
     * Inside the text from {@code protectStart} to {@code protectEnd} (the tracking identifier) only
     * truncation happens, which breaks the syntax; with {@code protectStart} null only truncation
     * and junk around the text are chosen.
     */
    static String mutateText(Random random, String text, String protectStart, String protectEnd) {
        int protectedAt = protectStart == null ? -1 : text.indexOf(protectStart);
        int protectedEnd = protectedAt < 0 ? -1 : text.indexOf(protectEnd, protectedAt) + protectEnd.length();
        int at = random.nextInt(text.length());
        if (protectedAt >= 0 && at >= protectedAt && at < protectedEnd) {
            at = protectedEnd;
        }
        int choice = random.nextInt(6);
        if (protectStart == null && choice >= 1 && choice <= 3) {
            choice = 0;
        }
        String[] junk = {"{", "}", "[", "]", "\"", ",", ":", "\\", "\\u", "\\ud800", "<", ">", "&", "&amp;", "&#0;", "<!--", "]]>",
            "\u0000", "\uFFFF", "null", "<![CDATA[", "<x>", "</x>", "=\"", "'"};
        return switch (choice) {
            case 0 -> text.substring(0, at);
            case 1 -> text.substring(0, at) + junk[random.nextInt(junk.length)] + text.substring(at);
            case 2 -> at + 1 < text.length() ? text.substring(0, at) + text.substring(at + 1) : text;
            case 3 -> text.substring(0, at) + junk[random.nextInt(junk.length)] + text.substring(Math.min(text.length(), at + 1));
            case 4 -> text + junk[random.nextInt(junk.length)];
            default -> junk[random.nextInt(junk.length)] + text;
        };
    }

    // --- queries -----------------------------------------------------------------------------------

    static final String[] QUERIES = {"Patient?name=Fuzz", "Patient?family:exact=Fuzz", "Patient?given:contains=an",
        "Patient?identifier=@SYSTEM@|1", "Patient?gender=female", "Patient?birthdate=ge1960", "Patient?_id=@PATIENT@",
        "Patient?_lastUpdated=gt2020-01-01", "Patient?_sort=-birthdate,family", "Patient?_count=5", "Patient?_total=accurate",
        "Patient?_summary=count", "Patient?_elements=name,gender", "Patient?_revinclude=Observation:subject",
        "Patient?_has:Observation:subject:code=1742-6", "Patient?general-practitioner:missing=true", "Patient?address-city=Guangzhou",
        "Patient?telecom=phone|%2B86", "Observation?subject=Patient/@PATIENT@", "Observation?subject:Patient.name=Fuzz",
        "Observation?subject.identifier=@SYSTEM@|setup", "Observation?code=http://loinc.org|1742-6",
        "Observation?value-quantity=gt40|http://unitsofmeasure.org|U/L", "Observation?value-quantity=ap0.042|http://unitsofmeasure.org|kU/L",
        "Observation?date=2016-03-01", "Observation?category=laboratory", "Observation?_include=Observation:subject",
        "Observation?code:text=ALT", "Observation?combo-code-value-quantity=1742-6$gt10", "Observation?_sort=date",
        "Procedure?date=le2016-03-02", "Procedure?subject=@PATIENT@", "Condition?code=235856003", "Condition?onset-date=2015",
        "ResearchSubject?study=ResearchStudy/@STUDY@", "ResearchSubject?study.identifier=NCT01491165", "ResearchStudy?url=http://x",
        "Condition?_has:Observation:subject:code=x", "Patient?_count=0", "Observation?_count=1000&_sort=-_lastUpdated",
        "ValueSet?url:below=http://", "CodeSystem?_id=x", "NamingSystem?value=NCT", "StructureDefinition?url=https://hepatrial.org"};

    static final int MAX_QUERY_CHARS = 3_500;

    static final String[] MODIFIERS = {":exact", ":contains", ":missing", ":not", ":below", ":above", ":text", ":identifier",
        ":Patient", ":in", ":of-type", ":bogus", ":", "::", ":iterate"};

    static final String[] PREFIXES = {"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap", "zz", ""};

    String mutatedQuery(Random random) {
        String query = QUERIES[random.nextInt(QUERIES.length)].replace("@SYSTEM@", system).replace("@PATIENT@", patientId)
                .replace("@STUDY@", studyId);
        int mutations = random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            int question = query.indexOf('?');
            String type = query.substring(0, question);
            List<String> pairs = new ArrayList<>(List.of(query.substring(question + 1).split("&", -1)));
            int index = random.nextInt(pairs.size());
            String pair = pairs.get(index);
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            switch (random.nextInt(10)) {
                case 0 -> pairs.set(index, name + "=" + randomString(random));
                case 1 -> pairs.set(index, name + MODIFIERS[random.nextInt(MODIFIERS.length)] + "=" + value);
                case 2 -> pairs.set(index, name + "=" + PREFIXES[random.nextInt(PREFIXES.length)] + randomScalar(random));
                case 3 -> pairs.add(pair);
                case 4 -> pairs.add(randomName(random) + "=" + randomString(random));
                case 5 -> pairs.add(List.of("_count", "_sort", "_include", "_revinclude", "_total", "_summary", "_elements", "_cursor",
                        "_has", "_id", "_format", "_pretty", "_type", "_since", "_contained").get(random.nextInt(15)) + "=" + randomString(random));
                case 6 -> pairs.set(index, name + "." + randomName(random) + "=" + value);
                case 7 -> pairs.set(index, name + "=" + value + "," + randomString(random));
                case 8 -> pairs.set(index, name + "=" + value.substring(0, random.nextInt(value.length() + 1)));
                default -> pairs.set(index, "_has:" + randomName(random) + ":" + randomName(random) + ":" + name + "=" + value);
            }
            query = type + "?" + String.join("&", pairs);
        }
        String uri = encodeForUri(query);
        // the HTTP layer answers a request line beyond quarkus.http.limits.max-initial-line-length (4096) itself,
        // with a bare 414 (HostileInputTest): the fuzzer aims at what lies behind it
        return uri.length() <= MAX_QUERY_CHARS ? uri : uri.substring(0, MAX_QUERY_CHARS).replaceAll("%[0-9A-F]?$", "");
    }

    private static String randomScalar(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> randomNumber(random).asText();
            case 1 -> randomDate(random);
            case 2 -> String.valueOf(random.nextInt());
            default -> randomString(random);
        };
    }

    /** Percent-encodes what a URI may not hold as is, keeping the query's structure ('?', '&', '='). */
    static String encodeForUri(String query) {
        StringBuilder out = new StringBuilder();
        for (byte b : query.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean plain = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0;
            out.append(plain ? String.valueOf((char) c) : String.format("%%%02X", c));
        }
        return out.toString();
    }

    private static String abbreviate(String text) {
        return text == null ? "" : text.length() <= 600 ? text : text.substring(0, 600) + "… (" + text.length() + " chars)";
    }
}
