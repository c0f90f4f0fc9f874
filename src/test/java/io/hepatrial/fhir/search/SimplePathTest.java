package io.hepatrial.fhir.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.fhirpath.IFhirPath;
import io.hepatrial.study.SyntheticCohort;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The index walks simple search parameter expressions itself ({@link SimplePath}) instead of
 * asking the FHIRPath engine: both must give the same values, for every parameter of every type,
 * on the study's resources, the API examples and resources written to reach the corners (choice
 * types, contained and absolute references, extension-only primitives, components).
 */
@QuarkusTest
class SimplePathTest {

    @Inject
    SearchParameterRegistry registry;
    @Inject
    FhirContext fhirContext;

    @Test
    void compilesPathsAndTypeFiltersOnly() {
        assertNotNull(SimplePath.compile("Observation.code"));
        assertNotNull(SimplePath.compile("(Observation.value as Quantity)"));
        assertNotNull(SimplePath.compile("Observation.value.as(Quantity)"));
        assertNotNull(SimplePath.compile("Observation.subject.where(resolve() is Patient)"));
        assertNotNull(SimplePath.compile("code"));
        assertNull(SimplePath.compile("Patient.telecom.where(system='phone')"));
        assertNull(SimplePath.compile("Procedure.extension('https://example.org/x').value"));
        assertNull(SimplePath.compile("Observation.code | Observation.component.code"));
        assertNull(SimplePath.compile("Patient.deceased.exists() and Patient.deceased != false"));
        assertNull(SimplePath.compile("Observation.Quantity"));
    }

    @Test
    void givesWhatTheFhirPathEngineGives() throws Exception {
        List<Resource> resources = new ArrayList<>();
        for (Bundle bundle : new SyntheticCohort(7).patientTransactions().subList(0, 3)) {
            bundle.getEntry().forEach(entry -> resources.add(entry.getResource()));
        }
        for (String example : List.of("Patient", "Observation", "Procedure", "Condition", "ResearchStudy", "ResearchSubject",
                "NamingSystem")) {
            resources.add(parse("/openapi-examples/" + example + ".json"));
        }
        resources.add(parseText("""
                {"resourceType":"Observation","status":"final","contained":[{"resourceType":"Patient","id":"p1"}],
                 "code":{"coding":[{"system":"http://loinc.org","code":"1742-6"}],"text":"ALT"},
                 "subject":{"reference":"#p1"},"performer":[{"reference":"http://other.example/fhir/Practitioner/9"},
                 {"reference":"Organization/o1/_history/2"},{"identifier":{"value":"x"}}],
                 "effectivePeriod":{"start":"2016-01-01","end":"2016-01-02"},
                 "valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"260385009"}]},
                 "_issued":{"extension":[{"url":"http://example.org/x","valueString":"no value"}]},
                 "component":[{"code":{"coding":[{"code":"a"}]},"valueQuantity":{"value":1.5,"unit":"mg","code":"mg"}},
                 {"code":{"text":"b"},"valueString":"text"},{"code":{"text":"c"},"valuePeriod":{"start":"2016"}}]}"""));
        resources.add(parseText("""
                {"resourceType":"Patient","name":[{"family":"Zhāng","given":["Wěi","W."]},{"text":"Zhang Wei"}],
                 "telecom":[{"system":"phone","value":"+86 1"},{"system":"email","value":"a@b.c"}],"gender":"male",
                 "deceasedBoolean":false,"address":[{"city":"Shanghai","postalCode":"200000"}],
                 "generalPractitioner":[{"reference":"urn:uuid:8c1b5e8e-9f7b-4a8e-9f39-3b0d9f7e4b11"}],
                 "link":[{"other":{"reference":"RelatedPerson/r1"},"type":"seealso"}],
                 "meta":{"tag":[{"system":"http://example.org/tags","code":"t"}],"profile":["http://example.org/p"]}}"""));

        IFhirPath engine = IndexExtractor.newEngine(fhirContext);
        int compared = 0;
        for (Resource resource : resources) {
            for (SearchParameterDefinition param : registry.indexed(resource.fhirType())) {
                List<IFhirPath.IParsedExpression> parts = new ArrayList<>();
                if (param.expressionParts() != null) {
                    parts.addAll(param.expressionParts());
                }
                if (param.composite() != null) {
                    for (SearchParameterDefinition.Base base : param.composite().bases()) {
                        compared += compare(engine, resource, base.base(), param);
                        for (IBase element : engine.evaluate(resource, base.base(), IBase.class)) {
                            for (IFhirPath.IParsedExpression part : concat(base.first(), base.second())) {
                                compared += compare(engine, element, part, param);
                            }
                        }
                    }
                }
                for (IFhirPath.IParsedExpression part : parts) {
                    compared += compare(engine, resource, part, param);
                }
            }
        }
        assertTrue(compared > 500, "compared only " + compared + " simple paths");
    }

    private static int compare(IFhirPath engine, IBase focus, IFhirPath.IParsedExpression part, SearchParameterDefinition param) {
        SimplePath simple = SearchParameterRegistry.simplePath(part);
        if (simple == null) {
            return 0;
        }
        List<IBase> walked = simple.evaluate(focus);
        if (walked == null) {
            return 0; // left to the engine for this focus
        }
        List<IBase> expected = engine.evaluate(focus, part, IBase.class);
        assertEquals(identities(expected), identities(walked), param.resourceType() + "." + param.name() + " on " + describe(focus));
        return 1;
    }

    private static List<Integer> identities(List<IBase> values) {
        return values.stream().map(System::identityHashCode).toList();
    }

    private static String describe(IBase focus) {
        return focus instanceof Resource resource ? resource.fhirType() + "/" + resource.getIdElement().getIdPart() : focus.fhirType();
    }

    private static List<IFhirPath.IParsedExpression> concat(List<IFhirPath.IParsedExpression> a, List<IFhirPath.IParsedExpression> b) {
        List<IFhirPath.IParsedExpression> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private Resource parse(String path) throws Exception {
        try (InputStream in = getClass().getResourceAsStream(path)) {
            return parseText(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private Resource parseText(String json) {
        return (Resource) fhirContext.newJsonParser().parseResource(json);
    }
}
