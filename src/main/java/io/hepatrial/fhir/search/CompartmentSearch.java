package io.hepatrial.fhir.search;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hibernate.Session;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import io.hepatrial.fhir.SupportedResourceTypes;
import io.hepatrial.fhir.store.StoreTransactions;
import io.hepatrial.fhir.store.StoredVersion;
import jakarta.inject.Singleton;

/**
 * The resources of one compartment (compartmentdefinition.html), e.g. everything of a patient for
 * {@code Patient/[id]/$everything}: the compartment's own resource plus every current resource that
 * refers to it through a parameter R4 lists as giving membership in that compartment (HAPI's search
 * parameter definitions carry the lists). Paged in row order by a cursor, so no state is kept.
 */
@Singleton
public class CompartmentSearch {

    /** For each compartment type, the (resource type → parameters) giving membership in it. */
    private final Map<String, Map<String, List<String>>> membership = new LinkedHashMap<>();
    /**
     * The stored rows of each type's {@code date} parameter, where R4 defines one (Observation's
     * effective, Procedure's performed, ResearchSubject's period, …): what $everything's care
     * dates (start, end) are compared with.
     */
    private final Map<String, List<String>> careDateRows = new LinkedHashMap<>();
    private final Session session;
    private final io.hepatrial.fhir.store.BatchedInserts inserts;

    public CompartmentSearch(FhirContext fhirContext, SupportedResourceTypes types, SearchParameterRegistry registry, Session session,
            io.hepatrial.fhir.store.BatchedInserts inserts) {
        this.session = session;
        this.inserts = inserts;
        for (String type : types.all()) {
            SearchParameterDefinition date = registry.get(type, "date");
            if (date != null && date.kind() == RestSearchParameterTypeEnum.DATE) {
                careDateRows.put(type, date.rowNames());
            }
            for (RuntimeSearchParam param : fhirContext.getResourceDefinition(type).getSearchParams()) {
                SearchParameterDefinition indexed = registry.get(type, param.getName());
                if (indexed == null || indexed.kind() != RestSearchParameterTypeEnum.REFERENCE
                        || param.getProvidesMembershipInCompartments() == null) {
                    continue;
                }
                for (String compartment : param.getProvidesMembershipInCompartments()) {
                    // (the query asks for references to the compartment's type: a parameter stored as another's
                    // references to one type counts only in that type's compartment)
                    String onlyTo = indexed.onlyReferencesTo();
                    if (onlyTo == null || onlyTo.equals(compartment)) {
                        membership.computeIfAbsent(compartment, c -> new LinkedHashMap<>())
                                .computeIfAbsent(type, t -> new ArrayList<>()).addAll(indexed.rowNames());
                    }
                }
            }
        }
    }

    /**
     * One page of the compartment of {@code compartmentType/id}.
     *
     * @param types     only these resource types (null: all)
     * @param since     only resources last updated at or after this instant (null: any)
     * @param care      only resources whose {@code date} overlaps this range, for the types that have
     *                  that parameter; the others (the Patient, a Condition) regardless (null: any)
     * @param afterPid  the cursor of the previous page (0 for the first)
     * @param upToPid   only resources stored up to this row ({@link #highestPid()} when the first page was made)
     */
    public Page page(String compartmentType, String id, Set<String> types, Instant since, FhirDates.Range care, int count, long afterPid,
            long upToPid) {
        Sql select = where(new Sql().append("select r.pid, r.res_type, r.res_id, r.version, r.last_updated, r.body from resource r"),
                compartmentType, id, types, since, care).append(" and r.pid <= ").param(upToPid)
                .append(" and r.pid > ").param(afterPid).append(" order by r.pid");
        Sql total = where(new Sql().append("select count(*) from resource r"), compartmentType, id, types, since, care)
                .append(" and r.pid <= ").param(upToPid);
        // the page and its total read one snapshot
        return StoreTransactions.readingOneSnapshot(session, () -> {
            // inside a write transaction (a Bundle's GET entry) the compartment includes what it wrote so far
            inserts.flushWrites();
            return session.doReturningWork(connection -> {
                List<StoredVersion> versions = new ArrayList<>();
                long lastPid = afterPid;
                boolean more = false;
                try (PreparedStatement statement = prepare(connection, select)) {
                    statement.setMaxRows(count + 1);
                    try (ResultSet result = statement.executeQuery()) {
                        while (result.next()) {
                            if (versions.size() == count) {
                                more = true;
                                break;
                            }
                            lastPid = result.getLong(1);
                            Instant lastUpdated = result.getObject(5, OffsetDateTime.class).toInstant();
                            versions.add(new StoredVersion(result.getString(2), result.getString(3), result.getLong(4), lastUpdated, null,
                                    result.getBytes(6)));
                        }
                    }
                }
                long matches;
                try (PreparedStatement statement = prepare(connection, total); ResultSet result = statement.executeQuery()) {
                    result.next();
                    matches = result.getLong(1);
                }
                return new Page(versions, matches, more ? lastPid : null);
            });
        });
    }

    /** The row id of the latest stored resource: pages bounded by it hold only what was stored by then. */
    public long highestPid() {
        return StoreTransactions.retryingOnConflict(() -> {
            inserts.flushWrites();
            Object max = session.createNativeQuery("select max(pid) from resource", Object.class).getSingleResult();
            return max == null ? 0L : ((Number) max).longValue();
        });
    }

    private Sql where(Sql sql, String compartmentType, String id, Set<String> types, Instant since, FhirDates.Range care) {
        sql.append(" where r.deleted = false and ((r.res_type = ").param(compartmentType).append(" and r.res_id = ")
                .param(id).append(")");
        Map<String, List<String>> members = membership.getOrDefault(compartmentType, Map.of());
        if (!members.isEmpty()) {
            sql.append(" or r.pid in (select s.resource_pid from search_reference s where s.target_type = ").param(compartmentType)
                    .append(" and s.target_id = ").param(id).append(" and (");
            boolean first = true;
            for (Map.Entry<String, List<String>> member : members.entrySet()) {
                sql.append(first ? "" : " or ").append("(s.res_type = ").param(member.getKey()).append(" and s.param in (")
                        .params(member.getValue()).append("))");
                first = false;
            }
            sql.append("))");
        }
        sql.append(")");
        if (types != null) {
            sql.append(" and r.res_type in (").params(new ArrayList<>(types)).append(")");
        }
        if (since != null) {
            sql.append(" and r.last_updated >= ").param(IndexWriter.utc(since));
        }
        List<String> dated = members.keySet().stream().filter(careDateRows::containsKey).toList();
        if (care != null && !dated.isEmpty()) {
            // stored date ranges are half-open [low, high), like the care range
            sql.append(" and (r.res_type not in (").params(dated).append(") or exists (select 1 from search_date d")
                    .append(" where d.resource_pid = r.pid and d.low_value < ").param(IndexWriter.utc(care.high()))
                    .append(" and d.high_value > ").param(IndexWriter.utc(care.low())).append(" and (");
            for (int i = 0; i < dated.size(); i++) {
                sql.append(i == 0 ? "" : " or ").append("(d.res_type = ").param(dated.get(i)).append(" and d.param in (")
                        .params(careDateRows.get(dated.get(i))).append("))");
            }
            sql.append(")))");
        }
        return sql;
    }

    private static PreparedStatement prepare(Connection connection, Sql sql) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql.toString());
        for (int i = 0; i < sql.params.size(); i++) {
            statement.setObject(i + 1, sql.params.get(i));
        }
        return statement;
    }

    /** A page of compartment members, how many there are in all, and the cursor of the next page (null: last page). */
    public record Page(List<StoredVersion> resources, long total, Long nextAfterPid) {
    }
}
