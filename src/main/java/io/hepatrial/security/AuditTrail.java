package io.hepatrial.security;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.Executors;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAction;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Reference;
import org.jboss.logging.Logger;

import io.hepatrial.fhir.store.ResourceStore;
import io.hepatrial.fhir.store.StoreTransactions;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import jakarta.inject.Singleton;

/**
 * The audit trail: one FHIR AuditEvent (type rest, subtype the interaction) per request and per
 * write transaction (docs/security.md). Writes are audited inside their own transaction, so no
 * change is stored without its record; reads, searches, operations and refused requests are
 * recorded after the answer, in the background, in batches.
 */
@Singleton
public class AuditTrail {

    private static final Logger LOG = Logger.getLogger(AuditTrail.class);
    static final String INTERACTION_SYSTEM = "http://hl7.org/fhir/restful-interaction";
    static final String SUBJECT_SYSTEM = "https://hepatrial.org/fhir/sid/token-subject";
    static final String CLIENT_SYSTEM = "https://hepatrial.org/fhir/sid/client-id";

    /** What one audited event was, captured while the request was current. */
    public record Event(String interaction, AuditEventAction action, int status, String subject, String client, String address,
            List<String> entities, String query) {
    }

    private final ResourceStore store;
    private final boolean enabled;
    private final java.util.concurrent.ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "audit-trail");
        thread.setDaemon(true);
        return thread;
    });
    /** Whether a flush is scheduled and has not started yet. */
    private final java.util.concurrent.atomic.AtomicBoolean flushScheduled = new java.util.concurrent.atomic.AtomicBoolean();
    /** How long queued records wait for more to join them: one transaction (one commit) per interval under load. */
    private static final long BATCH_MILLIS = 200;
    private final java.util.concurrent.ConcurrentLinkedQueue<Event> pending = new java.util.concurrent.ConcurrentLinkedQueue<>();

    public AuditTrail(ResourceStore store, @ConfigProperty(name = "hepatrial.audit.enabled") boolean enabled) {
        this.store = store;
        this.enabled = enabled;
    }

    public boolean enabled() {
        return enabled;
    }

    /** Stores the record in the current transaction (a write's). */
    public void recordNow(Event event) {
        store.create(auditEvent(event));
    }

    /** Queues the record; a background thread stores the queued ones in one transaction, at most every 200 ms. */
    public void recordLater(Event event) {
        pending.add(event);
        if (flushScheduled.compareAndSet(false, true)) {
            background.schedule(() -> {
                flushScheduled.set(false);
                flush();
            }, BATCH_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** What is still queued when the service stops is stored before it goes. */
    void storeQueuedOnShutdown(@jakarta.enterprise.event.Observes io.quarkus.runtime.ShutdownEvent shutdown) {
        flush();
    }

    /** Stores everything queued so far (tests call it to see the records at once). */
    public synchronized void flush() {
        List<Event> batch = new ArrayList<>();
        for (Event event; (event = pending.poll()) != null; ) {
            batch.add(event);
        }
        if (batch.isEmpty()) {
            return;
        }
        ManagedContext requestContext = Arc.container().requestContext();
        boolean activated = !requestContext.isActive();
        if (activated) {
            requestContext.activate();
        }
        try {
            StoreTransactions.retryingOnConflict(() -> {
                batch.forEach(e -> store.create(auditEvent(e)));
                return null;
            });
        } catch (RuntimeException e) {
            // one record the store refuses must not cost the others theirs: store them one by one
            for (Event event : batch) {
                try {
                    StoreTransactions.retryingOnConflict(() -> store.create(auditEvent(event)));
                } catch (RuntimeException refused) {
                    LOG.errorf("Could not store the audit record of %s (HTTP %d): %s", event.interaction(), event.status(), refused.toString());
                }
            }
        } finally {
            if (activated) {
                requestContext.terminate();
            }
        }
    }

    AuditEvent auditEvent(Event event) {
        AuditEvent audit = new AuditEvent();
        audit.setType(new Coding("http://terminology.hl7.org/CodeSystem/audit-event-type", "rest", "RESTful Operation"));
        audit.addSubtype(new Coding(INTERACTION_SYSTEM, event.interaction(), null));
        audit.setAction(event.action());
        audit.setRecorded(new Date());
        audit.setOutcome(event.status() < 400 ? AuditEventOutcome._0 : event.status() < 500 ? AuditEventOutcome._4 : AuditEventOutcome._8);
        audit.setOutcomeDesc("HTTP " + event.status());
        AuditEvent.AuditEventAgentComponent who = audit.addAgent().setRequestor(true);
        if (event.subject() == null && event.client() == null && event.address() == null) {
            who.setWho(new Reference().setDisplay("Hepatrial (the server's own work)"));
        } else {
            who.setWho(new Reference().setIdentifier(new Identifier().setSystem(SUBJECT_SYSTEM)
                    .setValue(event.subject() == null ? "anonymous" : event.subject())));
            if (event.client() != null) {
                who.setAltId(event.client());
                who.setName("client " + event.client());
            }
            if (event.address() != null) {
                who.getNetwork().setAddress(event.address()).setType(AuditEvent.AuditEventAgentNetworkType._2);
            }
        }
        audit.getSource().setSite("Hepatrial").setObserver(new Reference().setDisplay("Hepatrial FHIR server"));
        for (String entity : event.entities()) {
            audit.addEntity().setWhat(new Reference(entity));
        }
        if (event.query() != null) {
            audit.addEntity().setQuery(event.query().getBytes(StandardCharsets.UTF_8))
                    .setDescription("the request's query");
        }
        return audit;
    }
}
