package io.hepatrial.fhir.search;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.model.api.IQueryParameterType;
import ca.uhn.fhir.rest.param.DateParam;
import ca.uhn.fhir.rest.param.NumberParam;
import ca.uhn.fhir.rest.param.ParamPrefixEnum;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.param.QuantityParam;
import io.hepatrial.fhir.FhirException;

/**
 * Writes the SQL condition of search criteria over the index tables, following search.html for
 * each kind of parameter, prefix and modifier. A condition is about one row of {@code resource}
 * (an alias); chains and reverse chains nest sub-selects with aliases of their own.
 */
final class SearchSql {

    private final FhirContext fhirContext;
    private final UcumUnits ucum;
    /** The server's own base URL: absolute references to it are matched as relative ones. */
    private final String baseUrl;
    private final boolean pidIndexHints;
    private int aliases;

    /**
     * @param pidIndexHints name the index on resource_pid in every correlated sub-select (H2): H2 otherwise
     *                      probed a table's value index when its leading columns matched, and when a column before
     *                      resource_pid was open (a token without its system) it read the whole value range per
     *                      candidate: {@code Observation?category=laboratory&_sort=-date} over 100,000 labs ran
     *                      past the 60 s timeout, and takes seconds with the hint
     */
    SearchSql(FhirContext fhirContext, UcumUnits ucum, String baseUrl, boolean pidIndexHints) {
        this.fhirContext = fhirContext;
        this.ucum = ucum;
        this.baseUrl = baseUrl;
        this.pidIndexHints = pidIndexHints;
    }

    /**
     * "[table] [row]", and for a correlated sub-select on H2 the hint to look rows up by resource_pid,
     * unless the criterion pins the value index down to resource_pid (one lookup there is cheaper).
     */
    private String probed(String table, String row, boolean driving, Criterion.Param criterion) {
        boolean hint = pidIndexHints && !driving && (criterion == null || !pinsValueIndex(criterion));
        return table + " " + row + (hint ? " use index (ix_" + table + "_pid)" : "");
    }

    /**
     * Appends the condition that the resource row {@code alias} (of {@code type}) meets the criterion.
     *
     * @param driving write it as {@code IN (sub-select)}, which lets the database start from the
     *                index rows; otherwise as a correlated {@code EXISTS}, checked per candidate row
     *                (the cheaper form for every criterion after the most selective one)
     */
    void condition(Sql sql, String type, Target target, Criterion criterion, boolean driving) {
        if (criterion instanceof Criterion.Param param) {
            paramCondition(sql, type, target, param, driving);
        } else if (criterion instanceof Criterion.Chain chain) {
            chainCondition(sql, type, target, chain, driving);
        } else {
            hasCondition(sql, type, target, (Criterion.Has) criterion, driving);
        }
    }

    /**
     * The SQL expressions of the resource a condition is about: its pid, and (when the condition is
     * about a resource row rather than an index row) its id and lastUpdated; null when not at hand.
     */
    record Target(String pid, String resId, String lastUpdated, PidBound bound) {

        Target(String pid, String resId, String lastUpdated) {
            this(pid, resId, lastUpdated, null);
        }

        static Target resource(String alias) {
            return new Target(alias + ".pid", alias + ".res_id", alias + ".last_updated");
        }
    }

    /**
     * Where a page's keyset cursor puts the candidates' pids (above {@code pid}, or below it): repeated
     * in each correlated sub-select, which it changes nothing in (the sub-select's pid equals the
     * candidate's) but tells the planner. PostgreSQL otherwise merges the candidates with a criterion's
     * rows read in pid order from the very first one: a deep page cost as much as reading the index up
     * to it (19 ms at page 130 of 170, 0.8 ms with the bound). Used on PostgreSQL only (SearchEngine).
     */
    record PidBound(long pid, boolean below) {
    }

    /** " and [row].resource_pid > cursor" (or "<") when the target carries a bound and the sub-select is correlated. */
    private static void repeatCursor(Sql sql, Target on, boolean driving, String row) {
        if (!driving && on.bound() != null) {
            sql.append(" and " + row + ".resource_pid " + (on.bound().below() ? "< " : "> ")).param(on.bound().pid());
        }
    }

    /** Whether a condition can be checked knowing only the resource's pid (not its id or lastUpdated). */
    static boolean needsOnlyPid(Criterion criterion) {
        return criterion instanceof Criterion.Chain
                || (criterion instanceof Criterion.Param p && !p.param().isResourceColumn());
    }

    /** Opens "column [not] in (select selected" or "[not] exists (select 1", for a sub-select. */
    private static void open(Sql sql, boolean driving, boolean negated, String column, String selected) {
        if (driving) {
            sql.append(column + (negated ? " not in" : " in") + " (select " + selected);
        } else {
            sql.append((negated ? "not exists" : "exists") + " (select 1");
        }
    }

    /** The correlation of a non-driving sub-select: " and selected = column", or nothing. */
    private static String correlate(boolean driving, String column, String selected) {
        return driving ? "" : " and " + selected + " = " + column;
    }

    /** "Type/id": a relative reference whose parts fit the index columns (and SQL literals) as they are. */
    private static final java.util.regex.Pattern RELATIVE_REFERENCE = java.util.regex.Pattern.compile("[A-Za-z]+/[A-Za-z0-9\\-.]{1,64}");

    /** How selective a criterion is likely to be: the most selective drives the query. */
    static int selectivityRank(Criterion criterion) {
        if (criterion instanceof Criterion.Chain) {
            return 3;
        }
        if (criterion instanceof Criterion.Has) {
            return 2;
        }
        Criterion.Param param = (Criterion.Param) criterion;
        if ("missing".equals(param.modifier()) || "not".equals(param.modifier())) {
            return 9;
        }
        String name = param.param().name();
        if (name.equals("_id")) {
            return 0;
        }
        return switch (param.param().kind()) {
            case REFERENCE -> 1;
            case TOKEN -> name.equals("identifier") ? 1 : 4;
            case STRING, URI -> 5;
            case QUANTITY, NUMBER -> 6;
            default -> 7;
        };
    }

    private void chainCondition(Sql sql, String type, Target on, Criterion.Chain chain, boolean driving) {
        String ref = newAlias("ref");
        String target = newAlias("t");
        open(sql, driving, false, on.pid(), ref + ".resource_pid");
        sql.append(" from " + probed("search_reference", ref, driving, null) + " join resource " + target
                + " on " + target + ".res_type = " + ref + ".target_type and " + target + ".res_id = " + ref + ".target_id where "
                + ref + ".res_type = ").param(type).append(" and ");
        rowsOf(sql, ref, chain.reference()).append(correlate(driving, on.pid(), ref + ".resource_pid"));
        repeatCursor(sql, on, driving, ref);
        sql.append(" and " + target + ".deleted = false and (");
        boolean first = true;
        for (var entry : chain.targetConditions().entrySet()) {
            sql.append(first ? "(" : " or (");
            first = false;
            sql.append(target + ".res_type = ").param(entry.getKey()).append(" and ");
            // correlated (an index probe per referenced row): H2 runs an IN sub-select nested in another one
            // per outer row, and a chain over thousands of rows then took minutes (found by SeededFuzzTest)
            condition(sql, entry.getKey(), Target.resource(target), entry.getValue(), false);
            sql.append(")");
        }
        sql.append("))");
    }

    private void hasCondition(Sql sql, String type, Target on, Criterion.Has has, boolean driving) {
        String ref = newAlias("ref");
        String source = newAlias("s");
        // Always correlated (an index probe on the reference's target per candidate): as "res_id in (sub-select)"
        // H2 ran the sub-select per candidate, and _has over a few thousand resources took minutes (SeededFuzzTest).
        boolean asIn = false;
        open(sql, asIn, false, on.resId(), ref + ".target_id");
        sql.append(" from search_reference " + ref + " join resource " + source
                + " on " + source + ".pid = " + ref + ".resource_pid where " + ref + ".res_type = ").param(has.sourceType())
                .append(" and ");
        rowsOf(sql, ref, has.reference());
        sql.append(" and " + ref + ".target_type = ").param(type)
                .append(correlate(asIn, on.resId(), ref + ".target_id"))
                .append(" and " + source + ".deleted = false and ");
        // correlated, as in chainCondition: a nested IN sub-select made _has take minutes on H2
        condition(sql, has.sourceType(), Target.resource(source), has.sourceCondition(), false);
        sql.append(")");
    }

    private void paramCondition(Sql sql, String type, Target on, Criterion.Param criterion, boolean driving) {
        SearchParameterDefinition param = criterion.param();
        String modifier = criterion.modifier();
        if (param.isResourceColumn()) {
            resourceColumnCondition(sql, on, criterion);
            return;
        }
        String table = table(param);
        String row = newAlias("i");
        if ("missing".equals(modifier)) {
            // OR of true and false matches everything
            if (criterion.values().contains("true") && criterion.values().contains("false")) {
                sql.append("1 = 1");
                return;
            }
            boolean missing = criterion.values().contains("true");
            open(sql, driving, missing, on.pid(), row + ".resource_pid");
            sql.append(" from " + probed(table, row, driving, criterion) + " where " + row + ".res_type = ").param(type).append(" and ");
            rowsOf(sql, row, param).append(correlate(driving, on.pid(), row + ".resource_pid"));
            repeatCursor(sql, on, driving, row);
            sql.append(")");
            return;
        }
        boolean negated = "not".equals(modifier);
        open(sql, driving, negated, on.pid(), row + ".resource_pid");
        sql.append(" from " + probed(table, row, driving, criterion) + " where " + row + ".res_type = ").param(type).append(" and ");
        rowsOf(sql, row, param).append(correlate(driving, on.pid(), row + ".resource_pid"));
        repeatCursor(sql, on, driving, row);
        valuesCondition(sql, row, criterion, driving);
        sql.append(")");
    }

    /**
     * The index rows of a positive criterion on a parameter, as "from [table] [row] where …" with
     * the row's alias returned: the start of a search that walks one index in pid order.
     */
    void indexScan(Sql sql, String type, Criterion.Param criterion, String row) {
        sql.append(" from " + table(criterion.param()) + " " + row + " where " + row + ".res_type = ").param(type).append(" and ");
        rowsOf(sql, row, criterion.param());
        valuesCondition(sql, row, criterion, true);
    }

    /**
     * "[row].param = ?", or for a parameter answered by others' rows (SearchParameterDefinition.storedAs)
     * "[row].param in (?, …)", and "[row].target_type = ?" when only their references to one type count.
     */
    static Sql rowsOf(Sql sql, String row, SearchParameterDefinition param) {
        List<String> names = param.rowNames();
        if (names.size() == 1) {
            sql.append(row + ".param = ").param(names.get(0));
        } else {
            sql.append(row + ".param in (").params(names).append(")");
        }
        if (param.onlyReferencesTo() != null) {
            sql.append(" and " + row + ".target_type = ").param(param.onlyReferencesTo());
        }
        return sql;
    }

    /**
     * The ORDER BY of an index walk: pid order. When the walked value fixes every index column before
     * resource_pid (one token system|code, one reference Type/id), those columns are named too: the
     * order is the same, but H2 then sees that the index is already in that order and stops after
     * one page instead of sorting every match.
     */
    static String walkOrder(Criterion.Param criterion, String row, boolean descending) {
        String direction = descending ? " desc" : "";
        String prefix = !pinsValueIndex(criterion) ? ""
                : criterion.param().kind() == RestSearchParameterTypeEnum.TOKEN ? "res_type, param, code, system"
                : "target_id, target_type, res_type, param";
        StringBuilder order = new StringBuilder();
        for (String column : prefix.isEmpty() ? new String[0] : prefix.split(", ")) {
            order.append(row).append('.').append(column).append(direction).append(", ");
        }
        return order.append(row).append(".resource_pid").append(direction).toString();
    }

    /** Whether the criterion fixes every column of its value index before resource_pid: one token system|code, one reference Type/id. */
    static boolean pinsValueIndex(Criterion.Param criterion) {
        List<String> values = criterion.values();
        if (values.size() != 1 || criterion.modifier() != null || criterion.param().rowNames().size() != 1) {
            return false;
        }
        if (criterion.param().kind() == RestSearchParameterTypeEnum.TOKEN) {
            int bar = unescapedBar(values.get(0));
            return bar > 0 && bar < values.get(0).length() - 1;
        }
        return criterion.param().kind() == RestSearchParameterTypeEnum.REFERENCE
                && RELATIVE_REFERENCE.matcher(unescape(values.get(0))).matches();
    }

    /**
     * " and (value 1 or value 2 …)" over the index row. Where the criterion drives the search, plain
     * value lists become IN lists the database probes its value index with; where it is checked per
     * resource (EXISTS by pid), they stay ORs, so the database keeps to the pid index there.
     */
    private void valuesCondition(Sql sql, String row, Criterion.Param criterion, boolean driving) {
        if (driving && criterion.values().size() > 1 && criterion.modifier() == null && valueListCondition(sql, row, criterion)) {
            return;
        }
        sql.append(" and (");
        List<String> values = criterion.values();
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sql.append(" or ");
            }
            sql.append("(");
            valueCondition(sql, row, criterion, values.get(i));
            sql.append(")");
        }
        sql.append(")");
    }

    /**
     * A list of plain values as IN lists the database can probe its index with (a long OR is checked
     * row by row): relative references of one type, and tokens system|code grouped by system.
     * Returns false, writing nothing, when the values are of another shape.
     */
    private static boolean valueListCondition(Sql sql, String row, Criterion.Param criterion) {
        RestSearchParameterTypeEnum kind = criterion.param().kind();
        if (kind == RestSearchParameterTypeEnum.REFERENCE) {
            String type = null;
            List<String> ids = new java.util.ArrayList<>();
            for (String value : criterion.values()) {
                String reference = unescape(value);
                if (!RELATIVE_REFERENCE.matcher(reference).matches() || (type != null && !reference.startsWith(type + "/"))) {
                    return false;
                }
                type = reference.substring(0, reference.indexOf('/'));
                ids.add(reference.substring(reference.indexOf('/') + 1));
            }
            sql.append(" and " + row + ".target_id in (").literals(ids).append(") and " + row + ".target_type = ").param(type);
            return true;
        }
        if (kind == RestSearchParameterTypeEnum.TOKEN) {
            Map<String, List<String>> codesBySystem = new java.util.LinkedHashMap<>();
            for (String value : criterion.values()) {
                int bar = unescapedBar(value);
                if (bar <= 0 || bar == value.length() - 1) {
                    return false;
                }
                codesBySystem.computeIfAbsent(unescape(value.substring(0, bar)), k -> new java.util.ArrayList<>())
                        .add(unescape(value.substring(bar + 1)));
            }
            sql.append(" and (");
            boolean first = true;
            for (Map.Entry<String, List<String>> system : codesBySystem.entrySet()) {
                sql.append(first ? "" : " or ").append("(" + row + ".code in (").literals(system.getValue())
                        .append(") and " + row + ".system = ").param(system.getKey()).append(")");
                first = false;
            }
            sql.append(")");
            return true;
        }
        return false;
    }

    private void valueCondition(Sql sql, String row, Criterion.Param criterion, String value) {
        String modifier = criterion.modifier();
        switch (criterion.param().kind()) {
            case TOKEN -> tokenCondition(sql, row, "", modifier, value);
            case COMPOSITE -> compositeCondition(sql, row, criterion, value);
            case STRING -> stringCondition(sql, row, modifier, value);
            case DATE -> {
                DateParam date = parse(new DateParam(), criterion, value);
                FhirDates.Range range = FhirDates.range(date.getValueAsString());
                if (range == null) {
                    throw FhirException.badRequest(criterion.param().name() + "=" + value + ": not a FHIR date");
                }
                dateCondition(sql, row + ".low_value", row + ".high_value", false, date.getPrefix(), range);
            }
            case NUMBER -> {
                NumberParam number = parse(new NumberParam(), criterion, value);
                numberCondition(sql, row + ".value_number", number.getPrefix(), number.getValue());
            }
            case QUANTITY -> quantityCondition(sql, row, parse(new QuantityParam(), criterion, value));
            case REFERENCE -> referenceCondition(sql, row, criterion, value);
            case URI -> uriCondition(sql, row, modifier, unescape(value));
            default -> throw FhirException.badRequest(criterion.param().name() + " cannot be searched here");
        }
    }

    /** "code$value": the token in the c1_ columns, the second value as its own kind (search.html#composite). */
    private void compositeCondition(Sql sql, String row, Criterion.Param criterion, String value) {
        int dollar = unescapedIndex(value, '$');
        if (dollar <= 0 || dollar == value.length() - 1) {
            throw FhirException.badRequest(criterion.param().name() + "=" + value + ": a composite value is [token]$[value]");
        }
        SearchParameterDefinition.Composite composite = criterion.param().composite();
        tokenCondition(sql, row, "c1_", null, value.substring(0, dollar));
        sql.append(" and ");
        String second = value.substring(dollar + 1);
        valueCondition(sql, row, new Criterion.Param(composite.second(), null, List.of(second)), second);
    }

    /** A token condition over the columns {@code [row].[prefix]system}, {@code …code} and {@code …display}. */
    private static void tokenCondition(Sql sql, String row, String prefix, String modifier, String value) {
        String system = row + "." + prefix + "system";
        String code = row + "." + prefix + "code";
        if ("text".equals(modifier)) {
            sql.append("lower(" + row + "." + prefix + "display) like ")
                    .param("%" + escapeLike(unescape(value).toLowerCase(java.util.Locale.ROOT)) + "%").append(" escape '\\'");
            return;
        }
        int bar = unescapedBar(value);
        if (bar < 0) {
            sql.append(code + " = ").param(unescape(value));
            return;
        }
        String systemValue = unescape(value.substring(0, bar));
        String codeValue = unescape(value.substring(bar + 1));
        if (systemValue.isEmpty()) {
            sql.append(system + " is null and " + code + " = ").param(codeValue); // |code: no system
        } else if (codeValue.isEmpty()) {
            sql.append(system + " = ").param(systemValue); // system|: any code of the system
        } else {
            sql.append(code + " = ").param(codeValue).append(" and " + system + " = ").param(systemValue);
        }
    }

    private static void stringCondition(Sql sql, String row, String modifier, String value) {
        String text = unescape(value);
        if ("exact".equals(modifier)) {
            sql.append(row + ".value_exact = ").param(text);
        } else if ("contains".equals(modifier)) {
            sql.append(row + ".value_normalized like ").param("%" + escapeLike(IndexExtractor.normalize(text)) + "%")
                    .append(" escape '\\'");
        } else {
            sql.append(row + ".value_normalized like ").param(escapeLike(IndexExtractor.normalize(text)) + "%")
                    .append(" escape '\\'");
        }
    }

    /**
     * Date comparison of search.html#prefix: the target is the row's range [low, high), the search
     * value the range its precision covers. {@code point} means the column holds an instant (low = high).
     */
    private static void dateCondition(Sql sql, String low, String high, boolean point, ParamPrefixEnum prefix,
            FhirDates.Range range) {
        Object ql = IndexWriter.utc(range.low());
        Object qh = IndexWriter.utc(range.high());
        // "the target range lies within the search range"
        Runnable within = () -> sql.append("(" + low + " >= ").param(ql).append(" and " + high + (point ? " < " : " <= ")).param(qh).append(")");
        switch (prefix == null ? ParamPrefixEnum.EQUAL : prefix) {
            case EQUAL -> within.run();
            case NOT_EQUAL -> {
                sql.append("not ");
                within.run();
            }
            case GREATERTHAN -> sql.append(high + (point ? " >= " : " > ")).param(qh);
            case LESSTHAN -> sql.append(low + " < ").param(ql);
            case GREATERTHAN_OR_EQUALS -> {
                sql.append("(" + high + (point ? " >= " : " > ")).param(qh).append(" or ");
                within.run();
                sql.append(")");
            }
            case LESSTHAN_OR_EQUALS -> {
                sql.append("(" + low + " < ").param(ql).append(" or ");
                within.run();
                sql.append(")");
            }
            case STARTS_AFTER -> sql.append(low + " >= ").param(qh);
            case ENDS_BEFORE -> sql.append(high + (point ? " < " : " <= ")).param(ql);
            case APPROXIMATE -> {
                // within 10% of the distance between the value and now, on either side
                Duration slack = Duration.between(range.low(), Instant.now()).abs().dividedBy(10);
                sql.append("(" + low + " < ").param(IndexWriter.utc(range.high().plus(slack)))
                        .append(" and " + high + (point ? " >= " : " > ")).param(IndexWriter.utc(range.low().minus(slack))).append(")");
            }
        }
    }

    void lastUpdatedCondition(Sql sql, String column, DateParam date) {
        FhirDates.Range range = FhirDates.range(date.getValueAsString());
        if (range == null) {
            throw FhirException.badRequest("_lastUpdated=" + date.getValueAsString() + ": not a FHIR date");
        }
        dateCondition(sql, column, column, true, date.getPrefix(), range);
    }

    /** Number comparison: eq means within the value's implicit precision (100 matches [99.5, 100.5)). */
    private static void numberCondition(Sql sql, String column, ParamPrefixEnum prefix, BigDecimal value) {
        requireFitsIndex(value);
        BigDecimal half = halfPrecision(value);
        rangeCondition(sql, column, prefix, value, value.subtract(half), value.add(half));
    }

    /** Out of the index's range no stored number can match; refused before any arithmetic on it (1e999999999). */
    private static void requireFitsIndex(BigDecimal value) {
        if (value != null && !IndexWriter.fitsIndex(value)) {
            throw FhirException.badRequest("The number " + value.toString().substring(0, Math.min(40, value.toString().length()))
                    + " is out of range: at most " + IndexWriter.MAX_INTEGER_DIGITS + " digits before the point and "
                    + IndexWriter.MAX_SCALE + " after it");
        }
    }

    private static BigDecimal halfPrecision(BigDecimal value) {
        return BigDecimal.ONE.movePointLeft(Math.max(value.scale(), 0)).divide(BigDecimal.valueOf(2));
    }

    /** Compares a number column with a value known to lie within [low, high) (its precision). */
    private static void rangeCondition(Sql sql, String column, ParamPrefixEnum prefix, BigDecimal value, BigDecimal low,
            BigDecimal high) {
        switch (prefix == null ? ParamPrefixEnum.EQUAL : prefix) {
            case EQUAL -> sql.append("(" + column + " >= ").param(IndexWriter.scaled(low)).append(" and " + column + " < ")
                    .param(IndexWriter.scaled(high)).append(")");
            case NOT_EQUAL -> sql.append("(" + column + " < ").param(IndexWriter.scaled(low)).append(" or " + column + " >= ")
                    .param(IndexWriter.scaled(high)).append(")");
            case GREATERTHAN, STARTS_AFTER -> sql.append(column + " > ").param(IndexWriter.scaled(value));
            case LESSTHAN, ENDS_BEFORE -> sql.append(column + " < ").param(IndexWriter.scaled(value));
            case GREATERTHAN_OR_EQUALS -> sql.append(column + " >= ").param(IndexWriter.scaled(value));
            case LESSTHAN_OR_EQUALS -> sql.append(column + " <= ").param(IndexWriter.scaled(value));
            case APPROXIMATE -> {
                BigDecimal slack = value.abs().divide(BigDecimal.TEN);
                sql.append("(" + column + " >= ").param(IndexWriter.scaled(value.subtract(slack)))
                        .append(" and " + column + " <= ").param(IndexWriter.scaled(value.add(slack))).append(")");
            }
        }
    }

    /** Quantities: in canonical UCUM units when the search names a UCUM unit, else as stored. */
    private void quantityCondition(Sql sql, String row, QuantityParam quantity) {
        String system = quantity.getSystem();
        String code = quantity.getUnits();
        BigDecimal value = quantity.getValue();
        if (value == null) {
            throw FhirException.badRequest("A quantity search needs a number: " + quantity.getValueAsQueryToken(fhirContext));
        }
        requireFitsIndex(value);
        UcumUnits.Canonical canonical = UcumUnits.UCUM_SYSTEM.equals(system) ? ucum.canonical(value, code) : null;
        if (canonical != null) {
            // the value's precision range, converted like the value itself
            BigDecimal half = halfPrecision(value);
            UcumUnits.Canonical low = ucum.canonical(value.subtract(half), code);
            UcumUnits.Canonical high = ucum.canonical(value.add(half), code);
            sql.append(row + ".canonical_code = ").param(canonical.code()).append(" and ");
            rangeCondition(sql, row + ".canonical_value", quantity.getPrefix(), canonical.value(), low.value(), high.value());
            return;
        }
        if (system != null && !system.isEmpty()) {
            sql.append(row + ".system = ").param(system).append(" and ");
        }
        if (code != null && !code.isEmpty()) {
            sql.append(row + ".code = ").param(code).append(" and ");
        }
        numberCondition(sql, row + ".value_number", quantity.getPrefix(), value);
    }

    private void referenceCondition(Sql sql, String row, Criterion.Param criterion, String value) {
        String reference = unescape(value);
        String modifier = criterion.modifier();
        String typeModifier = modifier != null && !modifier.equals("not") ? modifier : null;
        if (reference.startsWith("http://") || reference.startsWith("https://")) {
            if (baseUrl != null && reference.startsWith(baseUrl + "/")) {
                reference = reference.substring(baseUrl.length() + 1);
            } else {
                sql.append(row + ".target_id = ").param(reference); // an absolute reference's URL is its target_id (V7)
                return;
            }
        }
        String[] parts = reference.split("/");
        if (parts.length >= 2) {
            String type = parts[parts.length >= 4 && parts[parts.length - 2].equals("_history") ? parts.length - 4 : 0];
            String id = parts[parts.length >= 4 && parts[parts.length - 2].equals("_history") ? parts.length - 3 : 1];
            if (typeModifier != null && !typeModifier.equals(type)) {
                sql.append("1 = 0");
                return;
            }
            sql.append(row + ".target_id = ").param(id).append(" and " + row + ".target_type = ").param(type);
        } else if (typeModifier != null) {
            sql.append(row + ".target_id = ").param(reference).append(" and " + row + ".target_type = ").param(typeModifier);
        } else {
            sql.append(row + ".target_id = ").param(reference);
        }
    }

    private static void uriCondition(Sql sql, String row, String modifier, String uri) {
        if ("below".equals(modifier)) {
            sql.append(row + ".uri like ").param(escapeLike(uri) + "%").append(" escape '\\'");
        } else if ("above".equals(modifier)) {
            sql.append("? like " + row + ".uri || '%'");
            sql.params.add(uri);
        } else {
            sql.append(row + ".uri = ").param(uri);
        }
    }

    private void resourceColumnCondition(Sql sql, Target on, Criterion.Param criterion) {
        String name = criterion.param().name();
        if ("missing".equals(criterion.modifier())) {
            // every stored resource has an id and a lastUpdated
            sql.append(criterion.values().contains("false") ? "1 = 1" : "1 = 0");
            return;
        }
        if (name.equals("_id")) {
            List<String> ids = criterion.values().stream().map(SearchSql::unescape).toList();
            sql.append(on.resId() + " " + ("not".equals(criterion.modifier()) ? "not in" : "in") + " (").params(ids).append(")");
            return;
        }
        sql.append("(");
        for (int i = 0; i < criterion.values().size(); i++) {
            if (i > 0) {
                sql.append(" or ");
            }
            lastUpdatedCondition(sql, on.lastUpdated(), parse(new DateParam(), criterion, criterion.values().get(i)));
        }
        sql.append(")");
    }

    private <T extends IQueryParameterType> T parse(T param, Criterion.Param criterion, String value) {
        try {
            param.setValueAsQueryToken(fhirContext, criterion.param().name(), null, value);
            return param;
        } catch (RuntimeException e) {
            throw FhirException.badRequest("Invalid value for " + criterion.param().name() + " ("
                    + criterion.param().kind().getCode() + "): " + value + " (" + e.getMessage() + ")");
        }
    }

    static String table(SearchParameterDefinition param) {
        return switch (param.kind()) {
            case TOKEN -> "search_token";
            case STRING -> "search_string";
            case DATE -> "search_date";
            case NUMBER -> "search_number";
            case QUANTITY -> "search_quantity";
            case REFERENCE -> "search_reference";
            case URI -> "search_uri";
            case COMPOSITE -> "search_composite";
            default -> throw new IllegalArgumentException("No index table for " + param.kind());
        };
    }

    String newAlias(String prefix) {
        return prefix + (++aliases);
    }

    static int unescapedBar(String value) {
        return unescapedIndex(value, '|');
    }

    private static int unescapedIndex(String value, char wanted) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == wanted) {
                return i;
            }
        }
        return -1;
    }

    /** Undoes search.html#escaping: \, \| \$ \\. */
    static String unescape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                out.append(value.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    static String escapeLike(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
