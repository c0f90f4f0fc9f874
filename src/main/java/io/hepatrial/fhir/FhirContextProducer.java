package io.hepatrial.fhir;

import ca.uhn.fhir.context.FhirContext;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

/** One FhirContext for the whole application: building one costs about a second. */
public class FhirContextProducer {

    @Produces
    @Singleton
    FhirContext fhirContext() {
        return FhirContext.forR4Cached();
    }
}
