package io.hepatrial.fhir.search;

import io.hepatrial.fhir.store.ValueLists;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The resources a search criterion matches, read into lists of literal pids, a chain or reverse
 * chain innermost criterion first: how a search's driving criterion is written on H2
 * (SearchEngine.fromWhere).
 * <p>
 * Why: H2 uses a driving {@code r.pid IN (sub-select)} for its primary-key lookups and then checks it
 * again on every row, running the sub-select again unless no table has changed since its last run.
 * Every request writes an AuditEvent, so under any traffic a partner's
 * {@code Observation?patient._has:ResearchSubject:individual:study.identifier=…}, or
 * {@code Observation?category=laboratory&_sort=-date}, ran its sub-select once per row and answered
 * 500 after the 60 s timeout. A literal list has no sub-select to run again, and starting from the
 * innermost criterion (one ResearchStudy, its subjects, their patients, their labs) reads only rows
 * that match.
 */
final class LiteralMatches {

    /**
     * The most resources one step may yield; past it, the search checks its criteria per resource of
     * the type. A system property sets it so that the test suite can be run through that path too.
     */
    static final int LIMIT = Integer.getInteger("hepatrial.search.h2-literal-limit", 20_000);

    private final Connection connection;
    private final Supplier<SearchSql> conditions;

    LiteralMatches(Connection connection, Supplier<SearchSql> conditions) {
        this.connection = connection;
        this.conditions = conditions;
    }

    /** The pids of the live resources of {@code type} that meet the criterion, or null when more than {@link #LIMIT}. */
    List<Long> pids(String type, Criterion criterion) throws SQLException {
        if (criterion instanceof Criterion.Chain chain) {
            Set<Long> referring = new LinkedHashSet<>();
            for (Map.Entry<String, Criterion> target : chain.targetConditions().entrySet()) {
                Map<String, Long> targets = live(target.getKey(), target.getValue());
                if (targets == null) {
                    return null;
                }
                for (List<String> ids : chunks(new ArrayList<>(targets.keySet()))) {
                    Sql sql = new Sql().append("select ref.resource_pid from search_reference ref where ref.res_type = ").param(type)
                            .append(" and ");
                    SearchSql.rowsOf(sql, "ref", chain.reference())
                            .append(" and ref.target_type = ").param(target.getKey())
                            .append(" and ref.target_id in (").literals(ids).append(")");
                    if (!read(sql, referring)) {
                        return null;
                    }
                }
            }
            return new ArrayList<>(referring);
        }
        if (criterion instanceof Criterion.Has) {
            Map<String, Long> matches = live(type, criterion);
            return matches == null ? null : new ArrayList<>(matches.values());
        }
        Criterion.Param param = (Criterion.Param) criterion;
        SearchSql writer = conditions.get();
        Sql sql = new Sql();
        if (!param.param().isResourceColumn() && SearchSql.selectivityRank(param) < 9) {
            String row = writer.newAlias("i");
            sql.append("select " + row + ".resource_pid");
            writer.indexScan(sql, type, param, row); // index rows are those of current, live resources
        } else {
            sql.append("select r.pid from resource r where r.res_type = ").param(type).append(" and r.deleted = false and ");
            writer.condition(sql, type, SearchSql.Target.resource("r"), param, false);
        }
        Set<Long> pids = new LinkedHashSet<>();
        return read(sql, pids) ? new ArrayList<>(pids) : null;
    }

    /** The live resources of {@code type} that meet the criterion, id to pid, or null when more than {@link #LIMIT}. */
    private Map<String, Long> live(String type, Criterion criterion) throws SQLException {
        Map<String, Long> byId = new java.util.LinkedHashMap<>();
        if (!(criterion instanceof Criterion.Has has)) {
            List<Long> pids = pids(type, criterion);
            if (pids == null) {
                return null;
            }
            for (List<Long> part : chunks(pids)) {
                Sql sql = new Sql().append("select r.res_id, r.pid from resource r where r.pid");
                ValueLists.appendIn(sql.text, part, false);
                readIds(sql, byId);
            }
            return byId;
        }
        // the targets of the matching sources' references; they may point at deleted or absent resources
        List<Long> sources = pids(has.sourceType(), has.sourceCondition());
        if (sources == null) {
            return null;
        }
        Set<String> targets = new LinkedHashSet<>();
        for (List<Long> part : chunks(sources)) {
            Sql sql = new Sql().append("select ref.target_id from search_reference ref where ref.resource_pid");
            ValueLists.appendIn(sql.text, part, false);
            sql.append(" and ref.res_type = ").param(has.sourceType()).append(" and ");
            SearchSql.rowsOf(sql, "ref", has.reference()).append(" and ref.target_type = ").param(type);
            if (!read(sql, targets)) {
                return null;
            }
        }
        for (List<String> part : chunks(targets)) {
            Sql sql = new Sql().append("select r.res_id, r.pid from resource r where r.res_type = ").param(type)
                    .append(" and r.deleted = false and r.res_id in (").literals(part).append(")");
            readIds(sql, byId);
        }
        return byId;
    }

    private void readIds(Sql sql, Map<String, Long> byId) throws SQLException {
        try (PreparedStatement statement = SearchEngine.prepare(connection, sql); ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                byId.put(result.getString(1), result.getLong(2));
            }
        }
    }

    /** Adds the first column of every row to {@code into}; false when that makes more than {@link #LIMIT}. */
    @SuppressWarnings("unchecked")
    private <T> boolean read(Sql sql, Set<T> into) throws SQLException {
        try (PreparedStatement statement = SearchEngine.prepare(connection, sql); ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                into.add((T) result.getObject(1));
                if (into.size() > LIMIT) {
                    return false;
                }
            }
        }
        return true;
    }

    private static <T> List<List<T>> chunks(Collection<T> values) {
        List<T> all = new ArrayList<>(values);
        List<List<T>> parts = new ArrayList<>();
        for (int from = 0; from < all.size(); from += ValueLists.H2_CHUNK) {
            parts.add(all.subList(from, Math.min(all.size(), from + ValueLists.H2_CHUNK)));
        }
        return parts;
    }
}
