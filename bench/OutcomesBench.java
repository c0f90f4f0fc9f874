import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * $outcomes benchmark (study issue): loads a study of N enrolled patients (default 10,000) with 20
 * labs each (ALT, AST, albumin, bilirubin, platelets at baseline and three follow-ups), a cirrhosis
 * Condition and 1–3 courses, in transaction Bundles through the normal API, then times
 * ResearchStudy/$outcomes. java bench/OutcomesBench.java base=http://127.0.0.1:8080/fhir [patients=10000] [runs=10]
 */
public class OutcomesBench {

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final String[][] LABS = {{"1742-6", "U/L"}, {"1920-8", "U/L"}, {"1751-7", "g/dL"}, {"1975-2", "mg/dL"}, {"777-3", "10*3/uL"}};
    static final String[] ETIOLOGIES = {"hepatitis-b", "alcoholic", "hepatitis-c", "other"};
    static final String BASE_CODES = "https://hepatrial.org/fhir/CodeSystem/";

    public static void main(String[] args) throws Exception {
        String base = arg(args, "base", "http://127.0.0.1:8080/fhir");
        int patients = Integer.parseInt(arg(args, "patients", "10000"));
        int runs = Integer.parseInt(arg(args, "runs", "10"));
        String existing = arg(args, "study", null);
        if (existing != null) {
            time(base, existing, runs);
            return;
        }
        String nct = String.format("NCT8%07d", new Random().nextInt(10_000_000));
        String study = post(base, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{\"resourceType\":\"ResearchStudy\","
                + "\"status\":\"active\",\"title\":\"Outcomes benchmark\",\"identifier\":[{\"system\":\"https://clinicaltrials.gov/nctid\",\"value\":\""
                + nct + "\"}]},\"request\":{\"method\":\"POST\",\"url\":\"ResearchStudy\"}}]}");
        String studyId = study.replaceAll("(?s).*\"location\":\"ResearchStudy/([^/\"]+).*", "$1");
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        int perBundle = 4;
        for (int first = 0; first < patients; first += perBundle) {
            int from = first;
            done.add(pool.submit(() -> {
                StringBuilder entries = new StringBuilder();
                for (int p = from; p < Math.min(patients, from + perBundle); p++) {
                    patient(entries, p, studyId);
                }
                return post(base, "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + entries + "]}");
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        System.out.printf("loaded patients=%d resources=%d seconds=%.1f%n", patients, patients * 24, (System.nanoTime() - start) / 1e9);
        time(base, studyId, runs);
    }

    /** Times $outcomes on a study already loaded (also: java bench/OutcomesBench.java study=[id]). */
    static void time(String base, String studyId, int runs) throws Exception {
        get(base + "/ResearchStudy/" + studyId + "/$outcomes"); // warm-up
        double[] ms = new double[runs];
        String last = null;
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            last = get(base + "/ResearchStudy/" + studyId + "/$outcomes");
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("outcomes_ms median=%.0f max=%.0f min=%.0f%n", ms[runs / 2], ms[runs - 1], ms[0]);
        System.out.println("enrolled=" + last.replaceAll("(?s).*?\"subjectsEnrolled\",\"valueInteger\":(\\d+).*", "$1"));
    }

    static void patient(StringBuilder entries, int p, String studyId) {
        Random random = new Random(p);
        String url = "urn:uuid:" + java.util.UUID.nameUUIDFromBytes(("bench-" + p).getBytes());
        LocalDate index = LocalDate.of(2012, 1, 1).plusDays(random.nextInt(1500));
        entry(entries, url, "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Bench\",\"given\":[\"P" + p + "\"]}]}");
        entry(entries, null, "{\"resourceType\":\"ResearchSubject\",\"status\":\"on-study\",\"study\":{\"reference\":\"ResearchStudy/" + studyId
                + "\"},\"individual\":{\"reference\":\"" + url + "\"},\"period\":{\"start\":\"" + index + "\"}}");
        entry(entries, null, "{\"resourceType\":\"Condition\",\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"19943007\"},{\"system\":\"" + BASE_CODES + "cirrhosis-etiology\",\"code\":\""
                + ETIOLOGIES[random.nextInt(4)] + "\"}]},\"subject\":{\"reference\":\"" + url + "\"}}");
        entry(entries, null, "{\"resourceType\":\"Procedure\",\"status\":\"completed\",\"extension\":[{\"url\":\"https://hepatrial.org/fhir/StructureDefinition/treatment-course-number\",\"valuePositiveInt\":1}],"
                + "\"bodySite\":[{\"coding\":[{\"system\":\"" + BASE_CODES + "study-codes\",\"code\":\"peripheral-vein\"}]}],\"code\":{\"coding\":[{\"system\":\"" + BASE_CODES
                + "study-codes\",\"code\":\"stem-cell-transplantation\"}]},\"subject\":{\"reference\":\"" + url + "\"},\"performedDateTime\":\"" + index + "\"}");
        int[] months = {0, 1, 3, 6};
        for (int month : months) {
            LocalDate date = month == 0 ? index.minusDays(7) : index.plusMonths(month);
            for (String[] lab : LABS) {
                double value = 20 + random.nextInt(100) / (lab[1].equals("U/L") ? 1.0 : 20.0);
                entry(entries, null, "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":"
                        + "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"laboratory\"}]}],\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\""
                        + lab[0] + "\"}]},\"subject\":{\"reference\":\"" + url + "\"},\"effectiveDateTime\":\"" + date
                        + "\",\"valueQuantity\":{\"value\":" + value + ",\"system\":\"http://unitsofmeasure.org\",\"code\":\"" + lab[1] + "\"}}");
            }
        }
    }

    static void entry(StringBuilder entries, String fullUrl, String resource) {
        String type = resource.replaceAll("^\\{\"resourceType\":\"([A-Za-z]+)\".*", "$1");
        entries.append(entries.length() == 0 ? "" : ",").append("{").append(fullUrl == null ? "" : "\"fullUrl\":\"" + fullUrl + "\",")
                .append("\"resource\":").append(resource).append(",\"request\":{\"method\":\"POST\",\"url\":\"").append(type).append("\"}}");
    }

    static String post(String base, String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base)).header("Content-Type", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static String get(String url) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(r.statusCode() + " " + r.body());
        }
        return r.body();
    }

    static String arg(String[] args, String name, String fallback) {
        for (String a : args) {
            if (a.startsWith(name + "=")) {
                return a.substring(name.length() + 1);
            }
        }
        return fallback;
    }
}
