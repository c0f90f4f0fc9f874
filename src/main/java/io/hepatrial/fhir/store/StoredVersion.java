package io.hepatrial.fhir.store;

import java.time.Instant;

/**
 * One stored version of a resource as the store returns it: the body is compact FHIR JSON with
 * id and meta already set, or null when this version is a deletion.
 */
public record StoredVersion(String type, String id, long version, Instant lastUpdated, String method, byte[] body) {

    public boolean isDeleted() {
        return body == null;
    }

    /**
     * The same version with an empty body in place of its JSON (still a deletion or not): for answers
     * that give only location, ETag and time, so that a large Bundle does not keep every body it wrote.
     */
    public StoredVersion withoutBody() {
        return body == null || body.length == 0 ? this : new StoredVersion(type, id, version, lastUpdated, method, new byte[0]);
    }

    /** The weak ETag of this version, as FHIR's http.html writes it. */
    public String etag() {
        return "W/\"" + version + "\"";
    }
}
