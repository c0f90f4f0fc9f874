package io.hepatrial.fhir.search;

import static io.hepatrial.fhir.search.SearchTestData.create;
import static io.hepatrial.fhir.search.SearchTestData.ids;
import static io.hepatrial.fhir.search.SearchTestData.patient;
import static io.hepatrial.fhir.search.SearchTestData.unique;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Set;

import org.hibernate.Session;
import org.junit.jupiter.api.Test;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A parameter whose R4 expression is the union of other parameters' (Observation combo-code is
 * code | component-code) writes no rows of its own and is searched through theirs: it must find
 * exactly what its own rows found, in every place a parameter is used.
 */
@QuarkusTest
class UnionParametersTest {

    @Inject
    SearchParameterRegistry registry;
    @Inject
    Session session;
    @Inject
    Reindexer reindexer;

    @Test
    void theRegistryFindsTheUnionsInHapisDefinitions() {
        assertEquals(Set.of("code", "component-code"), Set.copyOf(registry.get("Observation", "combo-code").storedAs().params()));
        assertEquals(Set.of("value-quantity", "component-value-quantity"),
                Set.copyOf(registry.get("Observation", "combo-value-quantity").storedAs().params()));
        assertEquals(Set.of("code-value-quantity", "component-code-value-quantity"),
                Set.copyOf(registry.get("Observation", "combo-code-value-quantity").storedAs().params()));
        // a restriction: subject.where(resolve() is Patient) is subject's references to a Patient
        assertEquals(new SearchParameterDefinition.StoredAs(List.of("subject"), "Patient"), registry.get("Observation", "patient").storedAs());
        assertEquals(new SearchParameterDefinition.StoredAs(List.of("subject"), "Patient"), registry.get("Procedure", "patient").storedAs());
        // a duplicate: ResearchSubject patient and individual are both ResearchSubject.individual; the later one goes
        assertEquals(new SearchParameterDefinition.StoredAs(List.of("individual"), null), registry.get("ResearchSubject", "patient").storedAs());
        assertNull(registry.get("ResearchSubject", "individual").storedAs());
        assertEquals(new SearchParameterDefinition.StoredAs(List.of("name"), null), registry.get("Patient", "phonetic").storedAs());
        assertNull(registry.get("Patient", "name").storedAs());
        assertNull(registry.get("Observation", "subject").storedAs());
        assertNull(registry.get("Observation", "code").storedAs());
        assertEquals(0, registry.indexed("Observation").stream().filter(p -> p.name().startsWith("combo-") || p.name().equals("patient")).count());
    }

    @Test
    void unionParametersFindValuesAtTheResourceAndInItsComponents() {
        String m = unique();
        String codes = "urn:test:codes:" + m;
        String p = create("Patient", patient(m, "Union", "U", "female", "1960"));
        String plain = create("Observation", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/" + p
                + "\"},\"code\":{\"coding\":[{\"system\":\"" + codes + "\",\"code\":\"alt\"}]},"
                + "\"valueQuantity\":{\"value\":40,\"system\":\"http://unitsofmeasure.org\",\"code\":\"U/L\"}}");
        String panel = create("Observation", "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":\"Patient/" + p
                + "\"},\"code\":{\"coding\":[{\"system\":\"" + codes + "\",\"code\":\"panel\"}]},"
                + "\"component\":[{\"code\":{\"coding\":[{\"system\":\"" + codes + "\",\"code\":\"alt\"}]},"
                + "\"valueQuantity\":{\"value\":90,\"system\":\"http://unitsofmeasure.org\",\"code\":\"U/L\"}}]}");

        // as the only criterion (no index walk) and beside another one
        assertEquals(Set.of(plain, panel), Set.copyOf(ids("Observation?combo-code=" + codes + "|alt")));
        assertEquals(List.of(panel), ids("Observation?combo-code=" + codes + "|panel"));
        assertEquals(Set.of(plain, panel), Set.copyOf(ids("Observation?subject=Patient/" + p + "&combo-value-quantity=ge40|http://unitsofmeasure.org|U/L")));
        assertEquals(List.of(panel), ids("Observation?subject=Patient/" + p + "&combo-value-quantity=gt50"));
        assertEquals(List.of(plain), ids("Observation?subject=Patient/" + p + "&combo-code-value-quantity=" + codes + "|alt$lt50"));
        assertEquals(List.of(panel), ids("Observation?subject=Patient/" + p + "&combo-code-value-quantity=" + codes + "|alt$gt50"));
        // modifiers and sorting read the same rows
        assertEquals(List.of(), ids("Observation?subject=Patient/" + p + "&combo-value-quantity:missing=true"));
        assertEquals(List.of(plain), ids("Observation?subject=Patient/" + p + "&combo-code:not=" + codes + "|panel"));
        assertEquals(List.of(plain, panel), ids("Observation?subject=Patient/" + p + "&_sort=combo-value-quantity"));
        assertEquals(List.of(panel, plain), ids("Observation?subject=Patient/" + p + "&_sort=-combo-value-quantity"));

        // and no rows of their own were written
        long own = QuarkusTransaction.requiringNew().call(() -> ((Number) session.createNativeQuery(
                "select (select count(*) from search_token where param like 'combo-%') + (select count(*) from search_quantity where param like 'combo-%')"
                        + " + (select count(*) from search_composite where param like 'combo-%')", Object.class).getSingleResult()).longValue());
        assertEquals(0, own);
    }

    @Test
    void patientIsTheSubjectWhenItIsAPatient() {
        String m = unique();
        String codes = "urn:test:codes:" + m;
        String p = create("Patient", patient(m, "Restrict" + m, "R", "male", "1950"));
        String group = "g" + m; // Group is not a served type: a reference to one is kept as written
        String ofPatient = create("Observation", lab(codes, "Patient/" + p));
        String ofGroup = create("Observation", lab(codes, "Group/" + group));
        String elsewhere = create("Observation", lab(codes, "http://other.example/fhir/Patient/" + m));
        String all = "Observation?code=" + codes + "|x";

        assertEquals(List.of(ofPatient), ids("Observation?patient=Patient/" + p));
        assertEquals(List.of(ofPatient), ids("Observation?patient=" + p));
        assertEquals(List.of(), ids("Observation?patient=Group/" + group));
        assertEquals(List.of(ofGroup), ids("Observation?subject=Group/" + group));
        assertEquals(List.of(elsewhere), ids("Observation?patient=http://other.example/fhir/Patient/" + m));
        // paged one by one (the search walks subject's rows), nothing skipped or repeated
        String second = create("Observation", lab(codes, "Patient/" + p));
        assertEquals(List.of(ofPatient, second), SearchResultShapeTest.allPages("Observation?patient=Patient/" + p + "&_count=1", null));
        assertEquals(List.of(ofGroup), ids(all + "&patient:missing=true"));
        assertEquals(Set.of(ofPatient, second, elsewhere), Set.copyOf(ids(all + "&patient:missing=false")));
        assertEquals(List.of(ofPatient, second), ids("Observation?patient.name=Restrict" + m));
        assertEquals(List.of(p), ids("Patient?_has:Observation:patient:code=" + codes + "|x"));
        // includes follow, and compartments count, only the references to a Patient
        assertEquals(Set.of(ofPatient, second, ofGroup, elsewhere, p), Set.copyOf(everyId(all + "&_include=Observation:patient")));
        assertEquals(Set.of(p, ofPatient, second), Set.copyOf(everyId("Patient?_id=" + p + "&_revinclude=Observation:patient")));
        assertEquals(Set.of(p, ofPatient, second), Set.copyOf(everyId("Patient/" + p + "/$everything")));
    }

    private static List<String> everyId(String query) {
        return SearchTestData.search(query).getList("entry.resource.id");
    }

    private static String lab(String codes, String subject) {
        return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"subject\":{\"reference\":\"" + subject
                + "\"},\"code\":{\"coding\":[{\"system\":\"" + codes + "\",\"code\":\"x\"}]}}";
    }

    @Test
    void rowsAnEarlierVersionWroteForThemGoAtStart() {
        String m = unique();
        String elsewhere = create("Observation", lab("urn:test:codes:" + m, "http://other.example/fhir/Patient/" + m));
        // as an earlier version stored it (after migration V7): a patient row of its own, and the absolute subject without its type
        QuarkusTransaction.requiringNew().run(() -> {
            long pid = ((Number) session.createNativeQuery("select pid from resource where res_type = 'Observation' and res_id = :id", Object.class)
                    .setParameter("id", elsewhere).getSingleResult()).longValue();
            session.createNativeMutationQuery("update search_reference set target_type = null where resource_pid = :pid")
                    .setParameter("pid", pid).executeUpdate();
            session.createNativeMutationQuery("insert into search_reference (resource_pid, res_type, param, target_id, target_url) values (:pid,"
                    + " 'Observation', 'patient', :url, :url)").setParameter("pid", pid).setParameter("url", "http://other.example/fhir/Patient/" + m)
                    .executeUpdate();
        });
        assertEquals(List.of(), ids("Observation?patient=http://other.example/fhir/Patient/" + m));

        reindexer.dropRowsOfParametersStoredAsOthers(null);

        assertEquals(List.of(elsewhere), ids("Observation?patient=http://other.example/fhir/Patient/" + m));
        long patientRows = QuarkusTransaction.requiringNew().call(() -> ((Number) session.createNativeQuery(
                "select count(*) from search_reference where res_type = 'Observation' and param = 'patient'", Object.class)
                .getSingleResult()).longValue());
        assertEquals(0, patientRows);
    }
}
