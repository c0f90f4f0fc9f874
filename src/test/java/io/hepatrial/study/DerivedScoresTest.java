package io.hepatrial.study;

import static io.hepatrial.fhir.search.SearchTestData.FHIR_JSON;
import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.search;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.hepatrial.fhir.search.SearchTestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** Child-Pugh, MELD, MELD-Na and MELD 3.0 follow their inputs (and MELD 3.0 the patient's sex): created, corrected and removed in the inputs' transaction. */
@QuarkusTest
class DerivedScoresTest {

    private static final String DAY = "2015-03-10";

    @Test
    void scoresAppearWithTheirInputsAndFollowCorrections() {
        String marker = SearchTestData.unique();
        String p = enrolledPatient(marker, "Score");
        // one transaction, mixed units: bilirubin 51.3 µmol/L = 3.0 mg/dL, albumin 30 g/L = 3.0 g/dL,
        // creatinine 106.08 µmol/L = 1.2 mg/dL
        String bundle = bundle(
                quantity(p, "14631-6", 51.3, "umol/L"), quantity(p, "1751-7", 30, "g/L"), quantity(p, "6301-6", 1.5, "{INR}"),
                grade(p, "ascites-grade", 1), grade(p, "hepatic-encephalopathy-grade", 0),
                quantity(p, "14682-9", 106.08, "umol/L"), quantity(p, "2951-2", 130, "mmol/L"));
        JsonPath response = given().contentType(FHIR_JSON).body(bundle).post("/fhir").then().statusCode(200).extract().jsonPath();
        List<String> inputIds = response.getList("entry.response.location").stream()
                .map(l -> "Observation/" + l.toString().split("/")[1]).toList();

        // Child-Pugh: bilirubin 3.0 → 2, albumin 3.0 → 2, INR 1.5 → 1, mild ascites → 2, no encephalopathy → 1 = 8, class B
        JsonPath childPugh = score(p, "child-pugh");
        assertEquals(8, childPugh.getInt("entry[0].resource.valueQuantity.value"));
        assertEquals("B", childPugh.getString("entry[0].resource.component[0].valueString"));
        assertEquals(DAY, childPugh.getString("entry[0].resource.effectiveDateTime"));
        assertEquals(Set.of(inputIds.get(0), inputIds.get(1), inputIds.get(2), inputIds.get(3), inputIds.get(4)),
                new HashSet<>(childPugh.getList("entry[0].resource.derivedFrom.reference")));
        // MELD: creatinine 1.2, bilirubin 3.0, INR 1.5: 0.17448 + 0.41528 + 0.45412 + 0.643 = 1.6869 → 1.7 → 17
        assertEquals(17, score(p, "meld").getInt("entry[0].resource.valueQuantity.value"));
        // MELD-Na, sodium 130: 17 + 9.24 − 0.033·17·7 = 22.313 → 22
        assertEquals(22, score(p, "meld-na").getInt("entry[0].resource.valueQuantity.value"));
        // MELD 3.0 of this man (worked out in ClinicalScoresTest): 21.38 → 21, from creatinine, bilirubin, INR, sodium, albumin
        JsonPath meld3 = score(p, "meld-3");
        assertEquals(21, meld3.getInt("entry[0].resource.valueQuantity.value"));
        assertEquals(Set.of(inputIds.get(0), inputIds.get(1), inputIds.get(2), inputIds.get(5), inputIds.get(6)),
                new HashSet<>(meld3.getList("entry[0].resource.derivedFrom.reference")));

        // a corrected bilirubin (1.5 mg/dL → 1 point) updates Child-Pugh to 7 and MELD to 0.17448 + 0.15327 + 0.45412 + 0.643 = 1.4249 → 14
        String bilirubinId = inputIds.get(0).split("/")[1];
        given().contentType(FHIR_JSON).body(quantity(p, "1975-2", 1.5, "mg/dL").replace("{\"resourceType\":\"Observation\",",
                "{\"resourceType\":\"Observation\",\"id\":\"" + bilirubinId + "\",")).put("/fhir/Observation/" + bilirubinId)
                .then().statusCode(200);
        assertEquals(7, score(p, "child-pugh").getInt("entry[0].resource.valueQuantity.value"));
        assertEquals(14, score(p, "meld").getInt("entry[0].resource.valueQuantity.value"));
        assertEquals("2", score(p, "meld").getString("entry[0].resource.meta.versionId"));
        // MELD 3.0 with bilirubin 1.5 (ln 0.405465): 1.848920 + 5.74 − 0.681181 + 3.685677 + 2.031067 + 0.925 − 0.166825 + 6
        // = 19.382658 → 19
        assertEquals(19, score(p, "meld-3").getInt("entry[0].resource.valueQuantity.value"));

        // the patient's recorded sex corrected to female: + 1.33 = 20.71 → 21, in the Patient update's transaction
        String patient = given().accept(FHIR_JSON).get("/fhir/Patient/" + p).then().statusCode(200).extract().asString();
        given().contentType(FHIR_JSON).body(patient.replace("\"gender\":\"male\"", "\"gender\":\"female\"")).put("/fhir/Patient/" + p)
                .then().statusCode(200);
        assertEquals(21, score(p, "meld-3").getInt("entry[0].resource.valueQuantity.value"));
        // and to unknown: no MELD 3.0 (never a guess), MELD stays
        given().contentType(FHIR_JSON).body(patient.replace("\"gender\":\"male\"", "\"gender\":\"unknown\"")).put("/fhir/Patient/" + p)
                .then().statusCode(200);
        assertEquals(0, score(p, "meld-3").getInt("total"));
        assertEquals(1, score(p, "meld").getInt("total"));
        given().contentType(FHIR_JSON).body(patient).put("/fhir/Patient/" + p).then().statusCode(200);
        assertEquals(19, score(p, "meld-3").getInt("entry[0].resource.valueQuantity.value"));

        // without creatinine there is no MELD (and no MELD-Na); Child-Pugh stays
        given().delete("/fhir/" + inputIds.get(5)).then().statusCode(200);
        assertEquals(0, score(p, "meld").getInt("total"));
        assertEquals(0, score(p, "meld-na").getInt("total"));
        assertEquals(0, score(p, "meld-3").getInt("total"));
        assertEquals(1, score(p, "child-pugh").getInt("total"));
    }

    @Test
    void missingInputsGiveNoScore() {
        String marker = SearchTestData.unique();
        String p = enrolledPatient(marker, "Partial");
        given().contentType(FHIR_JSON).body(bundle(quantity(p, "1975-2", 2.0, "mg/dL"), quantity(p, "1751-7", 3.2, "g/dL"),
                quantity(p, "6301-6", 1.4, "{INR}"), grade(p, "ascites-grade", 0))).post("/fhir").then().statusCode(200);
        assertEquals(0, search("Observation?subject=Patient/" + p + "&code=" + StudyCodes.STUDY_CODES + "|child-pugh,"
                + StudyCodes.STUDY_CODES + "|meld," + StudyCodes.STUDY_CODES + "|meld-na").getInt("total"));
        // the last input arrives on its own: bilirubin 2.0 → 2, albumin 3.2 → 2, INR 1.4 → 1, no ascites → 1, none → 1 = 7
        create("Observation", grade(p, "hepatic-encephalopathy-grade", 0));
        assertEquals(1, score(p, "child-pugh").getInt("total"));
        assertEquals(7, score(p, "child-pugh").getInt("entry[0].resource.valueQuantity.value"));

        // an albumin in a unit that is no mass concentration breaks the study's lab profile: refused (422),
        // so it cannot spoil the score
        given().contentType(FHIR_JSON).body(quantity(p, "1751-7", 0.45, "mmol/L")).post("/fhir/Observation").then().statusCode(422);
        assertEquals(7, score(p, "child-pugh").getInt("entry[0].resource.valueQuantity.value"));
    }

    @Test
    void patientsInNoStudyGetNoScores() {
        String p = create("Patient", patient(SearchTestData.unique(), "Outside", "Olga", "female", "1962-01-01"));
        given().contentType(FHIR_JSON).body(bundle(quantity(p, "1975-2", 2.0, "mg/dL"), quantity(p, "1751-7", 3.2, "g/dL"),
                quantity(p, "6301-6", 1.4, "{INR}"), grade(p, "ascites-grade", 0), grade(p, "hepatic-encephalopathy-grade", 0)))
                .post("/fhir").then().statusCode(200);
        assertEquals(0, score(p, "child-pugh").getInt("total"));
    }

    /** Scores are kept for patients enrolled in a study. */
    private static String enrolledPatient(String marker, String name) {
        String p = create("Patient", patient(marker, name, name, "male", "1960-01-01"));
        String study = create("ResearchStudy", StudyIdentifiersTest.study("https://clinicaltrials.gov/nctid", StudyIdentifiersTest.randomNct()));
        create("ResearchSubject", "{\"resourceType\":\"ResearchSubject\",\"status\":\"on-study\",\"study\":{\"reference\":\"ResearchStudy/"
                + study + "\"},\"individual\":{\"reference\":\"Patient/" + p + "\"}}");
        return p;
    }

    private static JsonPath score(String patient, String code) {
        return search("Observation?subject=Patient/" + patient + "&code=" + StudyCodes.STUDY_CODES + "|" + code);
    }

    static String bundle(String... observations) {
        StringBuilder entries = new StringBuilder();
        for (String observation : observations) {
            entries.append(entries.length() == 0 ? "" : ",").append("{\"resource\":").append(observation)
                    .append(",\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}");
        }
        return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[" + entries + "]}";
    }

    static String quantity(String patient, String loinc, double value, String unit) {
        return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":"
                + "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"laboratory\"}]}],"
                + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"" + loinc + "\"}]},\"subject\":{\"reference\":\"Patient/" + patient + "\"},\"effectiveDateTime\":\"" + DAY
                + "T08:00:00+08:00\",\"valueQuantity\":{\"value\":" + value + ",\"system\":\"http://unitsofmeasure.org\",\"code\":\"" + unit + "\"}}";
    }

    static String grade(String patient, String code, int grade) {
        return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"" + StudyCodes.STUDY_CODES
                + "\",\"code\":\"" + code + "\"}]},\"subject\":{\"reference\":\"Patient/" + patient + "\"},\"effectiveDateTime\":\"" + DAY
                + "\",\"valueInteger\":" + grade + "}";
    }
}
