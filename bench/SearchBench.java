// Hepatrial search benchmark (issue: FHIR search). Single file, JDK only:
//   java bench/SearchBench.java base=http://127.0.0.1:8080/fhir [patients=1000] [observations=100000]
//   (load=false tag=<tag of an earlier run>: measure again on data an earlier run loaded;
//    gclog=<the server's -Xlog:gc file>: also print the server's GC pauses during each round)
// Loads Patients and lab Observations (seeded, through transaction Bundles), then measures at
// 4 concurrent clients:
//   - Observation?subject=Patient/x&code=http://loinc.org|1742-6   (p50/p99)
//   - Patient?identifier=sys|val                                   (p50/p99)
//   - Observation?code=http://loinc.org|1751-7&date=ge2015-01-01&_count=50, followed page by page
//     to the end (every page's latency; the slowest page is the figure)
// and prints key=value lines.
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class SearchBench {

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1) // one connection per client, as the shared kit measures HAPI
            .connectTimeout(Duration.ofSeconds(10)).build();
    static final String[] LOINC = {"1742-6", "1920-8", "1751-7", "1975-2", "6690-2", "789-8", "777-3"};
    static final String[] UNIT = {"U/L", "U/L", "g/dL", "mg/dL", "10*9/L", "10*12/L", "10*9/L"};
    static final Pattern LOCATION = Pattern.compile("\"location\"\\s*:\\s*\"([^\"]+)\"");
    static final Pattern NEXT = Pattern.compile("\"relation\"\\s*:\\s*\"next\"\\s*,\\s*\"url\"\\s*:\\s*\"([^\"]+)\"");
    static final Pattern ENTRY = Pattern.compile("\"fullUrl\"");

    static String base;

    public static void main(String[] args) throws Exception {
        Map<String, String> p = new HashMap<>(Map.of("patients", "1000", "observations", "100000", "searches", "1000",
                "concurrency", "4", "seed", "7", "tag", "sb" + System.currentTimeMillis() % 100000));
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            p.put(kv[0], kv[1]);
        }
        base = p.get("base");
        int patients = Integer.parseInt(p.get("patients"));
        int observations = Integer.parseInt(p.get("observations"));
        int concurrency = Integer.parseInt(p.get("concurrency"));
        String tag = p.get("tag");
        SplittableRandom random = new SplittableRandom(Long.parseLong(p.get("seed")));

        String[] ids = new String[patients];
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        if (Boolean.parseBoolean(p.getOrDefault("load", "true"))) {
            load(pool, ids, patients, observations, tag, random);
        } else {
            for (int i = 0; i < patients; i++) {
                Matcher m = Pattern.compile("\"fullUrl\"\\s*:\\s*\"[^\"]*/Patient/([^\"/]+)\"")
                        .matcher(get(base + "/Patient?identifier=" + enc("urn:bench:" + tag + "|p" + i)));
                ids[i] = m.find() ? m.group(1) : null;
            }
        }

        int searches = Integer.parseInt(p.get("searches"));
        int rounds = Integer.parseInt(p.getOrDefault("rounds", "2"));
        // round 1 right after the load; round 2 on the same data a moment later (the steady state)
        java.nio.file.Path gcLog = p.containsKey("gclog") ? java.nio.file.Path.of(p.get("gclog")) : null;
        accessLog = p.containsKey("accesslog") ? java.nio.file.Path.of(p.get("accesslog")) : null;
        for (int round = 1; round <= rounds; round++) {
            prefix = rounds == 1 ? "" : "round" + round + "_";
            long gcLogStart = gcLog == null ? 0 : java.nio.file.Files.size(gcLog);
            measureAll(pool, searches, ids, patients, tag, concurrency);
            if (gcLog != null) {
                gcPauses(gcLog, gcLogStart);
            }
        }
        pool.shutdown();
    }

    static String prefix = "";

    static void measureAll(ExecutorService pool, int searches, String[] ids, int patients, String tag, int concurrency) throws Exception {
        measure(pool, "obs_subject_code", searches, i -> "/Observation?subject=Patient/" + ids[i % patients]
                + "&code=" + enc("http://loinc.org|1742-6"));
        measure(pool, "patient_identifier", searches, i -> "/Patient?identifier=" + enc("urn:bench:" + tag + "|p" + (i % patients)));

        // Deep paging: follow next links to the end, 4 walkers at once, every page timed.
        List<Future<List<Double>>> walks = new ArrayList<>();
        long accessLogStart = accessLog == null ? 0 : java.nio.file.Files.size(accessLog);
        List<String> timed = java.util.Collections.synchronizedList(new ArrayList<>()); // "ms page-number", for the slowest
        for (int w = 0; w < concurrency; w++) {
            walks.add(pool.submit(() -> {
                List<Double> pages = new ArrayList<>();
                String url = base + "/Observation?code=" + enc("http://loinc.org|1751-7") + "&date=ge2015-01-01&_count=50";
                while (url != null) {
                    long s = System.nanoTime();
                    String page = get(url);
                    pages.add((System.nanoTime() - s) / 1e6);
                    timed.add(String.format("%08.1f %d", pages.get(pages.size() - 1), pages.size()));
                    Matcher m = NEXT.matcher(page);
                    url = m.find() ? m.group(1) : null;
                }
                return pages;
            }));
        }
        List<Double> all = new ArrayList<>();
        for (Future<List<Double>> walk : walks) {
            all.addAll(walk.get());
        }
        Collections.sort(all);
        out("deep_paging_pages", all.size() / concurrency);
        out("deep_paging_page_p50_ms", String.format("%.1f", all.get(all.size() / 2)));
        out("deep_paging_page_p99_ms", String.format("%.1f", all.get((int) (all.size() * 0.99))));
        out("deep_paging_page_max_ms", String.format("%.1f", all.get(all.size() - 1)));
        // which pages were slowest (page 1 carries the total): the tail of a walk, or its start?
        List<String> slowest = new ArrayList<>(timed);
        slowest.sort(Collections.reverseOrder());
        out("deep_paging_slowest_pages", String.join(", ", slowest.subList(0, Math.min(8, slowest.size())).stream()
                .map(t -> "page " + t.split(" ")[1] + ": " + Double.parseDouble(t.split(" ")[0]) + " ms").toList()));
        serverTimes("deep_paging_page", accessLogStart);
    }

    static final Pattern GC_PAUSE = Pattern.compile("Pause (Young|Full|Remark|Cleanup).* ([0-9.]+)ms$");

    /**
     * The server's stop-the-world pauses logged since {@code from} (bytes into its -Xlog:gc file): a
     * pause stops every request in flight at once, which shows as several clients' slowest requests
     * taking the same time.
     */
    static void gcPauses(java.nio.file.Path gcLog, long from) throws Exception {
        byte[] bytes = java.nio.file.Files.readAllBytes(gcLog);
        int count = 0;
        int over20 = 0;
        double total = 0;
        double max = 0;
        for (String line : new String(bytes, (int) Math.min(from, bytes.length), (int) Math.max(0, bytes.length - from),
                StandardCharsets.UTF_8).split("\n")) {
            Matcher m = GC_PAUSE.matcher(line.trim());
            if (m.find()) {
                double ms = Double.parseDouble(m.group(2));
                count++;
                over20 += ms >= 20 ? 1 : 0;
                total += ms;
                max = Math.max(max, ms);
            }
        }
        out("server_gc_pauses", count);
        out("server_gc_pauses_over_20ms", over20);
        out("server_gc_pause_total_ms", String.format("%.0f", total));
        out("server_gc_pause_max_ms", String.format("%.1f", max));
    }

    static void load(ExecutorService pool, String[] ids, int patients, int observations, String tag, SplittableRandom random)
            throws Exception {
        long t0 = System.nanoTime();
        for (int start = 0; start < patients; start += 100) {
            List<String> entries = new ArrayList<>();
            for (int i = start; i < Math.min(patients, start + 100); i++) {
                entries.add("{\"resource\":{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:bench:" + tag
                        + "\",\"value\":\"p" + i + "\"}],\"gender\":\"" + (i % 2 == 0 ? "female" : "male")
                        + "\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}");
            }
            Matcher m = LOCATION.matcher(post(bundle(entries)));
            for (int i = start; m.find(); i++) {
                ids[i] = m.group(1).split("/")[1];
            }
        }
        List<Future<?>> loads = new ArrayList<>();
        for (int start = 0; start < observations; start += 100) {
            List<String> entries = new ArrayList<>();
            for (int i = start; i < Math.min(observations, start + 100); i++) {
                int lab = random.nextInt(LOINC.length);
                entries.add("{\"resource\":{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":"
                        + "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"laboratory\"}]}],\"code\":{\"coding\":[{\"system\":"
                        + "\"http://loinc.org\",\"code\":\"" + LOINC[lab] + "\"}]},\"subject\":{\"reference\":\"Patient/"
                        + ids[random.nextInt(patients)] + "\"},\"effectiveDateTime\":\"" + (2011 + random.nextInt(10)) + "-0"
                        + (1 + random.nextInt(9)) + "-1" + random.nextInt(10) + "\",\"valueQuantity\":{\"value\":"
                        + (10 + random.nextInt(90)) + ",\"unit\":\"" + UNIT[lab] + "\",\"system\":\"http://unitsofmeasure.org\","
                        + "\"code\":\"" + UNIT[lab] + "\"}},\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}");
            }
            String body = bundle(entries);
            loads.add(pool.submit(() -> post(body)));
        }
        for (Future<?> load : loads) {
            load.get();
        }
        out("loaded_patients", patients);
        out("loaded_observations", observations);
        out("load_s", String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        Thread.sleep(10_000); // let the server refresh its planner statistics, as it does after bulk loads

    }

    interface Url {
        String of(int i);
    }

    static void measure(ExecutorService pool, String name, int n, Url url) throws Exception {
        for (int i = 0; i < 100; i++) {
            get(base + url.of(i)); // warm-up
        }
        List<Future<Double>> timings = new ArrayList<>();
        long accessLogStart = accessLog == null ? 0 : java.nio.file.Files.size(accessLog);
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String u = base + url.of(i * 7 + 3);
            timings.add(pool.submit(() -> {
                long s = System.nanoTime();
                get(u);
                return (System.nanoTime() - s) / 1e6;
            }));
        }
        List<Double> ms = new ArrayList<>();
        for (Future<Double> t : timings) {
            ms.add(t.get());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Collections.sort(ms);
        out(name + "_req_per_s", String.format("%.1f", n / seconds));
        out(name + "_p50_ms", String.format("%.1f", ms.get(n / 2)));
        out(name + "_p99_ms", String.format("%.1f", ms.get((int) (n * 0.99))));
        serverTimes(name, accessLogStart);
    }

    /** The server's access log (run.sh, SERVER_TIMES=1), whose second field is the request's time in the server (ms). */
    static java.nio.file.Path accessLog;

    /**
     * The same requests as the server timed them, from arrival to the response's last byte: what
     * the client measures beyond that is the client, the connection and the scheduling of the
     * clients' threads on the same cores.
     */
    static void serverTimes(String name, long from) throws Exception {
        if (accessLog == null) {
            return;
        }
        Thread.sleep(1000); // the log handler writes asynchronously
        byte[] bytes = java.nio.file.Files.readAllBytes(accessLog);
        List<Integer> ms = new ArrayList<>();
        for (String line : new String(bytes, (int) Math.min(from, bytes.length), (int) Math.max(0, bytes.length - from),
                StandardCharsets.UTF_8).split("\n")) {
            String[] fields = line.substring(line.indexOf(']') + 1).trim().split(" ");
            if (fields.length > 3 && fields[2].equals("GET")) {
                ms.add(Integer.parseInt(fields[0]));
            }
        }
        if (ms.isEmpty()) {
            return;
        }
        Collections.sort(ms);
        out(name + "_server_p50_ms", ms.get(ms.size() / 2));
        out(name + "_server_p99_ms", ms.get((int) (ms.size() * 0.99)));
        out(name + "_server_max_ms", ms.get(ms.size() - 1));
    }

    static String bundle(List<String> entries) {
        return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + String.join(",", entries) + "]}";
    }

    static String post(String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/fhir+json")
                .header("Prefer", "return=minimal").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("POST failed: " + r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static String get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/fhir+json").build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " failed: " + r.statusCode());
        }
        return r.body();
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static void out(String key, Object value) {
        key = key.startsWith("load") ? key : prefix + key;
        System.out.println(key + "=" + value);
    }
}
