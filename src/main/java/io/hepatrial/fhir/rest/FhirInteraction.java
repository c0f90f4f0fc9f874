package io.hepatrial.fhir.rest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the endpoint method that implements a FHIR RESTful interaction, by its code in the R4
 * CapabilityStatement value sets (type-restful-interaction, system-restful-interaction). The
 * CapabilityStatement is built from these marks, so it lists exactly what is implemented.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface FhirInteraction {

    /** The interaction codes, e.g. {@code read}, {@code history-type}, {@code history-system}. */
    String[] value();
}
