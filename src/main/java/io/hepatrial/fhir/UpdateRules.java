package io.hepatrial.fhir;

import org.hl7.fhir.r4.model.Resource;

/** The rules of http.html#update about the id in the body, shared by PUT and transaction entries. */
public final class UpdateRules {

    private UpdateRules() {
    }

    /** The body must carry the id of the URL (400 if it has none or another one). */
    public static void requireBodyId(String type, String id, Resource resource) {
        String bodyId = resource.hasIdElement() ? resource.getIdElement().getIdPart() : null;
        if (bodyId == null) {
            throw FhirException.badRequest("The " + type + " in the body has no id; an update of " + type + "/" + id
                    + " must carry \"id\": \"" + id + "\"");
        }
        if (!id.equals(bodyId)) {
            throw FhirException.badRequest("The id in the body (" + bodyId + ") does not match the id in the URL (" + id + ")");
        }
    }
}
