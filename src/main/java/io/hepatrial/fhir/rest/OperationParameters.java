package io.hepatrial.fhir.rest;

import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.PrimitiveType;

import io.hepatrial.fhir.FhirException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.MultivaluedHashMap;
import jakarta.ws.rs.core.MultivaluedMap;

/**
 * The parameters of an operation invoked the spec's first way, POST with a {@code Parameters} body
 * (operations.html#request), as the same name-to-values map a GET's query or a form gives, merged with
 * the query's. HAPI's generic client invokes every operation so. The operations that take this
 * ($everything, $outcomes, $reindex) have primitive parameters only: a parameter with a resource, parts
 * or a complex value is refused with 400, not ignored.
 */
@ApplicationScoped
public class OperationParameters {

    private final ResourceCodec codec;

    public OperationParameters(ResourceCodec codec) {
        this.codec = codec;
    }

    public MultivaluedMap<String, String> queryAnd(FhirRequest request, String body, String operation) {
        Parameters parameters = (Parameters) codec.parse(body, request.bodyFormat(), "Parameters");
        MultivaluedMap<String, String> values = new MultivaluedHashMap<>();
        for (ParametersParameterComponent parameter : parameters.getParameter()) {
            if (!parameter.hasName()) {
                throw FhirException.badRequest(operation + ": every parameter of the Parameters body needs a name");
            }
            if (!(parameter.getValue() instanceof PrimitiveType<?> primitive) || !primitive.hasValue()
                    || parameter.hasResource() || parameter.hasPart()) {
                throw FhirException.badRequest(operation + ": the parameter '" + parameter.getName()
                        + "' must have a primitive value (valueString, valueInteger, valueInstant, …)");
            }
            values.add(parameter.getName(), primitive.getValueAsString());
        }
        return request.queryAndForm(values);
    }
}
