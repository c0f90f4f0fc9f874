package io.hepatrial.fhir.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;

import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import ca.uhn.fhir.rest.server.exceptions.PreconditionFailedException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** A real FHIR client, HAPI's IGenericClient, used unmodified against the running server. */
@QuarkusTest
class GenericClientTest {

    @TestHTTPResource("/fhir")
    URL base;

    IGenericClient client;

    @BeforeEach
    void connect() {
        FhirContext context = FhirContext.forR4Cached();
        // ONCE: the client reads and checks our CapabilityStatement before its first call.
        context.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.ONCE);
        context.getRestfulClientFactory().setSocketTimeout(60_000);
        client = context.newRestfulGenericClient(base.toString());
    }

    @Test
    void createReadUpdateVreadDeleteHistory() {
        Patient patient = new Patient();
        patient.addName().setFamily("Huang").addGiven("Mei");
        patient.setGender(AdministrativeGender.FEMALE);

        MethodOutcome created = client.create().resource(patient).execute();
        assertTrue(created.getCreated());
        IIdType id = created.getId().toUnqualifiedVersionless();
        assertEquals("1", created.getId().getVersionIdPart());

        Patient read = client.read().resource(Patient.class).withId(id).execute();
        assertEquals("Huang", read.getNameFirstRep().getFamily());
        assertEquals("1", read.getMeta().getVersionId());

        read.getNameFirstRep().setFamily("Huang-Li");
        MethodOutcome updated = client.update().resource(read).execute();
        assertEquals("2", updated.getId().getVersionIdPart());

        Patient v1 = client.read().resource(Patient.class).withIdAndVersion(id.getIdPart(), "1").execute();
        assertEquals("Huang", v1.getNameFirstRep().getFamily());

        // A version-aware update with a stale version fails as the spec says.
        v1.setId(id.withVersion("1"));
        assertThrows(PreconditionFailedException.class, () -> client.update().resource(v1).withId(id.withVersion("1")).execute());

        Bundle history = client.history().onInstance(id).returnBundle(Bundle.class).execute();
        assertEquals(2, history.getEntry().size());
        assertEquals(Bundle.BundleType.HISTORY, history.getType());

        client.delete().resourceById(id).execute();
        assertThrows(ResourceGoneException.class, () -> client.read().resource(Patient.class).withId(id).execute());
    }

    @Test
    void xmlEncodingWorksToo() {
        FhirContext context = FhirContext.forR4Cached();
        IGenericClient xmlClient = context.newRestfulGenericClient(base.toString());
        xmlClient.setEncoding(ca.uhn.fhir.rest.api.EncodingEnum.XML);
        Observation alt = new Observation();
        alt.setStatus(Observation.ObservationStatus.FINAL);
        alt.addCategory().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/observation-category").setCode("laboratory");
        alt.getCode().addCoding().setSystem("http://loinc.org").setCode("1742-6").setDisplay("ALT");
        alt.getSubject().setReference("Patient/" + xmlClient.create().resource(new Patient()).execute().getId().getIdPart());
        alt.setEffective(new org.hl7.fhir.r4.model.DateTimeType("2016-05-04"));
        alt.setValue(new Quantity().setValue(48).setUnit("U/L").setSystem("http://unitsofmeasure.org").setCode("U/L"));
        MethodOutcome created = xmlClient.create().resource(alt).execute();
        Observation read = xmlClient.read().resource(Observation.class).withId(created.getId().toUnqualifiedVersionless()).execute();
        assertEquals(48, read.getValueQuantity().getValue().intValue());
    }

    @Test
    void transactionAndSearchThroughTheClient() {
        String system = "urn:test:client-" + System.nanoTime();
        Patient patient = new Patient();
        patient.addIdentifier().setSystem(system).setValue("p1");
        patient.setId(org.hl7.fhir.r4.model.IdType.newRandomUuid());
        Observation alt = new Observation();
        alt.setStatus(Observation.ObservationStatus.FINAL);
        alt.addCategory().addCoding().setSystem("http://terminology.hl7.org/CodeSystem/observation-category").setCode("laboratory");
        alt.getCode().addCoding().setSystem("http://loinc.org").setCode("1742-6");
        alt.getSubject().setReference(patient.getIdElement().getValue());
        alt.setEffective(new org.hl7.fhir.r4.model.DateTimeType("2016-05-04"));
        alt.setValue(new Quantity().setValue(52).setUnit("U/L").setSystem("http://unitsofmeasure.org").setCode("U/L"));
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction.addEntry().setFullUrl(patient.getIdElement().getValue()).setResource(patient)
                .getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Patient").setIfNoneExist("identifier=" + system + "|p1");
        transaction.addEntry().setResource(alt).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");

        Bundle response = client.transaction().withBundle(transaction).execute();
        assertEquals(Bundle.BundleType.TRANSACTIONRESPONSE, response.getType());
        assertEquals("201 Created", response.getEntry().get(0).getResponse().getStatus());
        String patientId = new org.hl7.fhir.r4.model.IdType(response.getEntry().get(0).getResponse().getLocation()).getIdPart();

        Bundle found = client.search().forResource(Observation.class)
                .where(Observation.SUBJECT.hasId("Patient/" + patientId))
                .and(Observation.CODE.exactly().systemAndCode("http://loinc.org", "1742-6"))
                .include(Observation.INCLUDE_SUBJECT)
                .returnBundle(Bundle.class).execute();
        assertEquals(1, found.getTotal());
        assertEquals(2, found.getEntry().size());
    }

    /** The client's summaryMode and elementsSubset on read and search (_summary, _elements). */
    @Test
    void summaryAndElementsThroughTheClient() {
        String system = "urn:test:client-" + System.nanoTime();
        Patient patient = new Patient();
        patient.addIdentifier().setSystem(system).setValue("s1");
        patient.addName().setFamily("Zhao");
        patient.setGender(AdministrativeGender.MALE);
        patient.getMaritalStatus().setText("married");
        IIdType id = client.create().resource(patient).execute().getId().toUnqualifiedVersionless();

        Patient elements = client.read().resource(Patient.class).withId(id).elementsSubset("gender").execute();
        assertEquals(AdministrativeGender.MALE, elements.getGender());
        assertTrue(elements.getName().isEmpty());
        assertTrue(elements.getMeta().getTag().stream().anyMatch(tag -> "SUBSETTED".equals(tag.getCode())));
        Patient summary = client.read().resource(Patient.class).withId(id)
                .summaryMode(ca.uhn.fhir.rest.api.SummaryEnum.TRUE).execute();
        assertEquals("Zhao", summary.getNameFirstRep().getFamily());
        assertTrue(summary.getMaritalStatus().isEmpty(), "maritalStatus is not a summary element");

        Bundle found = client.search().forResource(Patient.class).where(Patient.IDENTIFIER.exactly().systemAndCode(system, "s1"))
                .elementsSubset("name").returnBundle(Bundle.class).execute();
        Patient entry = (Patient) found.getEntryFirstRep().getResource();
        assertEquals("Zhao", entry.getNameFirstRep().getFamily());
        assertTrue(entry.getGenderElement().isEmpty());
    }

    @Test
    void capabilitiesParse() {
        CapabilityStatement cs = client.capabilities().ofType(CapabilityStatement.class).execute();
        assertEquals("4.0.1", cs.getFhirVersion().toCode());
    }
}
