package io.hepatrial.fhir.rest;

import java.util.Comparator;
import java.util.List;

import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.inject.Singleton;
import jakarta.ws.rs.Path;

/**
 * The JAX-RS resource classes under {@code /fhir}, whichever layer they belong to (the core's
 * endpoints, the study's operations): what the CapabilityStatement and the 405 Allow header are
 * read from, so neither needs a list kept by hand.
 */
@Singleton
public class FhirEndpoints {

    private final List<Class<?>> classes;

    public FhirEndpoints(BeanManager beans) {
        classes = beans.getBeans(Object.class, Any.Literal.INSTANCE).stream()
                .map(Bean::getBeanClass)
                .filter(type -> type.isAnnotationPresent(Path.class) && type.getAnnotation(Path.class).value().startsWith("/fhir"))
                .distinct()
                .sorted(Comparator.comparing(Class::getName))
                .toList();
    }

    public List<Class<?>> classes() {
        return classes;
    }
}
