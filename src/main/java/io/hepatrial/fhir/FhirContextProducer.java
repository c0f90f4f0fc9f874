package io.hepatrial.fhir;

import ca.uhn.fhir.context.FhirContext;
import jakarta.inject.Singleton;
import jakarta.enterprise.inject.Produces;

/** One FhirContext for the whole application: building one costs about a second. */
public class FhirContextProducer {

    @Produces
    @Singleton
    FhirContext fhirContext() {
        FhirContext context = FhirContext.forR4Cached();
        // The encoder would otherwise walk every resource it writes looking for referenced resource
        // objects without an id to put into "contained" (a quarter of its time). This server never
        // attaches such objects: its references are strings, and parsed contained resources have ids.
        context.getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
        // HAPI drops "/_history/n" from references it encodes by default: a client's version-specific
        // reference (Reference.reference may be one) is kept as sent.
        context.getParserOptions().setStripVersionsFromReferences(false);
        return context;
    }
}
