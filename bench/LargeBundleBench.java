import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The heap a large transaction Bundle needs (ingest issue: at most about ten times its size):
 * builds one transaction of N entries (1 Patient and N-1 ALT Observations referencing it by
 * urn:uuid, conforming to the study's lab profile), forces a full GC in the server for a baseline,
 * posts the Bundle with Prefer: return=minimal, and reads the server's GC log (-Xlog:gc:file=...):
 * - peak_live_heap_mb: while the request runs, a full GC is forced every sample_ms (jcmd GC.run); the
 *   highest heap after one of them is what the request kept live at that moment (sampled, so a lower
 *   bound of the true peak, close to it when the request spans many samples);
 * - peak_heap_after_gc_mb: the highest heap after any GC, an upper bound (it also counts garbage that
 *   reached the old generation and that no young collection frees).
 *   java bench/LargeBundleBench.java base=http://127.0.0.1:8080/fhir pid=<server pid> gclog=<its gc log> [entries=10000] [sample_ms=1000] [bundles=1]
 * (bundles=N posts N such Bundles one after the other, each measured from its own baseline: on H2 the
 * first ones also fill the database's page cache, which shares the heap)
 * (bench/run.sh h2|pg bundle starts the server with the GC log and runs this.)
 */
public class LargeBundleBench {

    private static final Pattern AFTER_GC = Pattern.compile("(\\d+)M->(\\d+)M");

    public static void main(String[] args) throws Exception {
        String base = arg(args, "base", "http://127.0.0.1:8080/fhir");
        String pid = arg(args, "pid", null);
        Path gcLog = Path.of(arg(args, "gclog", "gc.log"));
        int entries = Integer.parseInt(arg(args, "entries", "10000"));
        long sampleMs = Long.parseLong(arg(args, "sample_ms", "1000"));

        int bundles = Integer.parseInt(arg(args, "bundles", "1"));
        for (int round = 1; round <= bundles; round++) {
            if (bundles > 1) {
                System.out.println("bundle=" + round);
            }
            measure(base, pid, gcLog, entries, sampleMs);
        }
    }

    /** Posts one new Bundle of the given size and prints what it took. */
    private static void measure(String base, String pid, Path gcLog, int entries, long sampleMs) throws Exception {
        String patient = "urn:uuid:" + UUID.randomUUID();
        StringBuilder bundle = new StringBuilder("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
        bundle.append("{\"fullUrl\":\"").append(patient).append("\",\"resource\":{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":")
                .append("\"urn:bench:large-bundle\",\"value\":\"").append(UUID.randomUUID()).append("\"}],\"gender\":\"male\",")
                .append("\"birthDate\":\"1960-01-01\"},\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}");
        for (int i = 1; i < entries; i++) {
            bundle.append(",{\"fullUrl\":\"urn:uuid:").append(UUID.randomUUID()).append("\",\"resource\":{\"resourceType\":\"Observation\",")
                    .append("\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":")
                    .append("\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"laboratory\"}]}],")
                    .append("\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"1742-6\",\"display\":\"ALT\"}]},")
                    .append("\"subject\":{\"reference\":\"").append(patient).append("\"},")
                    .append(String.format("\"effectiveDateTime\":\"2016-%02d-%02dT08:00:00Z\",", 1 + i % 12, 1 + i % 28))
                    .append("\"valueQuantity\":{\"value\":").append(20 + i % 80)
                    .append(",\"unit\":\"U/L\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"U/L\"}},")
                    .append("\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}");
        }
        byte[] body = bundle.append("]}").toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);

        if (pid != null) {
            fullGc(pid);
            Thread.sleep(1000);
        }
        List<String> before = Files.readAllLines(gcLog);
        long baseline = lastAfterGc(before);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        long start = System.nanoTime();
        var request = http.sendAsync(HttpRequest.newBuilder(URI.create(base)).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/fhir+json").header("Prefer", "return=minimal")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        int samples = 0;
        while (pid != null && !request.isDone()) {
            try {
                request.get(sampleMs, java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException stillRunning) {
                fullGc(pid);
                samples++;
            }
        }
        HttpResponse<String> response = request.get();
        double seconds = (System.nanoTime() - start) / 1e9;

        List<String> after = Files.readAllLines(gcLog);
        long peak = baseline;
        long peakLive = baseline;
        int gcs = 0;
        for (String line : after.subList(before.size(), after.size())) {
            Matcher m = AFTER_GC.matcher(line);
            if (m.find()) {
                long afterGc = Long.parseLong(m.group(2));
                peak = Math.max(peak, afterGc);
                if (line.contains("Pause Full")) {
                    peakLive = Math.max(peakLive, afterGc);
                }
                gcs++;
            }
        }
        double megabytes = body.length / 1e6;
        System.out.printf("entries=%d%nbundle_mb=%.1f%nstatus=%d%nseconds=%.1f%nbaseline_heap_mb=%d%n"
                + "live_samples=%d%npeak_live_heap_mb=%d%nextra_live_heap_mb=%d%nextra_live_heap_per_bundle_byte=%.1f%n"
                + "peak_heap_after_gc_mb=%d%nextra_heap_mb=%d%nextra_heap_per_bundle_byte=%.1f%ngcs_during_request=%d%n",
                entries, megabytes, response.statusCode(), seconds, baseline, samples, peakLive, peakLive - baseline,
                (peakLive - baseline) / megabytes, peak, peak - baseline, (peak - baseline) / megabytes, gcs);
        if (response.statusCode() != 200) {
            System.out.println("response=" + response.body().substring(0, Math.min(500, response.body().length())));
        }
    }

    private static void fullGc(String pid) throws Exception {
        new ProcessBuilder("jcmd", pid, "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    /** The heap after the last GC in the log so far (after the forced full GC: the live baseline). */
    private static long lastAfterGc(List<String> lines) {
        long last = 0;
        for (String line : lines) {
            Matcher m = AFTER_GC.matcher(line);
            if (m.find()) {
                last = Long.parseLong(m.group(2));
            }
        }
        return last;
    }

    private static String arg(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return fallback;
    }
}
