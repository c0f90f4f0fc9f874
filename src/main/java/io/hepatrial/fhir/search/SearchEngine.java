package io.hepatrial.fhir.search;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.hibernate.Session;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import io.hepatrial.fhir.store.StoreTransactions;
import io.hepatrial.fhir.store.StoredVersion;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Runs searches over the index tables: the matching page in sort order with keyset paging, the
 * total, and the included resources. Reads only current, non-deleted versions.
 */
@ApplicationScoped
public class SearchEngine {

    /** How many rounds _include:iterate and _revinclude:iterate follow. */
    private static final int MAX_ITERATIONS = 3;

    private final Session session;
    private final FhirContext fhirContext;
    private final UcumUnits ucum;
    /** Without {@code _total}, a first page carries the total only up to this many matches. */
    private final long defaultTotalLimit;
    private final io.hepatrial.fhir.store.BatchedInserts inserts;

    public SearchEngine(Session session, io.hepatrial.fhir.store.BatchedInserts inserts, FhirContext fhirContext, UcumUnits ucum,
            @org.eclipse.microprofile.config.inject.ConfigProperty(name = "hepatrial.search.default-total-limit") long defaultTotalLimit) {
        this.session = session;
        this.inserts = inserts;
        this.defaultTotalLimit = defaultTotalLimit;
        this.fhirContext = fhirContext;
        this.ucum = ucum;
    }

    public SearchResult search(SearchRequest request, String baseUrl) {
        if (QuarkusTransaction.isActive()) {
            inserts.flushWrites(); // a search inside a write transaction (a Bundle) sees what it wrote so far
        }
        return StoreTransactions.readingOneSnapshot(session, () -> session.doReturningWork(connection -> run(connection, request, baseUrl)));
    }

    /** One match of a projection: its id and the index values of the parameters asked for. */
    public record Projection(String id, List<IndexRow> values) {
    }

    /**
     * Every match of a search (no paging, no sort, no includes) as the index values of some of its
     * parameters, read from the index tables without parsing any resource: the fast read for
     * reports over many resources. Values come as the index holds them (e.g. quantities with their
     * canonical UCUM form; references as type and id).
     */
    public List<Projection> project(SearchRequest request, List<SearchParameterDefinition> params) {
        java.util.concurrent.Callable<List<Projection>> work = () -> session.doReturningWork(connection -> {
            Sql matches = new Sql().append("select r.pid, r.res_id from ");
            fromWhere(connection, matches, request, "");
            Map<Long, Projection> byPid = new java.util.LinkedHashMap<>();
            try (PreparedStatement statement = prepare(connection, matches); ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    byPid.put(result.getLong(1), new Projection(result.getString(2), new ArrayList<>()));
                }
            }
            if (byPid.isEmpty()) {
                return List.of();
            }
            // one query per index table (and chunk): its rows of the asked parameters for those pids
            boolean postgres = io.hepatrial.fhir.store.ValueLists.isPostgres(connection);
            List<Long> pids = new ArrayList<>(byPid.keySet());
            // per table, the stored parameter names with the asked parameters their rows answer
            Map<String, Map<String, List<SearchParameterDefinition>>> byTable = new java.util.LinkedHashMap<>();
            for (SearchParameterDefinition param : params) {
                for (String stored : param.rowNames()) {
                    byTable.computeIfAbsent(SearchSql.table(param), t -> new java.util.HashMap<>())
                            .computeIfAbsent(stored, n -> new ArrayList<>()).add(param);
                }
            }
            for (Map.Entry<String, Map<String, List<SearchParameterDefinition>>> table : byTable.entrySet()) {
                SearchParameterDefinition any = table.getValue().values().iterator().next().get(0);
                int chunk = io.hepatrial.fhir.store.ValueLists.chunkSize(postgres);
                for (int from = 0; from < pids.size(); from += chunk) {
                    List<Long> part = pids.subList(from, (int) Math.min(pids.size(), (long) from + chunk));
                    StringBuilder sql = new StringBuilder("select i.resource_pid, i.param, " + projectedColumns(any) + " from "
                            + table.getKey() + " i where i.param in (");
                    List<String> names = new ArrayList<>(table.getValue().keySet());
                    for (int n = 0; n < names.size(); n++) {
                        sql.append(n == 0 ? "'" : ", '").append(names.get(n).replace("'", "''")).append("'");
                    }
                    sql.append(") and i.resource_pid");
                    io.hepatrial.fhir.store.ValueLists.appendIn(sql, part, postgres);
                    try (PreparedStatement statement = connection.prepareStatement(sql.toString())) {
                        io.hepatrial.fhir.store.ValueLists.bind(statement, 1, part, postgres, "bigint");
                        try (ResultSet result = statement.executeQuery()) {
                            while (result.next()) {
                                for (SearchParameterDefinition param : table.getValue().getOrDefault(result.getString(2), List.of())) {
                                    String onlyTo = param.onlyReferencesTo();
                                    if (onlyTo == null || onlyTo.equals(result.getString(3))) { // column 3: a reference's target_type
                                        byPid.get(result.getLong(1)).values().add(projectedRow(param, result));
                                    }
                                }
                            }
                        }
                    }
                }
            }
            return new ArrayList<>(byPid.values());
        });
        if (QuarkusTransaction.isActive()) {
            inserts.flushWrites();
        }
        return StoreTransactions.readingOneSnapshot(session, work);
    }

    private static String projectedColumns(SearchParameterDefinition param) {
        return switch (param.kind()) {
            case TOKEN -> "i.system, i.code, i.display";
            case REFERENCE -> "i.target_type, i.target_id, i.target_url";
            case DATE -> "i.low_value, i.high_value";
            case QUANTITY -> "i.value_number, i.system, i.code, i.canonical_value, i.canonical_code";
            case NUMBER -> "i.value_number";
            case STRING -> "i.value_normalized, i.value_exact";
            case URI -> "i.uri";
            default -> throw new IllegalArgumentException("Cannot project " + param.kind() + " parameter " + param.name());
        };
    }

    private static IndexRow projectedRow(SearchParameterDefinition param, ResultSet result) throws SQLException {
        String name = param.name();
        return switch (param.kind()) {
            case TOKEN -> new IndexRow.Token(name, result.getString(3), result.getString(4), result.getString(5));
            case REFERENCE -> { // target_id repeats an absolute reference's URL (V7); the row names it once
                String url = result.getString(5);
                yield new IndexRow.Reference(name, result.getString(3), url == null ? result.getString(4) : null, url);
            }
            case DATE -> new IndexRow.DateRange(name, result.getObject(3, OffsetDateTime.class).toInstant(),
                    result.getObject(4, OffsetDateTime.class).toInstant());
            case QUANTITY -> new IndexRow.Quantity(name, result.getBigDecimal(3), result.getString(4), result.getString(5),
                    result.getBigDecimal(6), result.getString(7));
            case NUMBER -> new IndexRow.Number(name, result.getBigDecimal(3));
            case STRING -> new IndexRow.Text(name, result.getString(3), result.getString(4));
            case URI -> new IndexRow.Uri(name, result.getString(3));
            default -> throw new IllegalArgumentException(param.kind().toString());
        };
    }

    private SearchResult run(Connection connection, SearchRequest request, String baseUrl) throws SQLException {
        if (request.summary() == SearchRequest.Summary.COUNT) {
            return new SearchResult(List.of(), List.of(), count(connection, request, baseUrl), null, null);
        }
        SearchCursor cursor = request.cursor();
        boolean backwards = cursor != null && cursor.before();
        SearchRequest.Total totalMode = request.total();
        // unasked, a first page counts up to a limit (counting every one of many matches would make it the slow
        // page); an index walk counts while it reads the page's pids, in the same query
        boolean boundedTotal = totalMode == null && cursor == null;
        long[] walked = {-1};
        List<Row> rows;
        if (indexWalk(request) != null) {
            rows = indexWalkPage(connection, request, baseUrl, cursor, backwards, boundedTotal ? defaultTotalLimit + 1 : 0, walked);
        } else {
            rows = page(connection, request, baseUrl, cursor, backwards);
        }
        boolean more = rows.size() > request.count();
        Long total = null;
        if (cursor == null && !more) {
            total = (long) rows.size(); // a first page that holds every match is its own count
        } else if (totalMode == SearchRequest.Total.ACCURATE || totalMode == SearchRequest.Total.ESTIMATE) {
            total = count(connection, request, baseUrl);
        } else if (boundedTotal) {
            long counted = walked[0] >= 0 ? walked[0] : count(connection, request, baseUrl, defaultTotalLimit);
            total = counted <= defaultTotalLimit ? counted : null;
        }
        if (totalMode == SearchRequest.Total.NONE) {
            total = null;
        }
        if (more) {
            rows = rows.subList(0, request.count());
        }
        if (backwards) {
            rows = new ArrayList<>(rows);
            Collections.reverse(rows);
        }
        SearchCursor next = null;
        SearchCursor previous = null;
        if (!rows.isEmpty()) {
            Row first = rows.get(0);
            Row last = rows.get(rows.size() - 1);
            // Forward: more rows means a next page; any cursor means we came from an earlier page.
            // Backward: the other way round.
            if (backwards || more) {
                next = new SearchCursor(false, last.keys, last.version.pid());
            }
            if (backwards ? more : cursor != null) {
                previous = new SearchCursor(true, first.keys, first.version.pid());
            }
        }
        List<StoredVersion> matches = new ArrayList<>();
        for (Row row : rows) {
            matches.add(row.version.stored());
        }
        List<StoredVersion> included = includes(connection, request, rows);
        return new SearchResult(matches, included, total, next, previous);
    }

    private long count(Connection connection, SearchRequest request, String baseUrl) throws SQLException {
        return count(connection, request, baseUrl, Long.MAX_VALUE);
    }

    /** The number of matches, counting no further than {@code limit} + 1 (more than the limit: limit + 1). */
    private long count(Connection connection, SearchRequest request, String baseUrl, long limit) throws SQLException {
        boolean bounded = limit < Long.MAX_VALUE;
        Sql sql = new Sql();
        if (bounded) {
            sql.append("select count(*) from (");
        }
        if (indexWalk(request) != null) {
            indexWalkFromWhere(connection, sql, request, baseUrl, row -> bounded ? "select distinct " + row + ".resource_pid"
                    : "select count(distinct " + row + ".resource_pid)", null);
        } else {
            sql.append(bounded ? "select r.pid from " : "select count(*) from ");
            fromWhere(connection, sql, request, baseUrl);
        }
        if (bounded) {
            sql.append(" limit " + (limit + 1) + ") counted");
        }
        try (PreparedStatement statement = prepare(connection, sql); ResultSet result = statement.executeQuery()) {
            result.next();
            return result.getLong(1);
        }
    }

    /**
     * "resource r where …": the most selective criterion (by kind) is written as IN (sub-select) so
     * the database starts from its index rows; the others are checked per row it yields (EXISTS).
     * On H2 the driving criterion is read first into a literal list of pids (LiteralMatches); when it
     * matches more than LiteralMatches.LIMIT, every criterion is checked per resource of the type.
     */
    private void fromWhere(Connection connection, Sql sql, SearchRequest request, String baseUrl) throws SQLException {
        SearchSql conditions = conditions(connection, baseUrl);
        List<Criterion> criteria = new ArrayList<>(request.criteria());
        criteria.sort(java.util.Comparator.comparingInt(SearchSql::selectivityRank));
        sql.append("resource r where r.res_type = ").param(request.type()).append(" and r.deleted = false");
        boolean drives = !criteria.isEmpty() && SearchSql.selectivityRank(criteria.get(0)) < 9
                && !(criteria.get(0) instanceof Criterion.Param p && p.param().isResourceColumn());
        boolean h2 = !io.hepatrial.fhir.store.ValueLists.isPostgres(connection);
        List<Long> drivingPids = drives && h2
                ? new LiteralMatches(connection, () -> new SearchSql(fhirContext, ucum, baseUrl, h2)).pids(request.type(), criteria.get(0))
                : null;
        for (int i = 0; i < criteria.size(); i++) {
            sql.append(" and ");
            if (i == 0 && drivingPids != null) {
                if (drivingPids.isEmpty()) {
                    sql.append("1 = 0");
                } else {
                    sql.append("r.pid");
                    io.hepatrial.fhir.store.ValueLists.appendIn(sql.text, drivingPids, false);
                }
                continue;
            }
            conditions.condition(sql, request.type(), SearchSql.Target.resource("r"), criteria.get(i), i == 0 && drives && !h2);
        }
    }

    /** The writer of a search's conditions, with H2's index hints when the connection is H2's (SearchSql). */
    private SearchSql conditions(Connection connection, String baseUrl) throws SQLException {
        return new SearchSql(fhirContext, ucum, baseUrl, !io.hepatrial.fhir.store.ValueLists.isPostgres(connection));
    }

    /**
     * The criterion a search can walk the index of, in pid order, or null. That is the fast path
     * for the default order: a page is read straight off one index range (the rows are per
     * current, live resource of the type), however deep the page, with the other criteria checked
     * per row; no resource row is touched before the page is known.
     */
    private static Criterion.Param indexWalk(SearchRequest request) {
        if (!request.sort().isEmpty() || request.criteria().isEmpty()) {
            return null;
        }
        List<Criterion> criteria = new ArrayList<>(request.criteria());
        criteria.sort(java.util.Comparator.comparingInt(SearchSql::selectivityRank));
        // a parameter stored as several others' rows (a union) is no single index range in pid order
        if (!(criteria.get(0) instanceof Criterion.Param first) || first.param().isResourceColumn()
                || first.param().rowNames().size() > 1 || SearchSql.selectivityRank(first) >= 9) {
            return null;
        }
        for (Criterion criterion : criteria) {
            if (!SearchSql.needsOnlyPid(criterion)) {
                return null;
            }
        }
        return first;
    }

    /**
     * "[select] from [index] iN where … and [other criteria on iN.resource_pid]", the select clause
     * made from the index row's alias; returns that alias.
     */
    private String indexWalkFromWhere(Connection connection, Sql sql, SearchRequest request, String baseUrl,
            java.util.function.Function<String, String> select, SearchSql.PidBound bound) throws SQLException {
        SearchSql conditions = conditions(connection, baseUrl);
        Criterion.Param walked = indexWalk(request);
        String row = conditions.newAlias("w");
        sql.append(select.apply(row));
        conditions.indexScan(sql, request.type(), walked, row);
        SearchSql.Target target = new SearchSql.Target(row + ".resource_pid", null, null, bound);
        for (Criterion criterion : request.criteria()) {
            if (criterion != walked) {
                sql.append(" and ");
                conditions.condition(sql, request.type(), target, criterion, false);
            }
        }
        return row;
    }

    /**
     * @param countUpTo when above the page size, the walk reads up to this many pids (not only the page's) and
     *                  puts how many it found in {@code walked[0]}: the first page's bounded total, in the same query
     */
    private List<Row> indexWalkPage(Connection connection, SearchRequest request, String baseUrl, SearchCursor cursor,
            boolean backwards, long countUpTo, long[] walked) throws SQLException {
        boolean counting = countUpTo > request.count() + 1;
        int wanted = counting ? (int) Math.min(Integer.MAX_VALUE - 1, countUpTo) : request.count() + 1;
        java.util.LinkedHashSet<Long> pids = new java.util.LinkedHashSet<>();
        Long after = cursor == null ? null : cursor.pid();
        // the cursor repeated in the other criteria's sub-selects guides PostgreSQL's merge joins (SearchSql.PidBound);
        // H2 probes them per candidate anyway, and the extra range made its probes slower (0.95 against 0.6 ms a page)
        boolean boundSubSelects = io.hepatrial.fhir.store.ValueLists.isPostgres(connection);
        while (pids.size() < wanted) {
            Sql sql = new Sql();
            String row = indexWalkFromWhere(connection, sql, request, baseUrl, alias -> "select " + alias + ".resource_pid",
                    after == null || !boundSubSelects ? null : new SearchSql.PidBound(after, backwards));
            if (after != null) {
                sql.append(" and " + row + ".resource_pid " + (backwards ? "< " : "> ")).param(after);
            }
            sql.append(" order by " + SearchSql.walkOrder(indexWalk(request), row, backwards)).append(" limit ").param(wanted);
            int read = 0;
            try (PreparedStatement statement = prepare(connection, sql); ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    read++;
                    after = result.getLong(1);
                    pids.add(after); // a resource with several matching values yields several rows
                }
            }
            if (read < wanted) {
                break;
            }
        }
        if (counting) {
            walked[0] = pids.size();
        }
        List<Long> page = new ArrayList<>(pids).subList(0, Math.min(pids.size(), request.count() + 1));
        List<Row> rows = new ArrayList<>();
        for (PagedVersion version : load(connection, new java.util.LinkedHashSet<>(page))) {
            rows.add(new Row(version, List.of()));
        }
        if (backwards) {
            Collections.reverse(rows);
        }
        return rows;
    }

    private List<Row> page(Connection connection, SearchRequest request, String baseUrl, SearchCursor cursor, boolean backwards)
            throws SQLException {
        List<SortKey> keys = request.sort();
        // the page is chosen on pids and sort keys alone, and only its resources' bodies are read: a sort
        // over every Observation otherwise carried 100,000 bodies through H2's sort (into temporary files)
        Sql sql = new Sql().append("select r.pid");
        for (SortKey key : keys) {
            sql.append(", ");
            keyExpression(sql, request.type(), key);
        }
        sql.append(" from ");
        fromWhere(connection, sql, request, baseUrl);
        if (cursor != null) {
            if (!fits(cursor, keys)) {
                throw io.hepatrial.fhir.FhirException.badRequest("_cursor does not belong to this _sort");
            }
            sql.append(" and ");
            cursorCondition(sql, request.type(), keys, cursor, 0, backwards);
        }
        sql.append(" order by ");
        for (SortKey key : keys) {
            keyExpression(sql, request.type(), key);
            boolean descending = key.descending() != backwards;
            sql.append(descending ? " desc" : " asc").append(backwards ? " nulls first, " : " nulls last, ");
        }
        sql.append(backwards ? "r.pid desc" : "r.pid asc");
        sql.append(" limit ").param(request.count() + 1);

        Map<Long, List<Object>> keyValues = new java.util.LinkedHashMap<>();
        try (PreparedStatement statement = prepare(connection, sql); ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                List<Object> values = new ArrayList<>();
                for (int i = 0; i < keys.size(); i++) {
                    values.add(keyValue(result, 2 + i, keys.get(i)));
                }
                keyValues.put(result.getLong(1), values);
            }
        }
        Map<Long, PagedVersion> versions = new java.util.HashMap<>();
        for (PagedVersion version : load(connection, keyValues.keySet())) {
            versions.put(version.pid(), version);
        }
        List<Row> rows = new ArrayList<>();
        keyValues.forEach((pid, values) -> {
            if (versions.containsKey(pid)) { // not when deleted between the two reads
                rows.add(new Row(versions.get(pid), values));
            }
        });
        return rows;
    }

    /**
     * Rows after (or, backwards, before) the cursor in the forward order, where every key sorts
     * nulls last and ties are broken by pid.
     */
    private void cursorCondition(Sql sql, String type, List<SortKey> keys, SearchCursor cursor, int index, boolean backwards) {
        if (index == keys.size()) {
            sql.append(backwards ? "r.pid < " : "r.pid > ").param(cursor.pid());
            return;
        }
        SortKey key = keys.get(index);
        Object value = bindable(cursor.keys().get(index));
        sql.append("(");
        if (!backwards) {
            if (value == null) {
                keyExpression(sql, type, key);
                sql.append(" is null and ");
                cursorCondition(sql, type, keys, cursor, index + 1, false);
            } else {
                keyExpression(sql, type, key);
                sql.append(key.descending() ? " < " : " > ").param(value).append(" or ");
                keyExpression(sql, type, key);
                sql.append(" is null or (");
                keyExpression(sql, type, key);
                sql.append(" = ").param(value).append(" and ");
                cursorCondition(sql, type, keys, cursor, index + 1, false);
                sql.append(")");
            }
        } else {
            if (value == null) {
                keyExpression(sql, type, key);
                sql.append(" is not null or ");
                cursorCondition(sql, type, keys, cursor, index + 1, true);
            } else {
                keyExpression(sql, type, key);
                sql.append(key.descending() ? " > " : " < ").param(value).append(" or (");
                keyExpression(sql, type, key);
                sql.append(" = ").param(value).append(" and ");
                cursorCondition(sql, type, keys, cursor, index + 1, true);
                sql.append(")");
            }
        }
        sql.append(")");
    }

    /** Whether a cursor's key values have the kinds the sort keys produce (a forged cursor must not reach SQL). */
    private static boolean fits(SearchCursor cursor, List<SortKey> keys) {
        if (cursor.keys().size() != keys.size()) {
            return false;
        }
        for (int i = 0; i < keys.size(); i++) {
            Object value = cursor.keys().get(i);
            SearchParameterDefinition param = keys.get(i).param();
            Class<?> expected = param.name().equals("_lastUpdated") || param.kind() == RestSearchParameterTypeEnum.DATE ? Instant.class
                    : !param.name().equals("_id") && (param.kind() == RestSearchParameterTypeEnum.NUMBER
                            || param.kind() == RestSearchParameterTypeEnum.QUANTITY) ? BigDecimal.class : String.class;
            if (value != null && !expected.isInstance(value)) {
                return false;
            }
        }
        return true;
    }

    /** The SQL value one resource sorts by for a key: its smallest (ascending) or largest value. */
    private static void keyExpression(Sql sql, String type, SortKey key) {
        SearchParameterDefinition param = key.param();
        if (param.name().equals("_id")) {
            sql.append("r.res_id");
            return;
        }
        if (param.name().equals("_lastUpdated")) {
            sql.append("r.last_updated");
            return;
        }
        String value = switch (param.kind()) {
            case TOKEN -> "x.code";
            case STRING -> "x.value_normalized";
            case DATE -> "x.low_value";
            case NUMBER -> "x.value_number";
            // in canonical UCUM units when it has them, as search compares (3.6 g/dL sorts above 23 g/L)
            case QUANTITY -> "coalesce(x.canonical_value, x.value_number)";
            case REFERENCE -> "x.target_id";
            case URI -> "x.uri";
            default -> throw new IllegalArgumentException("Cannot sort by " + param.kind());
        };
        sql.append("(select " + (key.descending() ? "max" : "min") + "(" + value + ") from " + SearchSql.table(param)
                + " x where x.resource_pid = r.pid and x.res_type = ").param(type).append(" and ");
        SearchSql.rowsOf(sql, "x", param).append(")");
    }

    private static Object keyValue(ResultSet result, int column, SortKey key) throws SQLException {
        SearchParameterDefinition param = key.param();
        if (param.name().equals("_lastUpdated") || param.kind() == RestSearchParameterTypeEnum.DATE) {
            OffsetDateTime time = result.getObject(column, OffsetDateTime.class);
            return time == null ? null : time.toInstant();
        }
        if (!param.name().equals("_id")
                && (param.kind() == RestSearchParameterTypeEnum.NUMBER || param.kind() == RestSearchParameterTypeEnum.QUANTITY)) {
            BigDecimal number = result.getBigDecimal(column);
            return number == null ? null : number.stripTrailingZeros();
        }
        return result.getString(column);
    }

    private static Object bindable(Object value) {
        return value instanceof Instant instant ? io.hepatrial.fhir.search.IndexWriter.utc(instant) : value;
    }

    private List<StoredVersion> includes(Connection connection, SearchRequest request, List<Row> rows) throws SQLException {
        if (rows.isEmpty() || (request.includes().isEmpty() && request.revIncludes().isEmpty())) {
            return List.of();
        }
        Set<Long> seen = new LinkedHashSet<>();
        List<PagedVersion> frontier = new ArrayList<>();
        for (Row row : rows) {
            seen.add(row.version.pid);
            frontier.add(row.version);
        }
        Map<Long, StoredVersion> included = new LinkedHashMap<>();
        for (int round = 0; round <= MAX_ITERATIONS && !frontier.isEmpty(); round++) {
            boolean firstRound = round == 0;
            Set<Long> found = new LinkedHashSet<>();
            for (Include include : request.includes()) {
                if (firstRound || include.iterate()) {
                    found.addAll(forwardIncludes(connection, include, frontier));
                }
            }
            for (Include include : request.revIncludes()) {
                if (firstRound || include.iterate()) {
                    found.addAll(reverseIncludes(connection, include, frontier));
                }
            }
            found.removeAll(seen);
            seen.addAll(found);
            frontier = load(connection, found);
            for (PagedVersion version : frontier) {
                included.put(version.pid, version.stored());
            }
        }
        return new ArrayList<>(included.values());
    }

    private Set<Long> forwardIncludes(Connection connection, Include include, List<PagedVersion> from) throws SQLException {
        List<Long> pids = new ArrayList<>();
        for (PagedVersion version : from) {
            if (include.sourceType() == null || include.sourceType().equals(version.type)) {
                pids.add(version.pid);
            }
        }
        if (pids.isEmpty()) {
            return Set.of();
        }
        Sql sql = new Sql().append("select t.pid from search_reference i join resource t on t.res_type = i.target_type"
                + " and t.res_id = i.target_id where t.deleted = false and i.resource_pid in (").params(pids).append(")");
        if (include.sourceType() != null) {
            sql.append(" and i.res_type = ").param(include.sourceType());
        }
        if (include.param() != null) {
            SearchSql.rowsOf(sql.append(" and "), "i", include.param());
        }
        if (include.targetType() != null) {
            sql.append(" and i.target_type = ").param(include.targetType());
        }
        return pids(connection, sql);
    }

    private Set<Long> reverseIncludes(Connection connection, Include include, List<PagedVersion> from) throws SQLException {
        Map<String, List<String>> idsByType = new LinkedHashMap<>();
        for (PagedVersion version : from) {
            if (include.targetType() == null || include.targetType().equals(version.type)) {
                idsByType.computeIfAbsent(version.type, t -> new ArrayList<>()).add(version.id);
            }
        }
        Set<Long> result = new LinkedHashSet<>();
        for (Map.Entry<String, List<String>> entry : idsByType.entrySet()) {
            Sql sql = new Sql().append("select s.pid from search_reference i join resource s on s.pid = i.resource_pid"
                    + " where s.deleted = false and i.target_type = ").param(entry.getKey())
                    .append(" and i.target_id in (").params(entry.getValue()).append(")");
            if (include.sourceType() != null) {
                sql.append(" and i.res_type = ").param(include.sourceType());
            }
            if (include.param() != null) {
                SearchSql.rowsOf(sql.append(" and "), "i", include.param());
            }
            result.addAll(pids(connection, sql));
        }
        return result;
    }

    private List<PagedVersion> load(Connection connection, Set<Long> pids) throws SQLException {
        if (pids.isEmpty()) {
            return List.of();
        }
        Sql sql = new Sql().append("select r.pid, r.res_type, r.res_id, r.version, r.last_updated, r.body from resource r where r.pid in (")
                .params(new ArrayList<>(pids)).append(") order by r.pid");
        List<PagedVersion> versions = new ArrayList<>();
        try (PreparedStatement statement = prepare(connection, sql); ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                versions.add(version(result));
            }
        }
        return versions;
    }

    private static Set<Long> pids(Connection connection, Sql sql) throws SQLException {
        Set<Long> pids = new LinkedHashSet<>();
        try (PreparedStatement statement = prepare(connection, sql); ResultSet result = statement.executeQuery()) {
            while (result.next()) {
                pids.add(result.getLong(1));
            }
        }
        return pids;
    }

    private static PagedVersion version(ResultSet result) throws SQLException {
        OffsetDateTime lastUpdated = result.getObject(5, OffsetDateTime.class);
        return new PagedVersion(result.getLong(1), result.getString(2), result.getString(3), result.getLong(4),
                lastUpdated.toInstant(), result.getBytes(6));
    }

    static PreparedStatement prepare(Connection connection, Sql sql) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql.toString());
        for (int i = 0; i < sql.params.size(); i++) {
            statement.setObject(i + 1, sql.params.get(i));
        }
        return statement;
    }

    /** A current version as read for a search, with its row id for paging. */
    private record PagedVersion(long pid, String type, String id, long version, Instant lastUpdated, byte[] body) {

        StoredVersion stored() {
            return new StoredVersion(type, id, version, lastUpdated, null, body);
        }
    }

    private record Row(PagedVersion version, List<Object> keys) {
    }
}
