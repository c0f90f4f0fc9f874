package io.hepatrial.fhir.search;

import static io.hepatrial.fhir.search.SearchTestData.FHIR_JSON;
import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.ids;
import static io.hepatrial.fhir.search.SearchTestData.observation;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.search;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import java.util.HashSet;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

/** Each kind of search parameter with its prefixes and modifiers, as search.html defines them. */
@QuarkusTest
class SearchParameterKindsTest {

    static Set<String> set(List<String> list) {
        return new HashSet<>(list);
    }

    /** Token :in and :not-in (search.html#token): membership of a value set, stored here or known to the server. */
    @Test
    void tokenInAndNotInAValueSet() {
        String m = unique();
        String p = create("Patient", patient(m, "Inset", "I", "female", "1960-01-01"));
        String alt = create("Observation", observation(m, p, "1742-6", "2020-01-01", 40, "U/L"));
        String temperature = create("Observation", observation(m, p, "8310-5", "2020-01-01", 37, "Cel"));
        String labMarkers = "https://hepatrial.org/fhir/ValueSet/study-lab-markers";

        // the study's shipped value set of lab markers holds ALT, not body temperature
        assertEquals(List.of(alt), ids("Observation?subject=Patient/" + p + "&code:in=" + labMarkers));
        assertEquals(List.of(temperature), ids("Observation?subject=Patient/" + p + "&code:not-in=" + labMarkers));
        // a value set a client stored, by its url (and by url|version)
        String url = "urn:test:valueset:" + m;
        create("ValueSet", "{\"resourceType\":\"ValueSet\",\"url\":\"" + url + "\",\"version\":\"1\",\"status\":\"active\","
                + "\"compose\":{\"include\":[{\"system\":\"http://loinc.org\",\"concept\":[{\"code\":\"8310-5\"}]}]}}");
        assertEquals(List.of(temperature), ids("Observation?subject=Patient/" + p + "&code:in=" + url));
        assertEquals(List.of(temperature), ids("Observation?subject=Patient/" + p + "&code:in=" + url + "|1"));
        // two value sets ORed: both
        assertEquals(Set.of(alt, temperature), new HashSet<>(ids("Observation?subject=Patient/" + p + "&code:in=" + url + "," + labMarkers)));
        // one of R4's own value sets
        assertEquals(List.of(p), ids("Patient?identifier=urn:test:" + m + "|&gender:in=http://hl7.org/fhir/ValueSet/administrative-gender"));
        // a stored value set of a whole code system this server does not have cannot be expanded: 400
        String unknownSystem = "urn:test:valueset-of-unknown:" + m;
        create("ValueSet", "{\"resourceType\":\"ValueSet\",\"url\":\"" + unknownSystem + "\",\"status\":\"active\","
                + "\"compose\":{\"include\":[{\"system\":\"http://example.org/no-such-code-system\"}]}}");
        given().urlEncodingEnabled(false).get("/fhir/Observation?code:in=" + unknownSystem).then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"));
        // an unknown value set is a 400 that says so
        given().urlEncodingEnabled(false).get("/fhir/Observation?code:in=http://example.org/ValueSet/nothing").then().statusCode(400)
                .body("resourceType", equalTo("OperationOutcome"))
                .body("issue[0].diagnostics", org.hamcrest.Matchers.containsString("http://example.org/ValueSet/nothing"));
    }

    @Test
    void tokenOnIdentifierCodeAndBoolean() {
        String m = unique();
        String wang = create("Patient", patient(m, "Wang", "Li", "female", "1961-04-02"));
        String zhao = create("Patient", patient(m, "Zhao", "Wei", "male", "1970-01-01"));
        String sys = "urn:test:" + m;
        assertEquals(List.of(wang), ids("Patient?identifier=" + sys + "|Wang"));
        assertEquals(List.of(), ids("Patient?identifier=" + sys + "|Nobody"));
        assertEquals(Set.of(wang, zhao), set(ids("Patient?identifier=" + sys + "|")));
        assertEquals(List.of(wang), ids("Patient?identifier=" + sys + "|Wang&gender=female"));
        assertEquals(List.of(zhao), ids("Patient?identifier=" + sys + "|&gender=http://hl7.org/fhir/administrative-gender|male"));
        assertEquals(List.of(zhao), ids("Patient?identifier=" + sys + "|&gender:not=female"));
        assertEquals(Set.of(wang, zhao), set(ids("Patient?identifier=" + sys + "|&active=true")));
        assertEquals(List.of(), ids("Patient?identifier=" + sys + "|&active=false"));
        // |code means: a code with no system
        assertEquals(List.of(), ids("Patient?identifier=" + sys + "|&gender=|male"));
    }

    @Test
    void tokenTextAndMissing() {
        String m = unique();
        String p = create("Patient", patient(m, "Text", "T", "female", "1960"));
        String alt = create("Observation", observation(m, p, "1742-6", "2016-01-01", 40, "U/L"));
        String noCategory = create("Observation", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"identifier\":[{\"system\":\"urn:test:"
                + m + "\",\"value\":\"x\"}],\"code\":{\"text\":\"free text only\"}}");
        String sys = "urn:test:" + m;
        assertEquals(List.of(alt), ids("Observation?identifier=" + sys + "|&code:text=lab%201742"));
        assertEquals(List.of(noCategory), ids("Observation?identifier=" + sys + "|&code:text=FREE"));
        assertEquals(List.of(noCategory), ids("Observation?identifier=" + sys + "|&category:missing=true"));
        assertEquals(List.of(alt), ids("Observation?identifier=" + sys + "|&category:missing=false"));
    }

    @Test
    void stringIsCaseAndAccentInsensitiveStartsWithUnlessExactOrContains() {
        String m = unique();
        String muller = create("Patient", patient(m, "Müller", "José", "male", "1950"));
        create("Patient", patient(m, "Mullins", "Ann", "female", "1951"));
        String sys = "urn:test:" + m;
        assertEquals(List.of(muller), ids("Patient?identifier=" + sys + "|&family=muller"));
        assertEquals(List.of(muller), ids("Patient?identifier=" + sys + "|&family=MÜLLE"));
        assertEquals(2, ids("Patient?identifier=" + sys + "|&family=mul").size());
        assertEquals(List.of(muller), ids("Patient?identifier=" + sys + "|&given=jose"));
        assertEquals(List.of(muller), ids("Patient?identifier=" + sys + "|&name=jos"));
        assertEquals(List.of(muller), ids("Patient?identifier=" + sys + "|&family:exact=Müller"));
        assertEquals(List.of(), ids("Patient?identifier=" + sys + "|&family:exact=muller"));
        assertEquals(List.of(muller), ids("Patient?identifier=" + sys + "|&family:contains=LLE"));
    }

    @Test
    void dateWithPrecisionAndPrefixes() {
        String m = unique();
        String sys = "urn:test:" + m;
        String p1961 = create("Patient", patient(m, "A", "A", "female", "1961-04-02"));
        String p1970 = create("Patient", patient(m, "B", "B", "male", "1970-06"));
        String q = "Patient?identifier=" + sys + "|&birthdate=";
        assertEquals(List.of(p1961), ids(q + "1961"));
        assertEquals(List.of(p1961), ids(q + "1961-04"));
        assertEquals(List.of(p1961), ids(q + "1961-04-02"));
        assertEquals(List.of(), ids(q + "1961-04-03"));
        assertEquals(List.of(p1970), ids(q + "1970"));
        // 1970-06 is not within the day 1970-06-15, but overlaps it
        assertEquals(List.of(), ids(q + "1970-06-15"));
        assertEquals(List.of(p1970), ids(q + "gt1965"));
        assertEquals(List.of(p1961), ids(q + "lt1965"));
        assertEquals(List.of(p1961), ids(q + "le1961-04-02"));
        assertEquals(Set.of(p1961, p1970), set(ids(q + "ge1961-04-02")));
        assertEquals(List.of(p1970), ids(q + "ne1961-04-02"));
        assertEquals(List.of(p1970), ids(q + "sa1961-12-31"));
        assertEquals(List.of(p1961), ids(q + "eb1970-01-01"));
        assertEquals(List.of(p1961), ids(q + "ge1961&birthdate=lt1962"));
    }

    @Test
    void dateTimesWithTimeZonesAndPeriods() {
        String m = unique();
        String p = create("Patient", patient(m, "Tz", "T", "female", "1960"));
        String sys = "urn:test:" + m;
        // 2016-03-01T23:30:00+08:00 is 2016-03-01T15:30Z
        String obs = create("Observation", observation(m, p, "1742-6", "2016-03-01T23:30:00+08:00", 40, "U/L"));
        String q = "Observation?identifier=" + sys + "|&date=";
        assertEquals(List.of(obs), ids(q + "2016-03-01T15:30Z"));
        assertEquals(List.of(obs), ids(q + "2016-03-01T23:30:00%2B08:00"));
        assertEquals(List.of(), ids(q + "2016-03-01T16:00Z"));
        assertEquals(List.of(obs), ids(q + "gt2016-03-01T15:00Z"));
        assertEquals(List.of(), ids(q + "gt2016-03-01T16:00Z"));
        String subject = create("ResearchSubject", "{\"resourceType\":\"ResearchSubject\",\"identifier\":[{\"system\":\"" + sys
                + "\",\"value\":\"rs\"}],\"status\":\"on-study\",\"period\":{\"start\":\"2015-06-01\"},"
                + "\"study\":{\"reference\":\"ResearchStudy/s\"},\"individual\":{\"reference\":\"Patient/" + p + "\"}}");
        String rs = "ResearchSubject?identifier=" + sys + "|&date=";
        assertEquals(List.of(subject), ids(rs + "gt2020-01-01"));   // open-ended period
        assertEquals(List.of(), ids(rs + "lt2015-01-01"));
        assertEquals(List.of(subject), ids(rs + "ge2015-06-01"));
    }

    @Test
    void lastUpdatedAndIdAreSearchable() {
        String m = unique();
        String p = create("Patient", patient(m, "Upd", "U", "female", "1960"));
        String sys = "urn:test:" + m;
        assertEquals(List.of(p), ids("Patient?_id=" + p));
        assertEquals(List.of(p), ids("Patient?_id=nope," + p));
        assertEquals(List.of(p), ids("Patient?identifier=" + sys + "|&_lastUpdated=gt2020-01-01"));
        assertEquals(List.of(), ids("Patient?identifier=" + sys + "|&_lastUpdated=lt2020-01-01"));
    }

    @Test
    void referenceByTypeAndIdIdAloneTypeModifierAndAbsoluteUrl() {
        String m = unique();
        String p = create("Patient", patient(m, "Ref", "R", "female", "1960"));
        String other = create("Patient", patient(m, "Other", "O", "female", "1960"));
        String obs = create("Observation", observation(m, p, "1742-6", "2016-01-01", 40, "U/L"));
        create("Observation", observation(m, other, "1742-6", "2016-01-01", 40, "U/L"));
        assertEquals(List.of(obs), ids("Observation?subject=Patient/" + p));
        assertEquals(List.of(obs), ids("Observation?subject=" + p));
        assertEquals(List.of(obs), ids("Observation?subject:Patient=" + p));
        assertEquals(List.of(obs), ids("Observation?patient=" + p));
        String base = given().get("/fhir/metadata").then().extract().path("implementation.url");
        assertEquals(List.of(obs), ids("Observation?subject=" + base + "/Patient/" + p));

        // a reference to another server: found by its URL only, never by the local patient of the same id
        String remote = "http://other.example/fhir/Patient/" + p;
        String far = create("Observation", observation(m, p, "1742-6", "2016-01-01", 41, "U/L").replace("Patient/" + p, remote));
        assertEquals(List.of(far), ids("Observation?subject=" + remote));
        assertEquals(List.of(far), ids("Observation?patient=" + remote));
        assertEquals(List.of(obs), ids("Observation?subject=Patient/" + p));
        assertEquals(List.of(obs), ids("Observation?subject=" + p));
        assertEquals(List.of(), ids("Patient?_id=" + p + "&_has:Observation:subject:value-quantity=41"), "_has follows local references only");
        assertEquals(List.of(p, obs), search("Patient?_id=" + p + "&_revinclude=Observation:subject").getList("entry.resource.id"));
    }

    /**
     * Reference.reference: a relative reference is "relative to the service base URL", so an absolute
     * URL on this server's base names the same resource: it is stored as that relative reference and
     * found by every form of search, include and chain.
     */
    @Test
    void aReferenceWithThisServersBaseUrlIsALocalReference() {
        String m = unique();
        String p = create("Patient", patient(m, "Own", "O", "male", "1960"));
        String base = given().get("/fhir/metadata").then().extract().path("implementation.url");
        String obs = create("Observation", observation(m, p, "1742-6", "2016-01-01", 40, "U/L")
                .replace("\"Patient/" + p + "\"", "\"" + base + "/Patient/" + p + "\""));
        assertEquals("Patient/" + p, given().get("/fhir/Observation/" + obs).then().statusCode(200).extract().path("subject.reference"));
        assertEquals(List.of(obs), ids("Observation?subject=Patient/" + p));
        assertEquals(List.of(obs), ids("Observation?subject=" + base + "/Patient/" + p));
        assertEquals(List.of(obs), ids("Observation?patient.identifier=urn:test:" + m + "|"));
        assertEquals(List.of(obs, p), search("Observation?_id=" + obs + "&_include=Observation:subject").getList("entry.resource.id"));
        // on an update too, and in a transaction's entries (which also rewrite their fullUrls)
        String updated = given().contentType(FHIR_JSON).body(observation(m, p, "1742-6", "2016-01-01", 41, "U/L")
                        .replace("{\"resourceType\":\"Observation\",", "{\"resourceType\":\"Observation\",\"id\":\"" + obs + "\",")
                        .replace("\"Patient/" + p + "\"", "\"" + base + "/Patient/" + p + "/_history/1\""))
                .put("/fhir/Observation/" + obs).then().statusCode(200).extract().path("subject.reference");
        assertEquals("Patient/" + p + "/_history/1", updated);
        // a URL on the base that names no resource type of this server is left as it is
        String odd = create("Observation", observation(m, p, "8310-5", "2016-01-01", 37, "Cel")
                .replace("\"Patient/" + p + "\"", "\"" + base + "/metadata\""));
        assertEquals(base + "/metadata", given().get("/fhir/Observation/" + odd).then().extract().path("subject.reference"));
    }

    @Test
    void quantityComparesInCanonicalUcumUnits() {
        String m = unique();
        String p = create("Patient", patient(m, "Alb", "A", "female", "1960"));
        String sys = "urn:test:" + m;
        String high = create("Observation", observation(m, p, "1751-7", "2016-01-01", 3.6, "g/dL"));   // = 36 g/L
        String low = create("Observation", observation(m, p, "1751-7", "2016-02-01", 28, "g/L"));
        String q = "Observation?identifier=" + sys + "|&value-quantity=";
        assertEquals(List.of(high), ids(q + "ge35|http://unitsofmeasure.org|g/L"));
        assertEquals(List.of(low), ids(q + "lt35|http://unitsofmeasure.org|g/L"));
        assertEquals(List.of(high), ids(q + "36|http://unitsofmeasure.org|g/L"));
        assertEquals(List.of(low), ids(q + "2.8|http://unitsofmeasure.org|g/dL"));
        assertEquals(List.of(high), ids(q + "3.6||g/dL"));
        assertEquals(List.of(low), ids(q + "28"));
        assertEquals(List.of(), ids(q + "gt1000|http://unitsofmeasure.org|g/L"));
        // sorted as compared: in canonical units, so 3.6 g/dL (36 g/L) comes after 28 g/L
        assertEquals(List.of(low, high), ids("Observation?identifier=" + sys + "|&_sort=value-quantity"));
        assertEquals(List.of(high, low), ids("Observation?identifier=" + sys + "|&_sort=-value-quantity"));
    }

    @Test
    void compositesPairValuesOfTheSameElement() {
        String m = unique();
        String sys = "urn:test:" + m;
        String p = create("Patient", patient(m, "Comp", "C", "female", "1960"));
        String alt = create("Observation", observation(m, p, "1742-6", "2016-01-01", 40, "U/L"));
        String ast = create("Observation", observation(m, p, "1920-8", "2016-01-01", 60, "U/L"));
        String q = "Observation?identifier=" + sys + "|&code-value-quantity=";
        assertEquals(List.of(alt), ids(q + "http://loinc.org|1742-6$gt30"));
        assertEquals(List.of(), ids(q + "http://loinc.org|1742-6$gt50"));   // 60 belongs to AST, not ALT
        assertEquals(List.of(ast), ids(q + "http://loinc.org|1920-8$gt50|http://unitsofmeasure.org|U/L"));
        assertEquals(Set.of(alt, ast), set(ids(q + "1742-6$40,1920-8$60")));
        // components: systolic and diastolic pressure in one Observation
        String bp = create("Observation", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"identifier\":[{\"system\":\""
                + sys + "\",\"value\":\"bp\"}],\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]},"
                + "\"component\":[{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"}]},"
                + "\"valueQuantity\":{\"value\":150,\"system\":\"http://unitsofmeasure.org\",\"code\":\"mm[Hg]\"}},"
                + "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8462-4\"}]},"
                + "\"valueQuantity\":{\"value\":85,\"system\":\"http://unitsofmeasure.org\",\"code\":\"mm[Hg]\"}}]}");
        String c = "Observation?identifier=" + sys + "|&component-code-value-quantity=";
        assertEquals(List.of(bp), ids(c + "http://loinc.org|8480-6$gt140"));
        assertEquals(List.of(), ids(c + "http://loinc.org|8462-4$gt140"));
        assertEquals(List.of(bp), ids("Observation?identifier=" + sys + "|&combo-code-value-quantity=8462-4$85"));
        given().get("/fhir/Observation?code-value-quantity=1742-6").then().statusCode(400);
    }

    @Test
    void uriOnProfile() {
        String m = unique();
        String id = create("Patient", "{\"resourceType\":\"Patient\",\"meta\":{\"profile\":[\"http://example.org/fhir/StructureDefinition/study-patient-"
                + m + "\"]}}");
        assertEquals(List.of(id), ids("Patient?_profile=http://example.org/fhir/StructureDefinition/study-patient-" + m));
        assertEquals(List.of(id), ids("Patient?_profile:below=http://example.org/fhir/StructureDefinition/study-patient-" + m.substring(0, 4)));
    }

    @Test
    void tagAndSecurityAreTokens() {
        String m = unique();
        String id = create("Patient", "{\"resourceType\":\"Patient\",\"meta\":{\"tag\":[{\"system\":\"urn:test:tags\",\"code\":\"" + m + "\"}]}}");
        assertEquals(List.of(id), ids("Patient?_tag=urn:test:tags|" + m));
    }

    @Test
    void commaIsOrAndRepeatedParameterIsAnd() {
        String m = unique();
        String sys = "urn:test:" + m;
        String a = create("Patient", patient(m, "OrA", "A", "female", "1961"));
        String b = create("Patient", patient(m, "OrB", "B", "male", "1962"));
        create("Patient", patient(m, "OrC", "C", "male", "1963"));
        assertEquals(Set.of(a, b), set(ids("Patient?identifier=" + sys + "|OrA," + sys + "|OrB")));
        assertEquals(List.of(b), ids("Patient?identifier=" + sys + "|OrA," + sys + "|OrB&gender=male"));
        assertEquals(List.of(), ids("Patient?family=OrA&family=OrB"));
    }

    @Test
    void deletedAndSupersededValuesAreNotFound() {
        String m = unique();
        String sys = "urn:test:" + m;
        String id = create("Patient", patient(m, "Before", "B", "female", "1961"));
        given().contentType(FHIR_JSON).body(patient(m, "After", "B", "female", "1961").replace("{\"resourceType\":\"Patient\",",
                "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",")).put("/fhir/Patient/" + id).then().statusCode(200);
        assertEquals(List.of(), ids("Patient?identifier=" + sys + "|&family=Before"));
        assertEquals(List.of(id), ids("Patient?identifier=" + sys + "|&family=After"));
        given().delete("/fhir/Patient/" + id).then().statusCode(200);
        assertEquals(List.of(), ids("Patient?identifier=" + sys + "|&family=After"));
    }

    @Test
    void invalidValuesAndModifiersAre400() {
        given().get("/fhir/Patient?birthdate=notadate").then().statusCode(400).body("resourceType", equalTo("OperationOutcome"));
        given().get("/fhir/Patient?birthdate=xx2020").then().statusCode(400);
        given().get("/fhir/Observation?value-quantity=abc").then().statusCode(400);
        given().get("/fhir/Patient?family:fuzzy=x").then().statusCode(400).body("resourceType", equalTo("OperationOutcome"));
        given().get("/fhir/Patient?gender:missing=maybe").then().statusCode(400);
        given().get("/fhir/Patient?_count=lots").then().statusCode(400);
        given().get("/fhir/Patient?_sort=nonsense").then().statusCode(400);
        given().get("/fhir/Patient?_total=maybe").then().statusCode(400);
    }

    @Test
    void sqlMetaCharactersAreJustValues() {
        given().urlEncodingEnabled(true).queryParam("family", "x'; drop table resource; --").get("/fhir/Patient")
                .then().statusCode(200).body("total", equalTo(0));
        given().urlEncodingEnabled(true).queryParam("family", "%_\\").get("/fhir/Patient").then().statusCode(200);
    }
}
