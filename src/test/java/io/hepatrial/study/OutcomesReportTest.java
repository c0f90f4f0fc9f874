package io.hepatrial.study;

import static io.hepatrial.fhir.search.SearchTestData.FHIR_JSON;
import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.hepatrial.fhir.search.SearchTestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * $outcomes on a hand-built study whose answers are worked out below: P1 alcoholic, two courses,
 * improves (mixed units at follow-up); P2 hepatitis B, one course, no better; P3 hepatitis B, one
 * course, no follow-up; P4 only screened (not enrolled).
 */
@QuarkusTest
class OutcomesReportTest {

    String nct;
    String studyId;
    String p1;
    String p2;

    @jakarta.inject.Inject
    org.hibernate.Session session;

    @BeforeEach
    void smallStudy() {
        String marker = SearchTestData.unique();
        nct = StudyIdentifiersTest.randomNct();
        studyId = create("ResearchStudy", StudyIdentifiersTest.study("https://clinicaltrials.gov/nctid", nct));
        p1 = enrolled(marker, "P1", "on-study", "alcoholic");
        course(p1, 1, "2015-01-10");
        course(p1, 2, "2015-04-10");
        // baseline: Child-Pugh bilirubin 3.5 → 3, albumin 3.0 → 2, INR 1.8 → 2, ascites grade 2 → 3, none → 1 = 11
        labs(p1, "2015-01-03", 100, 3.0, "g/dL", 3.5, "mg/dL", 1.8, 2, 0);
        // follow-up (181 days): albumin 36 g/L = 3.6 g/dL → 1, bilirubin 25.65 µmol/L = 1.5 mg/dL → 1, INR 1.5 → 1,
        // ascites grade 1 → 2, none → 1 = 6
        labs(p1, "2015-07-10", 50, 36, "g/L", 25.65, "umol/L", 1.5, 1, 0);
        // after the follow-up window (400 days): only counted when followUpTo reaches it
        create("Observation", DerivedScoresTest.quantity(p1, "1742-6", 10, "U/L").replace("2015-03-10", "2016-02-14"));

        p2 = enrolled(marker, "P2", "follow-up", "hepatitis-b");
        course(p2, 1, "2015-02-01");
        labs(p2, "2015-01-25", 80, 3.2, "g/dL", 2.5, "mg/dL", 1.6, 1, 0); // 2 + 2 + 1 + 2 + 1 = 8
        labs(p2, "2015-05-01", 90, 3.1, "g/dL", 2.6, "mg/dL", 1.6, 1, 0); // 8

        String p3 = enrolled(marker, "P3", "withdrawn", "hepatitis-b");
        course(p3, 1, "2015-03-01");
        create("Observation", DerivedScoresTest.quantity(p3, "1742-6", 70, "U/L").replace("2015-03-10", "2015-02-25"));

        String p4 = enrolled(marker, "P4", "screening", "alcoholic");
        labs(p4, "2015-01-01", 100, 3.0, "g/dL", 3.5, "mg/dL", 1.8, 2, 0);
        labs(p4, "2015-03-01", 50, 4.0, "g/dL", 1.0, "mg/dL", 1.0, 0, 0);
    }

    @Test
    void recomputesTheClaimsFromTheData() {
        JsonPath report = outcomes("ResearchStudy/" + studyId + "/$outcomes");
        String all = "parameter.find { it.name == 'all' }.part";
        assertEquals(3, report.getInt(all + ".find { it.name == 'subjectsEnrolled' }.valueInteger"));
        assertEquals(2, report.getInt(all + ".find { it.name == 'subjectsWithBaselineAndFollowUp' }.valueInteger"));
        String response = all + ".find { it.name == 'responseRate' }.part";
        assertEquals(2, report.getInt(response + ".find { it.name == 'evaluable' }.valueInteger"));
        assertEquals(1, report.getInt(response + ".find { it.name == 'responders' }.valueInteger"));
        assertEquals(0.5, report.getDouble(response + ".find { it.name == 'rate' }.valueDecimal"), 1e-9);

        // ALT: P1 100 → 50 (−50), P2 80 → 90 (+10): median −20, one of two improved
        assertMarker(report, all, "1742-6", 2, -20, 1);
        // albumin in g/dL: P1 3.0 → 3.6 (+0.6), P2 3.2 → 3.1 (−0.1): median 0.25
        assertMarker(report, all, "1751-7", 2, 0.25, 1);
        // bilirubin in mg/dL: P1 3.5 → 1.5 (−2.0), P2 2.5 → 2.6 (+0.1): median −0.95
        assertMarker(report, all, "1975-2", 2, -0.95, 1);
        // Child-Pugh: P1 11 → 6 (−5), P2 8 → 8 (0): median −2.5
        assertMarker(report, all, "child-pugh", 2, -2.5, 1);
        // no creatinine anywhere: no MELD
        assertEquals(0, report.getInt(marker(all, "meld") + ".find { it.name == 'subjects' }.valueInteger"));

        String alcoholic = stratum("etiology", "alcoholic");
        assertEquals(1, report.getInt(alcoholic + ".find { it.name == 'subjectsEnrolled' }.valueInteger"));
        assertEquals(1.0, report.getDouble(alcoholic + ".find { it.name == 'responseRate' }.part.find { it.name == 'rate' }.valueDecimal"), 1e-9);
        String hepatitisB = stratum("etiology", "hepatitis-b");
        assertEquals(2, report.getInt(hepatitisB + ".find { it.name == 'subjectsEnrolled' }.valueInteger"));
        assertEquals(0.0, report.getDouble(hepatitisB + ".find { it.name == 'responseRate' }.part.find { it.name == 'rate' }.valueDecimal"), 1e-9);
        assertEquals(2, report.getInt(stratum("courses", "1") + ".find { it.name == 'subjectsEnrolled' }.valueInteger"));
        assertEquals(1, report.getInt(stratum("courses", "2") + ".find { it.name == 'subjectsEnrolled' }.valueInteger"));
    }

    @Test
    void windowsAndStrataAreParameters() {
        // followUpTo 500 days reaches P1's ALT of 10 (100 → 10: −90); P2 +10: median −40
        JsonPath wide = outcomes("ResearchStudy/$outcomes?study=" + nct.toLowerCase() + "&followUpTo=500&strata=none");
        assertMarker(wide, "parameter.find { it.name == 'all' }.part", "1742-6", 2, -40, 1);
        assertNull(wide.get("parameter.find { it.name == 'stratum' }"));
        // the same by POST
        JsonPath posted = given().urlEncodingEnabled(false).contentType("application/x-www-form-urlencoded")
                .formParam("followUpTo", "500").formParam("strata", "courses")
                .post("/fhir/ResearchStudy/" + studyId + "/$outcomes").then().statusCode(200).extract().jsonPath();
        assertMarker(posted, "parameter.find { it.name == 'all' }.part", "1742-6", 2, -40, 1);
    }

    @Test
    void correctedAndDeletedValuesChangeTheReport() {
        String all = "parameter.find { it.name == 'all' }.part";
        String p2FollowUp = SearchTestData.ids("Observation?subject=Patient/" + p2 + "&code=http://loinc.org|1742-6&date=2015-05-01").get(0);
        String body = given().accept(FHIR_JSON).get("/fhir/Observation/" + p2FollowUp).then().statusCode(200).extract().asString();

        // P2's follow-up ALT corrected from 90 to 60: P1 −50, P2 −20 → median −35, both improved
        given().contentType(FHIR_JSON).body(body.replace("\"value\":90.0", "\"value\":60.0").replace("\"status\":\"final\"", "\"status\":\"corrected\""))
                .put("/fhir/Observation/" + p2FollowUp).then().statusCode(200);
        assertMarker(outcomes("ResearchStudy/" + studyId + "/$outcomes"), all, "1742-6", 2, -35, 2);

        // then declared entered-in-error: only P1 is left
        given().contentType(FHIR_JSON).body(body.replace("\"status\":\"final\"", "\"status\":\"entered-in-error\""))
                .put("/fhir/Observation/" + p2FollowUp).then().statusCode(200);
        assertMarker(outcomes("ResearchStudy/" + studyId + "/$outcomes"), all, "1742-6", 1, -50, 1);

        // P1's baseline ALT deleted: nobody has both
        String p1Baseline = SearchTestData.ids("Observation?subject=Patient/" + p1 + "&code=http://loinc.org|1742-6&date=2015-01-03").get(0);
        given().delete("/fhir/Observation/" + p1Baseline).then().statusCode(200);
        JsonPath report = outcomes("ResearchStudy/" + studyId + "/$outcomes");
        assertEquals(0, report.getInt(marker(all, "1742-6") + ".find { it.name == 'subjects' }.valueInteger"));
        assertNull(report.get(marker(all, "1742-6") + ".find { it.name == 'medianChange' }"));
    }

    @Test
    void reindexRebuildsWhatTheReportReads() {
        String all = "parameter.find { it.name == 'all' }.part";
        io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().run(() -> session.createNativeMutationQuery(
                "delete from study_measurement where patient_id in (:patients)").setParameter("patients", List.of(p1, p2)).executeUpdate());
        assertEquals(0, outcomes("ResearchStudy/" + studyId + "/$outcomes").getInt(marker(all, "1742-6")
                + ".find { it.name == 'subjects' }.valueInteger"));
        given().urlEncodingEnabled(false).post("/fhir/$reindex?_type=Observation").then().statusCode(200);
        JsonPath report = outcomes("ResearchStudy/" + studyId + "/$outcomes");
        assertMarker(report, all, "1742-6", 2, -20, 1);
        assertMarker(report, all, "child-pugh", 2, -2.5, 1);
    }

    @Test
    void badParametersAreClearErrors() {
        for (String query : List.of("strata=weather", "followUpFrom=100&followUpTo=50", "baselineDays=soon", "colour=blue")) {
            given().urlEncodingEnabled(false).get("/fhir/ResearchStudy/" + studyId + "/$outcomes?" + query).then().statusCode(400)
                    .body("resourceType", equalTo("OperationOutcome"));
        }
        given().urlEncodingEnabled(false).get("/fhir/ResearchStudy/$outcomes?study=NCT00000001").then().statusCode(404);
        // a value that is no registry number at all is malformed (outcomes.md): 400
        given().urlEncodingEnabled(false).get("/fhir/ResearchStudy/$outcomes?study=NCT123").then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"));
        given().urlEncodingEnabled(false).get("/fhir/ResearchStudy/$outcomes").then().statusCode(400)
                .body("issue[0].diagnostics", containsString("study="));
        given().urlEncodingEnabled(false).get("/fhir/ResearchStudy/no-such-study/$outcomes").then().statusCode(404);
    }

    private static JsonPath outcomes(String path) {
        return given().urlEncodingEnabled(false).get("/fhir/" + path).then().statusCode(200)
                .body("resourceType", equalTo("Parameters")).extract().jsonPath();
    }

    private static String marker(String base, String code) {
        return base + ".find { it.name == 'marker' && it.part.find { p -> p.name == 'code' }.valueCoding.code == '" + code + "' }.part";
    }

    private static String stratum(String stratifier, String value) {
        return "parameter.find { it.name == 'stratum' && it.part.find { p -> p.name == 'stratifier' }.valueString == '" + stratifier
                + "' && it.part.find { p -> p.name == 'value' }.valueString == '" + value + "' }.part";
    }

    private static void assertMarker(JsonPath report, String base, String code, int subjects, double median, int improved) {
        String marker = marker(base, code);
        assertEquals(subjects, report.getInt(marker + ".find { it.name == 'subjects' }.valueInteger"), code);
        assertEquals(median, report.getDouble(marker + ".find { it.name == 'medianChange' }.valueDecimal"), 1e-9, code);
        assertEquals(improved, report.getInt(marker + ".find { it.name == 'improved' }.valueInteger"), code);
    }

    private String enrolled(String marker, String name, String status, String etiology) {
        String patient = create("Patient", patient(marker, name, name, "male", "1960-01-01"));
        create("ResearchSubject", "{\"resourceType\":\"ResearchSubject\",\"status\":\"" + status + "\",\"period\":{\"start\":\"2015-01-01\"},"
                + "\"study\":{\"reference\":\"ResearchStudy/" + studyId + "\"},\"individual\":{\"reference\":\"Patient/" + patient + "\"}}");
        create("Condition", "{\"resourceType\":\"Condition\",\"code\":{\"coding\":[{\"system\":\"" + StudyCodes.SNOMED
                + "\",\"code\":\"19943007\"},{\"system\":\"" + StudyCodes.ETIOLOGY + "\",\"code\":\"" + etiology + "\"}]},"
                + "\"subject\":{\"reference\":\"Patient/" + patient + "\"}}");
        return patient;
    }

    private void course(String patient, int number, String date) {
        create("Procedure", "{\"resourceType\":\"Procedure\",\"status\":\"completed\",\"extension\":[{\"url\":\""
                + StudyCodes.COURSE_NUMBER_EXTENSION + "\",\"valuePositiveInt\":" + number + "}],\"code\":{\"coding\":[{\"system\":\""
                + StudyCodes.STUDY_CODES + "\",\"code\":\"stem-cell-transplantation\"}]},\"subject\":{\"reference\":\"Patient/" + patient
                + "\"},\"performedDateTime\":\"" + date + "\",\"bodySite\":[{\"coding\":[{\"system\":\"" + StudyCodes.STUDY_CODES
                + "\",\"code\":\"peripheral-vein\"}]}]}");
    }

    private static void labs(String patient, String date, double alt, double albumin, String albuminUnit, double bilirubin,
            String bilirubinUnit, double inr, int ascites, int encephalopathy) {
        List<String> observations = new ArrayList<>();
        observations.add(DerivedScoresTest.quantity(patient, "1742-6", alt, "U/L"));
        observations.add(DerivedScoresTest.quantity(patient, "1751-7", albumin, albuminUnit));
        observations.add(DerivedScoresTest.quantity(patient, bilirubinUnit.equals("mg/dL") ? "1975-2" : "14631-6", bilirubin, bilirubinUnit));
        observations.add(DerivedScoresTest.quantity(patient, "6301-6", inr, "{INR}"));
        observations.add(DerivedScoresTest.grade(patient, "ascites-grade", ascites));
        observations.add(DerivedScoresTest.grade(patient, "hepatic-encephalopathy-grade", encephalopathy));
        String bundle = DerivedScoresTest.bundle(observations.stream().map(o -> o.replace("2015-03-10", date)).toArray(String[]::new));
        given().contentType(FHIR_JSON).body(bundle).post("/fhir").then().statusCode(200);
    }
}
