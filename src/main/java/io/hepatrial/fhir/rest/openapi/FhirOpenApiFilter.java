package io.hepatrial.fhir.rest.openapi;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.PathItem.HttpMethod;
import org.eclipse.microprofile.openapi.models.Paths;
import org.eclipse.microprofile.openapi.models.examples.Example;
import org.eclipse.microprofile.openapi.models.headers.Header;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.media.Schema.SchemaType;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.parameters.RequestBody;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.rest.FhirEndpoints;
import io.hepatrial.fhir.rest.FhirInteraction;
import io.hepatrial.fhir.rest.FhirOperation;
import io.hepatrial.fhir.search.SearchParameterDefinition;
import io.hepatrial.fhir.search.SearchParameterRegistry;
import io.quarkus.arc.Unremovable;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import jakarta.inject.Singleton;

/**
 * Turns the scanned OpenAPI document of the {@code /fhir} endpoints into the API a reader meets:
 * every path with {@code {type}} becomes one path per supported resource type (tagged with the
 * type), each search lists that type's parameters from the {@link SearchParameterRegistry} search
 * itself uses, and bodies and responses get FHIR media types, schemas from HAPI's model and the
 * study's examples. It works on whatever the endpoint classes declare (JAX-RS paths, the
 * {@code @FhirInteraction} and {@code @FhirOperation} marks, MicroProfile OpenAPI annotations), so
 * an endpoint or operation added later is documented without touching this class.
 */
@Singleton
@Unremovable
@OpenApiFilter(stages = OpenApiFilter.RunStage.RUNTIME_STARTUP)
public class FhirOpenApiFilter implements OASFilter {

    static final String FHIR_JSON = "application/fhir+json";
    static final String FHIR_XML = "application/fhir+xml";
    static final String FORM = "application/x-www-form-urlencoded";
    static final String JSON_PATCH = "application/json-patch+json";
    /** The tag of what belongs to no resource type: transaction, system history, metadata, system operations. */
    static final String SYSTEM_TAG = "System";
    /** The extension that names a search parameter's FHIR type (token, date, reference, …). */
    static final String FHIR_TYPE_EXTENSION = "x-fhir-type";

    private static final Pattern PATH_PARAMETER = Pattern.compile("\\{(\\w+)}");
    private static final List<String> SINGLE_RESOURCE_HEADERS = List.of("ETag", "Last-Modified");

    private final SupportedResourceTypes types;
    private final SearchParameterRegistry searchParameters;
    private final FhirContext fhirContext;
    private final Map<String, Method> methods = new HashMap<>();
    private final int defaultCount;
    private final int maxCount;
    private final long defaultTotalLimit;

    public FhirOpenApiFilter(SupportedResourceTypes types, SearchParameterRegistry searchParameters, FhirEndpoints endpoints,
            FhirContext fhirContext, @ConfigProperty(name = "hepatrial.search.default-count") int defaultCount,
            @ConfigProperty(name = "hepatrial.search.max-count") int maxCount,
            @ConfigProperty(name = "hepatrial.search.default-total-limit") long defaultTotalLimit) {
        this.defaultTotalLimit = defaultTotalLimit;
        this.types = types;
        this.searchParameters = searchParameters;
        this.fhirContext = fhirContext;
        this.defaultCount = defaultCount;
        this.maxCount = maxCount;
        for (Class<?> endpoint : endpoints.classes()) {
            String base = endpoint.getAnnotation(jakarta.ws.rs.Path.class).value();
            for (Method method : endpoint.getDeclaredMethods()) {
                String verb = httpMethod(method);
                org.eclipse.microprofile.openapi.annotations.Operation documented =
                        method.getAnnotation(org.eclipse.microprofile.openapi.annotations.Operation.class);
                // a hidden method is another body type of a documented one (an operation's Parameters body)
                if (verb != null && (documented == null || !documented.hidden())) {
                    jakarta.ws.rs.Path path = method.getAnnotation(jakarta.ws.rs.Path.class);
                    methods.put(verb + " " + join(base, path == null ? "" : path.value()), method);
                }
            }
        }
    }

    static final String SECURITY_SCHEME = "bearer";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        new DocumentBuilder(openAPI).build();
    }

    /** One run over the document: keeps what it generates (shared parameters, schemas) in the document's components. */
    private final class DocumentBuilder {

        private final OpenAPI openAPI;
        private final Components components;
        private final OpenApiExamples examples = new OpenApiExamples(fhirContext);
        private final ResourceSchemas schemas = new ResourceSchemas(fhirContext);
        private final Set<String> operationIds = new java.util.HashSet<>();
        /** The scanned /fhir paths, as the endpoint annotations declare them. */
        private final Map<String, PathItem> scannedItems = new TreeMap<>();

        DocumentBuilder(OpenAPI openAPI) {
            this.openAPI = openAPI;
            if (openAPI.getComponents() == null) {
                openAPI.setComponents(OASFactory.createComponents());
            }
            this.components = openAPI.getComponents();
        }

        void build() {
            Paths scanned = openAPI.getPaths();
            // Sorted by path, then types in configuration order: the explorer lists operations in this order.
            Map<String, PathItem> generated = new TreeMap<>();
            scanned.getPathItems().forEach((path, item) -> {
                if (path.startsWith("/fhir")) {
                    scannedItems.put(path, item);
                }
            });
            for (Map.Entry<String, PathItem> entry : scannedItems.entrySet()) {
                String path = entry.getKey();
                scanned.removePathItem(path);
                for (Map.Entry<HttpMethod, Operation> operation : entry.getValue().getOperations().entrySet()) {
                    Method method = methods.get(operation.getKey() + " " + path);
                    if (path.contains("{type}")) {
                        for (String type : types.all()) {
                            if (writtenByTheServerOnly(type, path, operation.getKey())) {
                                continue;
                            }
                            add(generated, path.replace("{type}", type), operation.getKey(),
                                    operation(path, type, operation.getKey(), operation.getValue(), method));
                        }
                    } else {
                        String type = typeOf(path);
                        add(generated, path, operation.getKey(), operation(path, type, operation.getKey(), operation.getValue(), method));
                    }
                }
            }
            generated.forEach(scanned::addPathItem);
            openAPI.setTags(new ArrayList<>());
            for (String type : types.all()) {
                openAPI.addTag(OASFactory.createTag().name(type).description("FHIR R4 " + type + ": " + ResourceSchemas.specPage(type)));
            }
            openAPI.addTag(OASFactory.createTag().name(SYSTEM_TAG)
                    .description("The whole server: transaction and batch Bundles, history of everything, the CapabilityStatement, system operations"));
            openAPI.setServers(List.of(OASFactory.createServer().url("/")
                    .description("This server (the host this document was loaded from)")));
            examples.apiDescription().ifPresent(text -> {
                if (openAPI.getInfo() == null) {
                    openAPI.setInfo(OASFactory.createInfo());
                }
                openAPI.getInfo().setDescription(text);
            });
            addSchema(ResourceSchemas.ANY_RESOURCE);
            // docs/security.md: every /fhir request but the CapabilityStatement needs a bearer token (in production)
            components.addSecurityScheme(SECURITY_SCHEME, OASFactory.createSecurityScheme()
                    .type(org.eclipse.microprofile.openapi.models.security.SecurityScheme.Type.HTTP).scheme("bearer").bearerFormat("JWT")
                    .description("A JWT from the identity provider, with SMART scopes such as system/Observation.rs"
                            + " (docs/security.md); not needed when the service runs with hepatrial.security.enabled=false"));
            openAPI.setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme(SECURITY_SCHEME)));
            PathItem metadata = scanned.getPathItems().get("/fhir/metadata");
            if (metadata != null && metadata.getGET() != null) {
                metadata.getGET().setSecurity(List.of()); // public
            }
            // unused by the generated document: the scanner's schema of the form parameter map
            if (components.getSchemas() != null) {
                components.removeSchema("MultivaluedMapStringString");
            }
        }

        /** docs/security.md: AuditEvents are written by the server only, so their create, update, patch and delete are not offered. */
        private static boolean writtenByTheServerOnly(String type, String path, HttpMethod verb) {
            boolean write = verb == HttpMethod.PUT || verb == HttpMethod.PATCH || verb == HttpMethod.DELETE
                    || verb == HttpMethod.POST && !path.contains("$") && !path.endsWith("_search");
            return SupportedResourceTypes.writtenByTheServerOnly(type) && write;
        }

        private void add(Map<String, PathItem> paths, String path, HttpMethod method, Operation operation) {
            paths.computeIfAbsent(path, p -> OASFactory.createPathItem()).setOperation(method, operation);
        }

        /** The operation at a concrete path: for one type ({@code type} set) or the system ({@code type} null). */
        private Operation operation(String templatePath, String type, HttpMethod verb, Operation template, Method method) {
            Operation operation = OASFactory.createOperation()
                    .summary(template.getSummary())
                    .description(template.getDescription())
                    .operationId(operationId(type, method, template, verb, templatePath))
                    .tags(List.of(type == null ? SYSTEM_TAG : type));
            FhirInteraction interaction = method == null ? null : method.getAnnotation(FhirInteraction.class);
            FhirOperation fhirOperation = method == null ? null : method.getAnnotation(FhirOperation.class);
            if (interaction != null) {
                operation.externalDocs(OASFactory.createExternalDocumentation().description("FHIR R4 RESTful API")
                        .url(ResourceSchemas.SPEC + "http.html#" + interaction.value()[0].replace("-type", "").replace("-instance", "")
                                .replace("-system", "")));
            } else if (fhirOperation != null) {
                operation.externalDocs(OASFactory.createExternalDocumentation().description("OperationDefinition")
                        .url(fhirOperation.definition()));
            }
            for (Parameter parameter : pathParameters(templatePath, type)) {
                operation.addParameter(parameter);
            }
            for (Parameter parameter : queryParameters(type, template, method)) {
                operation.addParameter(parameter);
            }
            operation.addParameter(ref("_format")).addParameter(ref("_pretty"));
            APIResponses declared = template.getResponses();
            boolean resourceBody = false;
            if (template.getRequestBody() != null) {
                operation.setRequestBody(requestBody(templatePath, type, verb, template.getRequestBody()));
                Operation get = isForm(template.getRequestBody()) ? getOf(templatePath) : null;
                if (get != null) {
                    // a form-encoded POST is its GET with the parameters in the body: it answers alike
                    declared = get.getResponses();
                    String getPath = getPathOf(templatePath).replace("{type}", type == null ? "{type}" : type);
                    operation.description((operation.getDescription() == null ? "" : operation.getDescription() + "\n\n")
                            + "The same as `GET " + getPath + "`, with the parameters in the body: "
                            + (templatePath.contains("/$") ? "a Parameters resource, or form-encoded." : "form-encoded."));
                } else {
                    resourceBody = true;
                }
            }
            if (verb == HttpMethod.POST && templatePath.contains("/$") && !templatePath.endsWith("/$validate")) {
                // operations.html#request: a POSTed operation takes its parameters as a Parameters resource
                // (as HAPI's client sends them), a form, or in the query
                operation.setRequestBody(operationBody(templatePath, type, operation));
            }
            operation.setResponses(responses(templatePath, type, verb, declared, resourceBody));
            return operation;
        }

        private RequestBody operationBody(String templatePath, String type, Operation operation) {
            Schema form = formSchema(templatePath, type, operation.getParameters());
            Content content = resourceContent("Parameters", null);
            content.addMediaType(FORM, OASFactory.createMediaType().schema(form));
            return OASFactory.createRequestBody().required(false).content(content)
                    .description("The operation's parameters, if not in the query string: a Parameters resource (FHIR JSON or XML)"
                            + " whose parameters have primitive values (valueString, valueInteger…), or form-encoded");
        }

        private String operationId(String type, Method method, Operation template, HttpMethod verb, String path) {
            String name = method != null ? method.getName()
                    : template.getOperationId() != null ? template.getOperationId()
                    : verb.name().toLowerCase(java.util.Locale.ROOT) + path.replaceAll("[^A-Za-z0-9]+", "_");
            String id = type == null ? name : type + "_" + name;
            if (!operationIds.add(id) && method != null) {
                id = method.getDeclaringClass().getSimpleName() + "_" + id;
                operationIds.add(id);
            }
            return id;
        }

        // ---- parameters ----------------------------------------------------------------------------

        private List<Parameter> pathParameters(String templatePath, String type) {
            List<Parameter> parameters = new ArrayList<>();
            Matcher matcher = PATH_PARAMETER.matcher(templatePath);
            while (matcher.find()) {
                String name = matcher.group(1);
                if (name.equals("type")) {
                    continue;
                }
                Parameter parameter = OASFactory.createParameter().name(name).in(Parameter.In.PATH).required(true);
                if (name.equals("id")) {
                    parameter.description("Logical id of the " + (type == null ? "resource" : type)
                            + " (server-assigned on create; 1 to 64 of A-Z a-z 0-9 - .)")
                            .schema(OASFactory.createSchema().addType(SchemaType.STRING).pattern("^[A-Za-z0-9\\-.]{1,64}$"));
                } else if (name.equals("vid")) {
                    parameter.description("Version id (meta.versionId; the n of ETag W/\"n\"), 1 for the first version")
                            .schema(OASFactory.createSchema().addType(SchemaType.STRING)).example("1");
                } else {
                    parameter.schema(OASFactory.createSchema().addType(SchemaType.STRING));
                }
                parameters.add(parameter);
            }
            return parameters;
        }

        /**
         * The header and query parameters: those the endpoint declares (JAX-RS, {@code @Parameter}),
         * and for a search ({@code @FhirInteraction("search-type")}) the type's search and result parameters.
         */
        private List<Parameter> queryParameters(String type, Operation template, Method method) {
            List<Parameter> parameters = new ArrayList<>();
            if (template.getParameters() != null) {
                for (Parameter declared : template.getParameters()) {
                    if (declared.getIn() != Parameter.In.PATH) {
                        parameters.add(declared);
                    }
                }
            }
            if (type != null && isSearch(method)) {
                parameters.addAll(searchParameters(type));
            }
            return parameters;
        }

        private boolean isSearch(Method method) {
            FhirInteraction interaction = method == null ? null : method.getAnnotation(FhirInteraction.class);
            return interaction != null && List.of(interaction.value()).contains("search-type");
        }

        /** A type's search parameters from the registry, then the result parameters; shared through components. */
        private List<Parameter> searchParameters(String type) {
            List<Parameter> parameters = new ArrayList<>();
            for (SearchParameterDefinition definition : searchParameters.forType(type)) {
                String key = type + "-" + definition.name();
                if (components.getParameters() == null || !components.getParameters().containsKey(key)) {
                    components.addParameter(key, searchParameter(type, definition));
                }
                parameters.add(OASFactory.createParameter().ref(key));
            }
            for (String result : List.of("_count", "_sort", "_total", "_summary", "_elements")) {
                parameters.add(ref(result));
            }
            parameters.add(includeParameter(type, false));
            parameters.add(includeParameter(type, true));
            return parameters;
        }

        private Parameter searchParameter(String type, SearchParameterDefinition definition) {
            String kind = definition.kind().getCode();
            String description = "**" + kind + "** · " + (definition.description() == null ? definition.name() : definition.description().trim())
                    + "\n\n" + valueForms(definition.kind());
            Parameter parameter = OASFactory.createParameter().name(definition.name()).in(Parameter.In.QUERY)
                    .description(description)
                    .schema(OASFactory.createSchema().addType(SchemaType.STRING))
                    .addExtension(FHIR_TYPE_EXTENSION, kind);
            examples.searchValue(type, definition.name()).ifPresent(parameter::example);
            return parameter;
        }

        /** How values of a search parameter kind are written (docs/search.md has the full rules). */
        private String valueForms(RestSearchParameterTypeEnum kind) {
            switch (kind) {
                case TOKEN:
                    return "`[system]|[code]`, `[code]`, `|[code]` or `[system]|`; modifiers `:not`, `:text`, `:missing`.";
                case STRING:
                    return "Starts with, ignoring case and accents; modifiers `:exact`, `:contains`, `:missing`.";
                case DATE:
                    return "`2016`, `2016-03`, `2016-03-01` or a dateTime, with a prefix `eq ne lt gt le ge sa eb ap` (e.g. `ge2016-01-01`); "
                            + "repeat the parameter for a range.";
                case REFERENCE:
                    return "`[type]/[id]`, `[id]` or an absolute URL; modifier `:[type]`; chain with `.` (e.g. `subject.identifier=…`).";
                case QUANTITY:
                    return "`[prefix][value]|[system]|[code]`, e.g. `gt40|http://unitsofmeasure.org|U/L` (UCUM units are compared canonically).";
                case NUMBER:
                    return "`[prefix][value]`, e.g. `ge2`.";
                case URI:
                    return "The exact URI; modifiers `:below`, `:above`.";
                case COMPOSITE:
                    return "`[token]$[value]`, both from the same element, e.g. `http://loinc.org|1742-6$gt40`.";
                default:
                    return "";
            }
        }

        private Parameter includeParameter(String type, boolean reverse) {
            List<Object> values = new ArrayList<>();
            values.add("*");
            for (String source : reverse ? types.all() : List.of(type)) {
                for (SearchParameterDefinition definition : searchParameters.forType(source)) {
                    boolean pointsHere = definition.targets().isEmpty() || definition.targets().contains(type);
                    if (definition.kind() == RestSearchParameterTypeEnum.REFERENCE && (!reverse || pointsHere)) {
                        values.add(source + ":" + definition.name());
                    }
                }
            }
            String name = reverse ? "_revinclude" : "_include";
            String key = type + "-" + name;
            if (components.getParameters() == null || !components.getParameters().containsKey(key)) {
                components.addParameter(key, OASFactory.createParameter().name(name).in(Parameter.In.QUERY)
                        .description(reverse ? "Also return the resources that point at the matches through this reference parameter"
                                : "Also return the resources the matches point at through this reference parameter ("
                                        + "`:iterate` for their references in turn)")
                        .schema(OASFactory.createSchema().addType(SchemaType.STRING).enumeration(values)));
            }
            return OASFactory.createParameter().ref(key);
        }

        /** A parameter every FHIR interaction or search shares, kept once in components. */
        private Parameter ref(String name) {
            if (components.getParameters() == null || !components.getParameters().containsKey(name)) {
                components.addParameter(name, commonParameter(name));
            }
            return OASFactory.createParameter().ref(name);
        }

        private Parameter commonParameter(String name) {
            Parameter parameter = OASFactory.createParameter().name(name).in(Parameter.In.QUERY);
            switch (name) {
                case "_format":
                    return parameter.description("Response format; wins over the Accept header")
                            .schema(OASFactory.createSchema().addType(SchemaType.STRING)
                                    .enumeration(List.of("json", "xml", FHIR_JSON, FHIR_XML)));
                case "_pretty":
                    return parameter.description("Indent the response").schema(OASFactory.createSchema().addType(SchemaType.BOOLEAN));
                case "_count":
                    return parameter.description("Matches per page (default " + defaultCount + ", at most " + maxCount
                            + "); the Bundle's `next` link gives the following page")
                            .schema(OASFactory.createSchema().addType(SchemaType.INTEGER).minimum(java.math.BigDecimal.ZERO)
                                    .maximum(java.math.BigDecimal.valueOf(maxCount)));
                case "_sort":
                    return parameter.description("Comma-separated search parameter names to sort by; `-` in front for descending, e.g. `-date`")
                            .schema(OASFactory.createSchema().addType(SchemaType.STRING));
                case "_total":
                    return parameter.description("Whether to count all matches into Bundle.total (`accurate`, `estimate`: always; `none`: "
                            + "never); without it the first page carries the total when there are at most " + defaultTotalLimit + " matches")
                            .schema(OASFactory.createSchema().addType(SchemaType.STRING).enumeration(List.of("none", "estimate", "accurate")));
                case "_summary":
                    return parameter.description("Return only a summary of each match, or (`count`) only the number of matches")
                            .schema(OASFactory.createSchema().addType(SchemaType.STRING)
                                    .enumeration(List.of("true", "text", "data", "count", "false")));
                case "_elements":
                    return parameter.description("Comma-separated element names to return (plus id and meta), e.g. `code,valueQuantity`")
                            .schema(OASFactory.createSchema().addType(SchemaType.STRING));
                default:
                    return parameter.schema(OASFactory.createSchema().addType(SchemaType.STRING));
            }
        }

        // ---- bodies ------------------------------------------------------------------------------

        private RequestBody requestBody(String templatePath, String type, HttpMethod verb, RequestBody template) {
            RequestBody body = OASFactory.createRequestBody().required(true).description(template.getDescription());
            if (isForm(template)) {
                return body.content(OASFactory.createContent().addMediaType(FORM,
                        OASFactory.createMediaType().schema(formSchema(templatePath, type))));
            }
            if (verb == HttpMethod.PATCH) {
                return body.content(patchContent(type));
            }
            String bodyType = templatePath.equals("/fhir") ? "Bundle" : type == null ? ResourceSchemas.ANY_RESOURCE : type;
            String key = bodyType.equals("Bundle") ? "Bundle-transaction" : bodyType;
            if (components.getRequestBodies() == null || !components.getRequestBodies().containsKey(key)) {
                Optional<? extends Resource> example = bodyType.equals("Bundle") ? examples.transaction() : examples.resource(bodyType);
                components.addRequestBody(key, body.description(bodyType.equals("Bundle")
                        ? "A transaction or batch Bundle: each entry a resource and the request to apply to it"
                        : "The " + bodyType + " in FHIR JSON or XML")
                        .content(resourceContent(bodyType, example.map(e -> new NamedExample(key, e, null)).orElse(null))));
            }
            return OASFactory.createRequestBody().ref(key);
        }

        private boolean isForm(RequestBody body) {
            return body.getContent() != null && body.getContent().hasMediaType(FORM);
        }

        /** The path whose GET a form-encoded POST stands for: the same path, or for {@code _search} the type's. */
        private String getPathOf(String templatePath) {
            return templatePath.endsWith("/_search") ? templatePath.substring(0, templatePath.length() - "/_search".length()) : templatePath;
        }

        private Operation getOf(String templatePath) {
            PathItem item = scannedItems.get(getPathOf(templatePath));
            return item == null ? null : item.getGET();
        }

        /**
         * A form-encoded body takes what the GET at the same path takes in the query string (for
         * {@code _search}, the search at the type's path).
         */
        private Schema formSchema(String templatePath, String type) {
            return formSchema(templatePath, type, null);
        }

        /** @param own the parameters of an operation that has no GET (such as $reindex), else null */
        private Schema formSchema(String templatePath, String type, List<Parameter> own) {
            String getPath = getPathOf(templatePath);
            Method get = methods.get(HttpMethod.GET + " " + getPath);
            Operation getOperation = getOf(templatePath);
            boolean fromGet = getOperation != null || own == null;
            Schema schema = OASFactory.createSchema().addType(SchemaType.OBJECT)
                    .description((fromGet ? "The same parameters as GET " + getPath.replace("{type}", type == null ? "{type}" : type)
                            : "The same parameters as in the query string") + ", form-encoded; parameters in the query string are added to them");
            List<Parameter> declared = new ArrayList<>();
            if (getOperation != null && getOperation.getParameters() != null) {
                declared.addAll(getOperation.getParameters());
            } else if (own != null) {
                declared.addAll(own);
            }
            if (type != null && isSearch(get)) {
                declared.addAll(searchParameters(type));
            }
            for (Parameter parameter : declared) {
                Parameter resolved = resolve(parameter);
                if (resolved.getIn() == Parameter.In.QUERY) {
                    String text = resolved.getDescription() == null ? null : resolved.getDescription().split("\n")[0];
                    Schema property = OASFactory.createSchema().addType(SchemaType.STRING).description(text);
                    if (resolved.getSchema() != null && resolved.getSchema().getEnumeration() != null) {
                        property.enumeration(resolved.getSchema().getEnumeration());
                    }
                    schema.addProperty(resolved.getName(), property);
                }
            }
            return schema;
        }

        private Parameter resolve(Parameter parameter) {
            if (parameter.getRef() == null) {
                return parameter;
            }
            String key = parameter.getRef().substring(parameter.getRef().lastIndexOf('/') + 1);
            return components.getParameters().get(key);
        }

        private Content patchContent(String type) {
            Schema operation = OASFactory.createSchema().addType(SchemaType.OBJECT)
                    .addProperty("op", OASFactory.createSchema().addType(SchemaType.STRING)
                            .enumeration(List.of("add", "remove", "replace", "move", "copy", "test")))
                    .addProperty("path", OASFactory.createSchema().addType(SchemaType.STRING))
                    .addProperty("from", OASFactory.createSchema().addType(SchemaType.STRING))
                    .addProperty("value", OASFactory.createSchema())
                    .required(List.of("op", "path"));
            MediaType jsonPatch = OASFactory.createMediaType().schema(OASFactory.createSchema().addType(SchemaType.ARRAY).items(operation)
                    .description("A JSON Patch (RFC 6902) on the resource's JSON"));
            examples.jsonFile(type + "-json-patch.json").ifPresent(value -> jsonPatch.addExample("patch",
                    shared(type + "-json-patch", () -> OASFactory.createExample().summary("JSON Patch").value(value))));
            Content content = OASFactory.createContent().addMediaType(JSON_PATCH, jsonPatch);
            Optional<Resource> fhirPathPatch = examples.fhirPathPatch(type);
            Content parameters = resourceContent("Parameters",
                    fhirPathPatch.map(e -> new NamedExample(type + "-fhirpath-patch", e, "FHIRPath Patch")).orElse(null));
            parameters.getMediaTypes().forEach(content::addMediaType);
            return content;
        }

        // ---- responses ---------------------------------------------------------------------------

        private APIResponses responses(String templatePath, String type, HttpMethod verb, APIResponses template, boolean hasBody) {
            APIResponses responses = OASFactory.createAPIResponses();
            Map<String, APIResponse> declared = template == null || template.getAPIResponses() == null ? Map.of()
                    : new TreeMap<>(template.getAPIResponses());
            for (Map.Entry<String, APIResponse> entry : declared.entrySet()) {
                String status = entry.getKey();
                APIResponse source = entry.getValue();
                int code = status.matches("\\d{3}") ? Integer.parseInt(status) : 200;
                if (code >= 400) {
                    responses.addAPIResponse(status, errorResponse(status, source.getDescription(), hasBody));
                    continue;
                }
                APIResponse response = OASFactory.createAPIResponse().description(describe(status, source.getDescription(), type));
                if (code != 204 && code != 304) {
                    String resultType = resultType(templatePath, type, verb, source);
                    response.content(resourceContent(resultType, resultExample(templatePath, verb, resultType, type).orElse(null)));
                    if (type != null && resultType.equals(type)) {
                        for (String header : SINGLE_RESOURCE_HEADERS) {
                            response.addHeader(header, sharedHeader(header));
                        }
                        if (verb != HttpMethod.GET) {
                            response.addHeader("Location", sharedHeader("Location"));
                        }
                    }
                }
                responses.addAPIResponse(status, response);
            }
            return responses;
        }

        /** The descriptions may name the type as {type}. */
        private String describe(String status, String description, String type) {
            String text = description == null || description.isBlank() ? status : description;
            return type == null ? text : text.replace("{type}", type);
        }

        /**
         * What a successful answer holds: an explicit schema the endpoint declares wins; otherwise it
         * follows from the interaction (a Bundle for search, history and transaction, the
         * CapabilityStatement for metadata, an OperationOutcome for delete, the resource itself for
         * the instance and create interactions).
         */
        private String resultType(String templatePath, String type, HttpMethod verb, APIResponse declared) {
            Optional<String> explicit = declaredSchema(declared);
            if (explicit.isPresent()) {
                return explicit.get();
            }
            String last = templatePath.substring(templatePath.lastIndexOf('/') + 1);
            if (verb == HttpMethod.DELETE) {
                return "OperationOutcome";
            }
            if (last.equals("metadata")) {
                return "CapabilityStatement";
            }
            if (last.equals("_history") || last.equals("_search") || templatePath.equals("/fhir")
                    || verb == HttpMethod.GET && last.equals("{type}")) {
                return "Bundle";
            }
            if (last.startsWith("$") || type == null) {
                return ResourceSchemas.ANY_RESOURCE;
            }
            return type;
        }

        private Optional<String> declaredSchema(APIResponse declared) {
            if (declared.getContent() == null || declared.getContent().getMediaTypes() == null) {
                return Optional.empty();
            }
            return declared.getContent().getMediaTypes().values().stream()
                    .map(MediaType::getSchema)
                    .filter(schema -> schema != null && schema.getRef() != null)
                    .map(schema -> schema.getRef().substring(schema.getRef().lastIndexOf('/') + 1))
                    .findFirst();
        }

        private Optional<NamedExample> resultExample(String templatePath, HttpMethod verb, String resultType, String type) {
            Optional<Resource> resource = type == null ? Optional.empty() : examples.resource(type);
            String last = templatePath.substring(templatePath.lastIndexOf('/') + 1);
            if (resultType.equals("Bundle")) {
                if (templatePath.equals("/fhir")) {
                    return examples.transactionResponse().map(e -> new NamedExample("Bundle-transaction-response", e, null));
                }
                if (last.equals("_history")) {
                    return resource.map(e -> new NamedExample(type + "-history", examples.history(e), null));
                }
                if (last.startsWith("$")) {
                    return Optional.empty();
                }
                return resource.map(e -> new NamedExample(type + "-searchset", examples.searchset(e), null));
            }
            if (type != null && resultType.equals(type)) {
                return resource.map(e -> new NamedExample(type + "-stored", examples.stored(e), null));
            }
            return Optional.empty();
        }

        /**
         * An error answer: an OperationOutcome. Kept once in the components per status and
         * description (the same errors recur for every type), so "{type}" reads "resource" there.
         */
        private APIResponse errorResponse(String status, String declaredDescription, boolean hasBody) {
            String description = describe(status, declaredDescription, null).replace("{type}", "resource");
            String exampleKey = status.equals("400") && !hasBody ? "400-query" : status;
            String slug = description.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
            String key = "Error-" + status + "-" + (slug.length() > 48 ? slug.substring(0, 48).replaceAll("-$", "") : slug);
            APIResponse existing = components.getResponses() == null ? null : components.getResponses().get(key);
            if (existing != null && !existing.getDescription().equals(description)) {
                key = key + "-" + Integer.toHexString(description.hashCode());
            }
            if (components.getResponses() == null || !components.getResponses().containsKey(key)) {
                NamedExample example = examples.operationOutcome(exampleKey).map(e -> new NamedExample("OperationOutcome-" + exampleKey, e, null))
                        .orElseGet(() -> new NamedExample(null, OpenApiExamples.outcome(issueCode(status), description), null));
                components.addResponse(key, OASFactory.createAPIResponse().description(description)
                        .content(resourceContent("OperationOutcome", example)));
            }
            return OASFactory.createAPIResponse().ref(key);
        }

        private String issueCode(String status) {
            switch (status) {
                case "404":
                    return "not-found";
                case "405":
                case "406":
                case "415":
                    return "not-supported";
                case "409":
                    return "duplicate";
                case "410":
                    return "deleted";
                case "412":
                    return "conflict";
                case "413":
                    return "too-long";
                case "422":
                    return "processing";
                case "500":
                    return "exception";
                default:
                    return "invalid";
            }
        }

        private Header sharedHeader(String name) {
            if (components.getHeaders() == null || !components.getHeaders().containsKey(name)) {
                components.addHeader(name, header(name));
            }
            return OASFactory.createHeader().ref(name);
        }

        private Header header(String name) {
            String description;
            switch (name) {
                case "ETag":
                    description = "The version, W/\"n\": send it back in If-Match to update only that version";
                    break;
                case "Last-Modified":
                    description = "When this version was written (meta.lastUpdated)";
                    break;
                default:
                    description = "[base]/[type]/[id]/_history/[n] of the version written";
                    break;
            }
            return OASFactory.createHeader().description(description).schema(OASFactory.createSchema().addType(SchemaType.STRING));
        }

        // ---- media types, schemas, examples ---------------------------------------------------------

        /**
         * FHIR JSON and FHIR XML of one resource type, with the example in both: kept once in the
         * document's components when it has a key (it recurs for every type and interaction), inline otherwise.
         */
        private Content resourceContent(String resourceType, NamedExample example) {
            addSchema(resourceType);
            Schema schema = OASFactory.createSchema().ref(ResourceSchemas.ref(resourceType));
            MediaType json = OASFactory.createMediaType().schema(schema);
            MediaType xml = OASFactory.createMediaType().schema(schema);
            if (example != null) {
                Resource resource = example.resource();
                String name = resource.fhirType().toLowerCase(java.util.Locale.ROOT);
                String text = example.summary() == null ? exampleSummary(resource) : example.summary();
                Supplier<Example> jsonExample = () -> OASFactory.createExample().summary(text).value(examples.jsonValue(resource));
                Supplier<Example> xmlExample = () -> OASFactory.createExample().summary(text).value(examples.xml(resource));
                json.addExample(name, example.key() == null ? jsonExample.get() : shared(example.key(), jsonExample));
                xml.addExample(name, example.key() == null ? xmlExample.get() : shared(example.key() + "-xml", xmlExample));
            }
            return OASFactory.createContent().addMediaType(FHIR_JSON, json).addMediaType(FHIR_XML, xml);
        }

        /** A reference to the example kept under this key in the components, made the first time it is asked for. */
        private Example shared(String key, Supplier<Example> example) {
            if (components.getExamples() == null || !components.getExamples().containsKey(key)) {
                components.addExample(key, example.get());
            }
            return OASFactory.createExample().ref(key);
        }

        private String exampleSummary(Resource example) {
            if (example instanceof org.hl7.fhir.r4.model.Bundle bundle) {
                return "A " + bundle.getType().toCode() + " Bundle (" + bundle.getEntry().size() + " entries)";
            }
            if (example instanceof org.hl7.fhir.r4.model.OperationOutcome outcome && !outcome.getIssue().isEmpty()) {
                return outcome.getIssueFirstRep().getCode().toCode();
            }
            return ("AEIOU".indexOf(example.fhirType().charAt(0)) >= 0 ? "An " : "A ") + example.fhirType() + " of the study";
        }

        private void addSchema(String resourceType) {
            if (components.getSchemas() != null && components.getSchemas().containsKey(resourceType)) {
                return;
            }
            components.addSchema(resourceType, resourceType.equals(ResourceSchemas.ANY_RESOURCE) ? schemas.anyResource()
                    : schemas.resource(resourceType));
        }
    }

    /** An example and the key it is kept under in the components (null: used once, kept inline). */
    private record NamedExample(String key, Resource resource, String summary) {
    }

    // ---- the endpoint methods -----------------------------------------------------------------------

    /** The resource type a literal path is about ({@code /fhir/Patient/{id}/$everything}), or null for the system. */
    private String typeOf(String path) {
        String[] segments = path.split("/");
        return segments.length > 2 && types.isSupported(segments[2]) ? segments[2] : null;
    }

    private static String httpMethod(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            jakarta.ws.rs.HttpMethod verb = annotation.annotationType().getAnnotation(jakarta.ws.rs.HttpMethod.class);
            if (verb != null) {
                return verb.value();
            }
        }
        return null;
    }

    private static String join(String base, String path) {
        String joined = ("/" + base + "/" + path).replaceAll("/+", "/");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }
}
