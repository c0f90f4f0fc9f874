package io.hepatrial.fhir.store;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;
import java.util.UUID;
import java.util.concurrent.Callable;

import org.hibernate.Session;
import org.hibernate.query.Query;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Resource;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import io.hepatrial.fhir.FhirException;
import io.hepatrial.fhir.search.IndexExtractor;
import io.hepatrial.fhir.search.IndexWriter;
import io.hepatrial.fhir.store.entity.ResourceEntity;
import io.hepatrial.fhir.store.entity.ResourceVersionEntity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

/**
 * The transactional resource store: create, read, vread, update, delete and history over the
 * current-version table and the version table. Each write runs in one database transaction
 * (joining the caller's, if there is one): a version is written whole or not at all.
 */
@ApplicationScoped
public class ResourceStore {

    private static final TimeZone UTC = TimeZone.getTimeZone("UTC");

    private final Session session;
    private final FhirContext fhirContext;
    private final IndexExtractor indexExtractor;
    private final IndexWriter indexWriter;
    private final PlannerStatistics statistics;
    private final List<WriteRule> rules;

    public ResourceStore(Session session, FhirContext fhirContext, IndexExtractor indexExtractor, IndexWriter indexWriter,
            PlannerStatistics statistics, jakarta.enterprise.inject.Instance<WriteRule> rules) {
        this.session = session;
        this.rules = rules.stream().sorted(java.util.Comparator.comparingInt(WriteRule::order)).toList();
        this.statistics = statistics;
        this.fhirContext = fhirContext;
        this.indexExtractor = indexExtractor;
        this.indexWriter = indexWriter;
    }

    /** Stores a new resource under a server-assigned id (a random UUID, so ids reveal nothing). */
    public WriteOutcome create(Resource resource) {
        return create(resource, newId());
    }

    /** Stores a new resource under an id the server assigned earlier (e.g. while planning a transaction). */
    public WriteOutcome create(Resource resource, String id) {
        String type = resource.fhirType();
        return inTransaction(() -> {
            List<OperationOutcomeIssueComponent> warnings = new ArrayList<>(0);
            return new WriteOutcome(insertNew(type, id, resource, "POST", warnings), true, warnings);
        });
    }

    private static final SecureRandom ID_RANDOM = new SecureRandom();

    /**
     * A new server-assigned id: a version 7 UUID (RFC 9562), whose text starts with the creation time
     * in milliseconds and ends in 74 random bits. Its ids sort in creation order, so a new resource's
     * entry goes at the end of the (type, id) index instead of a random page of it: random ids made
     * every insert dirty another page, and each dirty page is written out again.
     */
    public static String newId() {
        long millis = System.currentTimeMillis();
        long high = (millis << 16) | 0x7000L | (ID_RANDOM.nextInt() & 0x0FFFL);
        long low = (ID_RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(high, low).toString();
    }

    /**
     * Records that a conditional create with these criteria made {@code type/id}. The unique key makes
     * a concurrent conditional create with the same criteria fail (and be retried) instead of
     * creating a duplicate. A claim lasts until its resource is next written (see writeVersion).
     */
    public void claimConditionalCreate(String type, String criteria, String id) {
        claim(type, criteria, id, false);
    }

    /**
     * Like {@link #claimConditionalCreate}, but only when no committed claim on these criteria is
     * there already; false when one is (it is then up to the caller). A concurrent claim not yet
     * committed still makes the insert fail at its commit and the transaction be retried.
     */
    public boolean claimConditionalCreateIfFree(String type, String criteria, String id) {
        return claim(type, criteria, id, true);
    }

    private boolean claim(String type, String criteria, String id, boolean onlyIfFree) {
        return inTransaction(() -> {
            session.flush(); // the claim refers to the new resource row
            return session.createNativeMutationQuery("insert into conditional_create_key (res_type, criteria, resource_pid)"
                            + " select res_type, :criteria, pid from resource where res_type = :type and res_id = :id"
                            + (onlyIfFree ? " and not exists (select 1 from conditional_create_key k where k.res_type = :type"
                                    + " and k.criteria = :criteria)" : ""))
                    .setParameter("type", type).setParameter("criteria", criteria).setParameter("id", id).executeUpdate() == 1;
        });
    }

    /** The id of the resource holding the claim on these conditional-create criteria, or null when none does. */
    public String conditionalCreateClaimHolder(String type, String criteria) {
        return inTransaction(() -> {
            List<?> ids = session.createNativeQuery("select r.res_id from conditional_create_key k join resource r on r.pid = k.resource_pid"
                            + " where k.res_type = :type and k.criteria = :criteria", Object.class)
                    .setParameter("type", type).setParameter("criteria", criteria).getResultList();
            return ids.isEmpty() ? null : ids.get(0).toString();
        });
    }

    /** Drops the claim on these criteria (its holder does not match them), so that another create can take it. */
    public void releaseConditionalCreateClaim(String type, String criteria) {
        inTransaction(() -> session.createNativeMutationQuery("delete from conditional_create_key where res_type = :type and criteria = :criteria")
                .setParameter("type", type).setParameter("criteria", criteria).executeUpdate());
    }

    /**
     * Stores a new version of {@code type/id}, or the first one if there is none (update as create).
     *
     * @param expectedVersion the version named by If-Match, or null; a different current version is a 412
     */
    public WriteOutcome update(String type, String id, Resource resource, Long expectedVersion) {
        return inTransaction(() -> {
            List<OperationOutcomeIssueComponent> warnings = new ArrayList<>(0);
            ResourceEntity current = lockCurrent(type, id);
            if (current == null) {
                if (expectedVersion != null) {
                    throw FhirException.preconditionFailed("If-Match names version " + expectedVersion + " of " + type + "/" + id + ", which does not exist");
                }
                return new WriteOutcome(insertNew(type, id, resource, "PUT", warnings), true, warnings);
            }
            requireVersion(current, expectedVersion);
            boolean created = current.deleted;
            return new WriteOutcome(writeVersion(current, resource, "PUT", warnings), created, warnings);
        });
    }

    /**
     * Deletes {@code type/id}: writes a deletion version, unless it is already deleted or never
     * existed. Returns the deletion version, or empty when there was nothing to delete.
     */
    public Optional<StoredVersion> delete(String type, String id, Long expectedVersion) {
        return inTransaction(() -> {
            ResourceEntity current = lockCurrent(type, id);
            if (current == null) {
                if (expectedVersion != null) {
                    throw FhirException.preconditionFailed("If-Match names version " + expectedVersion + " of " + type + "/" + id + ", which does not exist");
                }
                return Optional.empty();
            }
            requireVersion(current, expectedVersion);
            if (current.deleted) {
                return Optional.empty();
            }
            return Optional.of(writeVersion(current, null, "DELETE", new ArrayList<>(0)));
        });
    }

    /** The current version of {@code type/id} (possibly a deletion), or empty if it never existed. */
    public Optional<StoredVersion> read(String type, String id) {
        return inTransaction(() -> session.createSelectionQuery(
                        "from ResourceEntity where type = :type and logicalId = :id", ResourceEntity.class)
                .setParameter("type", type).setParameter("id", id)
                .uniqueResultOptional()
                .map(e -> new StoredVersion(e.type, e.logicalId, e.version, e.lastUpdated,
                        e.deleted ? "DELETE" : null, e.body)));
    }

    /** One version of {@code type/id}, or empty if there is no such version. */
    public Optional<StoredVersion> vread(String type, String id, long version) {
        return inTransaction(() -> session.createSelectionQuery(
                        "from ResourceVersionEntity where type = :type and logicalId = :id and version = :version",
                        ResourceVersionEntity.class)
                .setParameter("type", type).setParameter("id", id).setParameter("version", version)
                .uniqueResultOptional()
                .map(ResourceStore::toStoredVersion));
    }

    /** One page of versions, newest first, for the whole system, a type or one instance. */
    public HistoryPage history(HistoryRequest request) {
        return inTransaction(() -> {
            StringBuilder where = new StringBuilder(" where 1 = 1");
            if (request.type() != null) {
                where.append(" and v.type = :type");
            }
            if (request.id() != null) {
                where.append(" and v.logicalId = :id");
            }
            if (request.since() != null) {
                where.append(" and v.lastUpdated >= :since");
            }
            String pageWhere = where + (request.after() == null ? ""
                    : " and (v.lastUpdated < :afterTime or (v.lastUpdated = :afterTime and v.vid < :afterVid))");

            Query<ResourceVersionEntity> page = session.createQuery(
                    "select v from ResourceVersionEntity v" + pageWhere + " order by v.lastUpdated desc, v.vid desc",
                    ResourceVersionEntity.class);
            bind(page, request, true);
            page.setMaxResults(request.count() + 1);
            List<ResourceVersionEntity> rows = page.getResultList();

            Query<Long> count = session.createQuery("select count(v) from ResourceVersionEntity v" + where, Long.class);
            bind(count, request, false);
            long total = count.getSingleResult();

            boolean more = rows.size() > request.count();
            List<StoredVersion> versions = new ArrayList<>();
            HistoryCursor next = null;
            for (ResourceVersionEntity row : rows.subList(0, Math.min(rows.size(), request.count()))) {
                versions.add(toStoredVersion(row));
                next = new HistoryCursor(row.lastUpdated, row.vid);
            }
            return new HistoryPage(versions, total, more ? next : null);
        });
    }

    private void bind(Query<?> query, HistoryRequest request, boolean withCursor) {
        if (request.type() != null) {
            query.setParameter("type", request.type());
        }
        if (request.id() != null) {
            query.setParameter("id", request.id());
        }
        if (request.since() != null) {
            query.setParameter("since", request.since());
        }
        if (withCursor && request.after() != null) {
            query.setParameter("afterTime", request.after().lastUpdated());
            query.setParameter("afterVid", request.after().vid());
        }
    }

    private ResourceEntity lockCurrent(String type, String id) {
        return session.createSelectionQuery(
                        "from ResourceEntity where type = :type and logicalId = :id", ResourceEntity.class)
                .setParameter("type", type).setParameter("id", id)
                .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                .uniqueResultOptional().orElse(null);
    }

    private static void requireVersion(ResourceEntity current, Long expectedVersion) {
        if (expectedVersion != null && expectedVersion != current.version) {
            throw FhirException.preconditionFailed("If-Match names version " + expectedVersion + " of " + current.type + "/"
                    + current.logicalId + ", but the current version is " + current.version);
        }
    }

    private StoredVersion insertNew(String type, String id, Resource resource, String method,
            List<OperationOutcomeIssueComponent> warnings) {
        ResourceEntity entity = new ResourceEntity();
        entity.type = type;
        entity.logicalId = id;
        entity.version = 0;
        // A concurrent insert of the same id fails at the latest at commit, inside the retry loop.
        return writeVersion(entity, resource, method, warnings);
    }

    /**
     * Writes the version after {@code current}: a new body, or a deletion when resource is null.
     * The write rules' warnings about it are added to {@code warnings}.
     */
    private StoredVersion writeVersion(ResourceEntity current, Resource resource, String method,
            List<OperationOutcomeIssueComponent> warnings) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long version = current.version + 1;
        List<WriteRule> applying = rulesFor(current.type);
        byte[] previousBody = current.body;
        if (resource != null) {
            for (WriteRule rule : applying) {
                rule.prepare(resource, warnings);
            }
        }
        byte[] body = resource == null ? null : encodeWithMeta(resource, current.logicalId, version, now);

        current.version = version;
        current.lastUpdated = now;
        current.deleted = resource == null;
        current.body = body;
        // Batched inserts are grouped by table in order of first appearance (hibernate.order_inserts), and the
        // version row's link to its resource row is no mapped association: once this transaction has queued a
        // version row of an update, a new resource row must reach the database before its own version row.
        boolean[] versionRowsQueued = StoreTransactions.transactionLocal("store-version-rows-queued", () -> new boolean[1]);
        if (current.pid == null) {
            if (versionRowsQueued[0]) {
                session.flush();
            }
            session.persist(current);
        } else {
            versionRowsQueued[0] = true;
            // A changed resource may no longer match the criteria it was conditionally created with.
            session.createNativeMutationQuery("delete from conditional_create_key where resource_pid = :pid")
                    .setParameter("pid", current.pid).executeUpdate();
        }

        ResourceVersionEntity row = new ResourceVersionEntity();
        row.resourcePid = current.pid;
        row.type = current.type;
        row.logicalId = current.logicalId;
        row.version = version;
        row.lastUpdated = now;
        row.method = method;
        row.body = body;
        session.persist(row);
        if (applying.stream().anyMatch(WriteRule::declaresUniqueKeys)) {
            replaceUniqueKeys(current, resource, applying);
        }
        // The search index follows the current version in the same transaction.
        indexWriter.replace(current.pid, current.type, resource == null ? List.of() : indexExtractor.extract(resource), version > 1);
        statistics.noteWrite();
        for (WriteRule rule : applying) {
            rule.afterWrite(current.type, current.logicalId, resource, () -> previousBody == null ? null
                    : (Resource) fhirContext.newJsonParser().parseResource(new String(previousBody, StandardCharsets.UTF_8)));
        }
        keepPersistenceContextSmall();
        return toStoredVersion(row);
    }

    private List<WriteRule> rulesFor(String type) {
        List<WriteRule> applying = new ArrayList<>(0);
        for (WriteRule rule : rules) {
            if (rule.appliesTo(type)) {
                applying.add(rule);
            }
        }
        return applying;
    }

    /**
     * Gives the resource exactly the unique keys its new version holds (none once deleted). A key
     * another resource holds is a 409; two transactions claiming one key at the same moment collide
     * on the table's unique constraint, and the retry of the loser lands here and sees the holder.
     */
    private void replaceUniqueKeys(ResourceEntity current, Resource resource, List<WriteRule> applying) {
        session.createNativeMutationQuery("delete from unique_key where resource_pid = :pid")
                .setParameter("pid", current.pid).executeUpdate();
        if (resource == null) {
            return;
        }
        for (WriteRule rule : applying) {
            for (WriteRule.UniqueKey key : rule.uniqueKeys(resource)) {
                List<?> holders = session.createNativeQuery("select resource_pid from unique_key where key_value = :key", Object.class)
                        .setParameter("key", key.key()).getResultList();
                if (!holders.isEmpty()) {
                    long holderPid = ((Number) holders.get(0)).longValue();
                    if (holderPid == current.pid) {
                        continue; // one resource may yield the same key twice (e.g. two spellings of one identifier)
                    }
                    ResourceEntity holder = session.find(ResourceEntity.class, holderPid);
                    throw new FhirException(409, org.hl7.fhir.r4.model.OperationOutcome.IssueType.DUPLICATE,
                            current.type + " cannot hold " + key.description() + ": " + holder.type + "/" + holder.logicalId
                                    + " already does; nothing was stored");
                }
                session.createNativeMutationQuery("insert into unique_key (key_value, resource_pid) values (:key, :pid)")
                        .setParameter("key", key.key()).setParameter("pid", current.pid).executeUpdate();
            }
        }
    }

    /**
     * Inserts of a Bundle are flushed in batches; a persistence context that kept every resource
     * written would make each flush dirty-check all of them, so it is flushed and emptied now and then.
     */
    private void keepPersistenceContextSmall() {
        var context = session.unwrap(org.hibernate.engine.spi.SessionImplementor.class).getPersistenceContextInternal();
        if (context.getNumberOfManagedEntities() >= FLUSH_EVERY) {
            session.flush();
            session.clear();
        }
    }

    /** Managed entities (two per version written) at which the persistence context is flushed and cleared. */
    private static final int FLUSH_EVERY = 200;

    private byte[] encodeWithMeta(Resource resource, String id, long version, Instant lastUpdated) {
        resource.setId(id);
        resource.getMeta().setVersionId(Long.toString(version));
        resource.getMeta().setLastUpdatedElement(new InstantType(Date.from(lastUpdated), TemporalPrecisionEnum.MILLI, UTC));
        return fhirContext.newJsonParser().encodeResourceToString(resource).getBytes(StandardCharsets.UTF_8);
    }

    private static StoredVersion toStoredVersion(ResourceVersionEntity row) {
        return new StoredVersion(row.type, row.logicalId, row.version, row.lastUpdated, row.method, row.body);
    }

    private static <T> T inTransaction(Callable<T> work) {
        return StoreTransactions.retryingOnConflict(work);
    }
}
