package io.hepatrial.fhir.search;

/**
 * Rewrites a token search value into the form the index holds, for values a layer above the core
 * normalizes on write (e.g. a trial registry number under one canonical system and spelling), so
 * every spelling a client may send finds what was stored. CDI beans; the parser applies them all.
 */
public interface TokenSearchNormalizer {

    /** The token as stored; the input itself when this normalizer has nothing to say about it. */
    Token normalize(SearchParameterDefinition param, Token token);

    /**
     * A token search value, unescaped.
     *
     * @param system null when the value had no '|', "" for "|code"
     * @param code   "" for "system|"
     */
    record Token(String system, String code) {

        static Token parse(String value) {
            int bar = SearchSql.unescapedBar(value);
            return bar < 0 ? new Token(null, SearchSql.unescape(value))
                    : new Token(SearchSql.unescape(value.substring(0, bar)), SearchSql.unescape(value.substring(bar + 1)));
        }

        String format() {
            return system == null ? escape(code) : escape(system) + "|" + escape(code);
        }

        private static String escape(String text) {
            return text.replace("\\", "\\\\").replace("|", "\\|").replace(",", "\\,").replace("$", "\\$");
        }
    }
}
