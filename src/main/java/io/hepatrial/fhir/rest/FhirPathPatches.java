package io.hepatrial.fhir.rest;

import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.instance.model.api.IBase;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.fhirpath.IFhirPath;
import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.FhirPathText;
import jakarta.inject.Singleton;

/**
 * FHIRPath Patch (fhirpatch.html): a Parameters resource of operations (add, insert, delete,
 * replace, move), each locating elements with a FHIRPath expression, applied to the resource with
 * HAPI's FHIRPath engine and the model's generic child access.
 */
@Singleton
public class FhirPathPatches {

    private final FhirContext fhirContext;

    public FhirPathPatches(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    /** Applies the operations in order to the resource (changed in place); 400 malformed, 422 cannot apply. */
    public void apply(Resource resource, Parameters patch) {
        IFhirPath fhirPath = fhirContext.newFhirPath();
        int index = 0;
        for (ParametersParameterComponent operation : patch.getParameter()) {
            if (!"operation".equals(operation.getName())) {
                throw FhirException.badRequest("A FHIRPath Patch holds only parameters named 'operation', not '" + operation.getName() + "'");
            }
            try {
                applyOne(fhirPath, resource, operation);
            } catch (FhirException e) {
                throw new FhirException(e.status(), e.issueType(), "Patch operation " + index + ": " + e.getMessage());
            } catch (RuntimeException e) {
                throw new FhirException(422, IssueType.PROCESSING, "Patch operation " + index + " cannot be applied: " + e.getMessage());
            }
            index++;
        }
    }

    private void applyOne(IFhirPath fhirPath, Resource resource, ParametersParameterComponent operation) {
        String type = part(operation, "type").map(p -> p.getValue().primitiveValue()).orElseThrow(() -> malformed("no type"));
        String path = part(operation, "path").map(p -> p.getValue().primitiveValue()).orElseThrow(() -> malformed("no path"));
        switch (type) {
            case "add" -> {
                String name = part(operation, "name").map(p -> p.getValue().primitiveValue()).orElseThrow(() -> malformed("add needs a name"));
                Base container = single(fhirPath, resource, path);
                Value value = value(operation, container, name);
                if (!value.attached()) {
                    container.setProperty(name, value.base());
                }
            }
            case "delete" -> {
                List<Base> targets = evaluate(fhirPath, resource, path);
                if (targets.size() > 1) {
                    throw unprocessable("delete path " + path + " matches " + targets.size() + " elements; it must match at most one");
                }
                if (!targets.isEmpty()) {
                    Location location = locate(fhirPath, resource, path, targets.get(0));
                    location.container().removeChild(location.name(), targets.get(0));
                }
            }
            case "replace" -> {
                Base target = single(fhirPath, resource, path);
                Location location = locate(fhirPath, resource, path, target);
                List<Base> list = children(location);
                list.set(indexOf(list, target), value(operation, location.container(), location.name()).base());
                rebuild(location, list);
            }
            case "insert" -> {
                Location location = locate(fhirPath, resource, path, null);
                int at = integer(operation, "index");
                List<Base> list = children(location);
                if (at < 0 || at > list.size()) {
                    throw unprocessable("index " + at + " is outside the list " + path + " of " + list.size());
                }
                list.add(at, value(operation, location.container(), location.name()).base());
                rebuild(location, list);
            }
            case "move" -> {
                Location location = locate(fhirPath, resource, path, null);
                int source = integer(operation, "source");
                int destination = integer(operation, "destination");
                List<Base> list = children(location);
                if (source < 0 || source >= list.size() || destination < 0 || destination >= list.size()) {
                    throw unprocessable("source or destination is outside the list " + path + " of " + list.size());
                }
                list.add(destination, list.remove(source));
                rebuild(location, list);
            }
            default -> throw malformed("unknown operation type " + type);
        }
    }

    /** Where an element lives: its container and the name of the container's child it is. */
    private record Location(Base container, String name) {
    }

    /**
     * The container and child name of a path such as {@code Patient.identifier.where(system='x')}:
     * the last plain name ("identifier") and what precedes it ("Patient").
     */
    private Location locate(IFhirPath fhirPath, Resource resource, String path, Base target) {
        List<String> segments = segments(path);
        int nameAt = -1;
        for (int i = segments.size() - 1; i > 0; i--) {
            if (segments.get(i).matches("[A-Za-z][A-Za-z0-9_]*(\\[\\d+])?")) {
                nameAt = i;
                break;
            }
        }
        if (nameAt < 0) {
            throw unprocessable("cannot tell which element " + path + " names");
        }
        String name = segments.get(nameAt).replaceAll("\\[\\d+]$", "");
        String containerPath = String.join(".", segments.subList(0, nameAt));
        for (Base container : evaluate(fhirPath, resource, containerPath)) {
            if (target == null || indexOf(container.listChildrenByName(name), target) >= 0) {
                return new Location(container, name);
            }
        }
        throw unprocessable("no element " + containerPath + " holds " + path);
    }

    private static List<Base> children(Location location) {
        return new ArrayList<>(location.container().listChildrenByName(location.name()));
    }

    /** Replaces all children of that name by the list, in order (setProperty appends to lists). */
    private static void rebuild(Location location, List<Base> list) {
        for (Base child : children(location)) {
            location.container().removeChild(location.name(), child);
        }
        for (Base child : list) {
            location.container().setProperty(location.name(), child);
        }
    }

    private static int indexOf(List<Base> list, Base element) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == element) {
                return i;
            }
        }
        return -1;
    }

    /** A value to put in place; attached means the model already holds it as a child of the container. */
    private record Value(Base base, boolean attached) {
    }

    /**
     * The operation's value: value[x], or a complex value given as parts (one level), which is made
     * as a new child of the container (the model knows its type, also for backbone elements).
     */
    private static Value value(ParametersParameterComponent operation, Base container, String name) {
        ParametersParameterComponent value = part(operation, "value").orElseThrow(() -> malformed("no value"));
        if (value.hasValue()) {
            return new Value(value.getValue(), false);
        }
        if (value.hasResource()) {
            return new Value(value.getResource(), false);
        }
        if (!value.hasPart()) {
            throw malformed("the value has neither value[x] nor parts");
        }
        Base made = container.makeProperty(name.hashCode(), name);
        for (ParametersParameterComponent field : value.getPart()) {
            made.setProperty(field.getName(), field.hasValue() ? field.getValue() : field.getResource());
        }
        return new Value(made, true);
    }

    private static int integer(ParametersParameterComponent operation, String name) {
        return part(operation, name).filter(p -> p.getValue() instanceof IntegerType)
                .map(p -> ((IntegerType) p.getValue()).getValue()).orElseThrow(() -> malformed("no integer " + name));
    }

    private static java.util.Optional<ParametersParameterComponent> part(ParametersParameterComponent operation, String name) {
        return operation.getPart().stream().filter(p -> name.equals(p.getName())).findFirst();
    }

    private static Base single(IFhirPath fhirPath, Resource resource, String path) {
        List<Base> found = evaluate(fhirPath, resource, path);
        if (found.size() != 1) {
            throw unprocessable("path " + path + " matches " + found.size() + " elements; it must match exactly one");
        }
        return found.get(0);
    }

    private static List<Base> evaluate(IFhirPath fhirPath, Resource resource, String path) {
        List<Base> result = new ArrayList<>();
        try {
            for (IBase element : fhirPath.evaluate(resource, path, IBase.class)) {
                result.add((Base) element);
            }
        } catch (RuntimeException e) {
            throw malformed("the path " + path + " is not a FHIRPath expression this server can evaluate: " + e.getMessage());
        }
        return result;
    }

    private static List<String> segments(String path) {
        return FhirPathText.splitTopLevel(path, '.');
    }

    private static FhirException malformed(String why) {
        return FhirException.badRequest("Malformed FHIRPath Patch: " + why);
    }

    private static FhirException unprocessable(String why) {
        return new FhirException(422, IssueType.PROCESSING, why);
    }
}
