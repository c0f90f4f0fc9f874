package io.hepatrial.fhir.rest.openapi;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.media.Schema.SchemaType;

import ca.uhn.fhir.context.BaseRuntimeChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeDeclaredChildDefinition;
import ca.uhn.fhir.context.BaseRuntimeElementDefinition;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;

/**
 * JSON schemas of FHIR R4 resources for the OpenAPI document, read from HAPI's R4 model: one level
 * deep (each element with its FHIR datatype, cardinality and short definition), which is what a
 * reader of the API explorer needs; the datatypes themselves are linked to the specification
 * rather than expanded, which would multiply the document's size for no reader's gain.
 */
final class ResourceSchemas {

    static final String SPEC = "https://hl7.org/fhir/R4/";
    /** The schema every resource schema builds on, and the one for "any resource". */
    static final String ANY_RESOURCE = "Resource";

    private static final Set<String> EXTENSIONS = Set.of("extension", "modifierExtension");
    private static final Set<String> INTEGER_TYPES = Set.of("integer", "positiveInt", "unsignedInt");
    private static final Map<String, SchemaType> JSON_TYPES = Map.of("boolean", SchemaType.BOOLEAN, "decimal", SchemaType.NUMBER);

    private final FhirContext fhirContext;

    ResourceSchemas(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    static String ref(String resourceType) {
        return "#/components/schemas/" + resourceType;
    }

    static String specPage(String resourceType) {
        return SPEC + resourceType.toLowerCase(Locale.ROOT) + ".html";
    }

    /** The schema of any resource: what every FHIR resource in JSON has. */
    Schema anyResource() {
        return OASFactory.createSchema().addType(SchemaType.OBJECT)
                .description("Any FHIR R4 resource in JSON (" + SPEC + "json.html); `resourceType` names its type.")
                .addProperty("resourceType", OASFactory.createSchema().addType(SchemaType.STRING))
                .addProperty("id", OASFactory.createSchema().addType(SchemaType.STRING).description("Logical id, assigned by the server on create"))
                .addProperty("meta", OASFactory.createSchema().addType(SchemaType.OBJECT)
                        .description("versionId and lastUpdated, set by the server"))
                .required(List.of("resourceType"));
    }

    /** The schema of one resource type: its elements, one level deep, from HAPI's model. */
    Schema resource(String type) {
        RuntimeResourceDefinition definition = fhirContext.getResourceDefinition(type);
        Schema schema = OASFactory.createSchema().addType(SchemaType.OBJECT)
                .description("FHIR R4 " + type + " (" + specPage(type) + "). Elements are listed one level deep; "
                        + "datatypes link to " + SPEC + "datatypes.html.")
                .required(List.of("resourceType"))
                .addProperty("resourceType", OASFactory.createSchema().addType(SchemaType.STRING).constValue(type));
        for (BaseRuntimeChildDefinition child : definition.getChildren()) {
            String shortDefinition = child instanceof BaseRuntimeDeclaredChildDefinition declared ? declared.getShortDefinition() : null;
            if (EXTENSIONS.contains(child.getElementName())) {
                // HAPI models extensions apart from the declared elements: one array of Extension each
                schema.addProperty(child.getElementName(), OASFactory.createSchema().addType(SchemaType.ARRAY)
                        .items(OASFactory.createSchema().addType(SchemaType.OBJECT).description("(Extension)"))
                        .description("Additional content defined by implementations (Extension)"));
                continue;
            }
            for (String name : new java.util.TreeSet<>(child.getValidChildNames())) {
                BaseRuntimeElementDefinition<?> element = child.getChildByName(name);
                if (element == null || name.equals("contained") && child.getMax() == 0) {
                    continue;
                }
                Schema property = element(element, shortDefinition);
                schema.addProperty(name, child.getMax() == 1 ? property
                        : OASFactory.createSchema().addType(SchemaType.ARRAY).items(property).description(property.getDescription()));
            }
        }
        return schema;
    }

    private static Schema element(BaseRuntimeElementDefinition<?> element, String shortDefinition) {
        String datatype = element.getName();
        String text = (shortDefinition == null || shortDefinition.isBlank() ? "" : shortDefinition + " ") + "(" + datatype + ")";
        switch (element.getChildType()) {
            case PRIMITIVE_DATATYPE:
            case ID_DATATYPE:
            case PRIMITIVE_XHTML:
            case PRIMITIVE_XHTML_HL7ORG:
                SchemaType json = INTEGER_TYPES.contains(datatype) ? SchemaType.INTEGER : JSON_TYPES.getOrDefault(datatype, SchemaType.STRING);
                return OASFactory.createSchema().addType(json).description(text);
            case RESOURCE:
            case CONTAINED_RESOURCES:
            case CONTAINED_RESOURCE_LIST:
                return OASFactory.createSchema().ref(ref(ANY_RESOURCE));
            default:
                return OASFactory.createSchema().addType(SchemaType.OBJECT).description(text);
        }
    }
}
