package io.hepatrial.fhir.rest;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the endpoint method that implements a FHIR operation, so the CapabilityStatement lists
 * exactly the operations there are (on a resource type, or at system level when {@link #type} is empty).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface FhirOperation {

    /** The operation's name without '$', e.g. {@code everything}. */
    String name();

    /** The canonical URL of its OperationDefinition. */
    String definition();

    /** The resource type it is defined on; empty for a system-level operation, {@value #EVERY_TYPE} for every type. */
    String type() default "";

    /** The {@link #type} of an operation defined on every supported resource type (e.g. $validate). */
    String EVERY_TYPE = "*";
}
