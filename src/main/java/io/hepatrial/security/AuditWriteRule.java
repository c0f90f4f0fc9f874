package io.hepatrial.security;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.Resource;

import io.hepatrial.fhir.store.StoreTransactions;
import io.hepatrial.fhir.store.WriteRule;
import io.quarkus.arc.Arc;
import jakarta.inject.Singleton;

/**
 * Every write transaction stores its AuditEvent before it commits: the resources it created,
 * updated or deleted (derived ones included), who asked and from where. A rolled-back write
 * takes its record with it (the refused request is recorded by {@link AuditResponseFilter}).
 */
@Singleton
public class AuditWriteRule implements WriteRule {

    private final AuditTrail trail;

    public AuditWriteRule(AuditTrail trail) {
        this.trail = trail;
    }

    /** What the current transaction wrote since its record was last stored. */
    private static final class Written {
        final List<String> entities = new ArrayList<>();
        boolean created;
        boolean updated;
        boolean deleted;
        int round;
    }

    @Override
    public boolean appliesTo(String resourceType) {
        return trail.enabled() && !resourceType.equals("AuditEvent");
    }

    @Override
    public void afterWrite(String type, String id, Resource written, Supplier<Resource> previous) {
        Written pending = StoreTransactions.transactionLocal("audit-written", Written::new);
        if (written == null) {
            pending.deleted = true;
        } else if ("1".equals(written.getMeta().getVersionId())) {
            pending.created = true;
        } else {
            pending.updated = true;
        }
        String version = written == null ? "" : written.getMeta().getVersionId() == null ? "" : "/_history/" + written.getMeta().getVersionId();
        boolean first = pending.entities.isEmpty();
        pending.entities.add(type + "/" + id + version);
        if (first) {
            // writes made by other before-commit work (derived scores) come after: each round gets its own record
            StoreTransactions.beforeCommit("audit-" + (++pending.round), () -> store(pending));
        }
    }

    private void store(Written pending) {
        Caller caller = Arc.container().requestContext().isActive() ? Arc.container().instance(Caller.class).get() : null;
        boolean fromRequest = caller != null && (caller.address() != null || caller.authenticated());
        AuditEventAction action = pending.deleted && !pending.created && !pending.updated ? AuditEventAction.D
                : pending.created && !pending.updated && !pending.deleted ? AuditEventAction.C : AuditEventAction.U;
        String interaction = action == AuditEventAction.C ? "create" : action == AuditEventAction.D ? "delete" : "update";
        trail.recordNow(new AuditTrail.Event(interaction, action, 200,
                fromRequest ? caller.subject() : null, fromRequest ? caller.client() : null, fromRequest ? caller.address() : null,
                List.copyOf(pending.entities), null));
        pending.entities.clear();
        pending.created = pending.updated = pending.deleted = false;
    }
}
