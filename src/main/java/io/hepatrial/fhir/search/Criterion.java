package io.hepatrial.fhir.search;

import java.util.List;
import java.util.Map;

/** One AND-ed condition of a search; its values (comma-separated in the URL) are OR-ed. */
public sealed interface Criterion {

    /**
     * A parameter of the searched type.
     *
     * @param modifier null, or the modifier after ':' (missing, not, exact, contains, text, below,
     *                 above, or a resource type for references)
     */
    record Param(SearchParameterDefinition param, String modifier, List<String> values) implements Criterion {
    }

    /** A chained parameter, {@code subject.identifier=…}: per target type, the condition on the target. */
    record Chain(SearchParameterDefinition reference, Map<String, Criterion> targetConditions) implements Criterion {
    }

    /** A reverse chain, {@code _has:ResearchSubject:individual:study=…}: resources that such resources point to. */
    record Has(String sourceType, SearchParameterDefinition reference, Criterion sourceCondition) implements Criterion {
    }
}
