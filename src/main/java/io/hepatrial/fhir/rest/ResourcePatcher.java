package io.hepatrial.fhir.rest;

import java.nio.charset.StandardCharsets;

import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Resource;

import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.UpdateRules;
import io.hepatrial.fhir.store.ResourceStore;
import io.hepatrial.fhir.store.StoredVersion;
import io.hepatrial.fhir.store.WriteOutcome;
import jakarta.inject.Singleton;

/**
 * The patch interaction (http.html#patch), for the PATCH endpoint and PATCH entries of Bundles:
 * the current version, patched (JSON Patch or FHIRPath Patch), strictly re-read, and stored as the
 * next version if no other write came in between (else read and patched again).
 */
@Singleton
public class ResourcePatcher {

    /** A patch document: JSON Patch text, or a FHIRPath Patch Parameters resource. */
    public record Patch(String json, Parameters fhirPath) {

        public static Patch json(String text) {
            return new Patch(text, null);
        }

        public static Patch fhirPath(Parameters parameters) {
            return new Patch(null, parameters);
        }
    }

    private static final int MAX_ATTEMPTS = 3;

    private final ResourceStore store;
    private final ResourceCodec codec;
    private final FhirPathPatches fhirPathPatches;
    private final InputLimits limits;

    public ResourcePatcher(ResourceStore store, ResourceCodec codec, FhirPathPatches fhirPathPatches, InputLimits limits) {
        this.limits = limits;
        this.store = store;
        this.codec = codec;
        this.fhirPathPatches = fhirPathPatches;
    }

    /**
     * Patches {@code type/id}: 404 unknown, 410 deleted, 412 stale {@code ifMatch}, 400 malformed
     * patch, 422 a patch that does not apply or gives an invalid resource.
     */
    public WriteOutcome patch(String type, String id, Long ifMatch, Patch patch) {
        if (patch.json() != null) {
            // a JSON Patch does not go through ResourceCodec: the same limits as for a resource body
            limits.requireResourceSize(patch.json());
            limits.requireJsonDepth(patch.json());
            InputLimits.requireNoControlCharacters(patch.json());
        }
        for (int attempt = 1; ; attempt++) {
            StoredVersion current = store.read(type, id)
                    .orElseThrow(() -> FhirException.notFound(type + "/" + id + " is not known to this server"));
            if (current.isDeleted()) {
                throw new FhirException(410, IssueType.DELETED, type + "/" + id + " was deleted");
            }
            if (ifMatch != null && ifMatch != current.version()) {
                throw FhirException.preconditionFailed("If-Match names version " + ifMatch + " of " + type + "/" + id
                        + ", but the current version is " + current.version());
            }
            Resource patched = apply(current, patch, type);
            UpdateRules.requireBodyId(type, id, patched);
            try {
                return store.update(type, id, patched, current.version());
            } catch (FhirException e) {
                if (e.status() != 412 || ifMatch != null || attempt >= MAX_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private Resource apply(StoredVersion current, Patch patch, String type) {
        String patchedJson;
        if (patch.json() != null) {
            patchedJson = JsonPatches.apply(current.body(), patch.json());
        } else {
            Resource target = codec.parseStored(current.body());
            fhirPathPatches.apply(target, patch.fhirPath());
            patchedJson = new String(codec.encode(target, FhirFormat.DEFAULT), StandardCharsets.UTF_8);
        }
        try {
            return codec.parse(patchedJson, FhirFormat.DEFAULT, type);
        } catch (FhirException e) {
            if (e.status() != 400) {
                throw e;
            }
            throw new FhirException(422, e.issueType(), "The patched resource would be invalid: " + e.getMessage());
        }
    }
}
