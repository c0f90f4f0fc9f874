package io.hepatrial.fhir.rest;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;

import io.hepatrial.fhir.FhirException;
import jakarta.inject.Singleton;

/**
 * What a request body must fit before any parser sees it: a size (413), a nesting depth and numbers
 * of a sane length and exponent (400, {@code too-costly}) and, for XML, no document type declaration
 * (400, {@code not-supported}).
 * The checks are linear scans of the text, so a hostile body costs no more than reading it: the
 * parsers, the validator and the FHIRPath index extraction all recurse over the tree, and a DTD is
 * how XML smuggles in external entities and entity expansion (FHIR XML never has one, xml.html).
 */
@Singleton
public class InputLimits {

    /** Longest number literal a body may have, and the largest exponent: beyond any decimal the search index holds. */
    static final int MAX_NUMBER_CHARS = 1100;
    static final int MAX_EXPONENT = 1000;

    private final int maxResourceChars;
    private final int maxDepth;

    public InputLimits(@ConfigProperty(name = "hepatrial.input.max-resource-chars") int maxResourceChars,
            @ConfigProperty(name = "hepatrial.input.max-depth") int maxDepth) {
        this.maxResourceChars = maxResourceChars;
        this.maxDepth = maxDepth;
    }

    /** A single resource's body (create, update, patch, $validate): 413 when longer than the limit. */
    public void requireResourceSize(String body) {
        if (body != null && body.length() > maxResourceChars) {
            throw new FhirException(413, IssueType.TOOLONG, "The request body has " + body.length()
                    + " characters; this server takes at most " + maxResourceChars
                    + " for one resource (hepatrial.input.max-resource-chars); send larger sets as a transaction Bundle");
        }
    }

    /** Refuses a body nested deeper than the limit, and XML with a DOCTYPE, before it is parsed. */
    public void requireAcceptableShape(String body, FhirFormat.Encoding encoding) {
        if (body == null) {
            return;
        }
        if (encoding == FhirFormat.Encoding.XML) {
            requireNoDoctype(body);
            requireDepth(xmlDepth(body, maxDepth));
            requireFhirNamespace(body);
        } else {
            requireDepth(jsonDepth(body, maxDepth));
            requireNoControlCharacters(body);
        }
    }

    private static final javax.xml.stream.XMLInputFactory XML = javax.xml.stream.XMLInputFactory.newFactory();

    static {
        XML.setProperty(javax.xml.stream.XMLInputFactory.SUPPORT_DTD, false);
        XML.setProperty(javax.xml.stream.XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    }

    /** xml.html: "FHIR elements are always in the namespace http://hl7.org/fhir" (HAPI's parser reads them without). */
    private static void requireFhirNamespace(String body) {
        boolean fhir;
        try {
            javax.xml.stream.XMLStreamReader reader = XML.createXMLStreamReader(new java.io.StringReader(body));
            try {
                while (reader.hasNext() && reader.next() != javax.xml.stream.XMLStreamConstants.START_ELEMENT) {
                    // up to the root element
                }
                fhir = !reader.isStartElement() || "http://hl7.org/fhir".equals(reader.getNamespaceURI());
            } finally {
                reader.close();
            }
        } catch (javax.xml.stream.XMLStreamException e) {
            return; // not well-formed: the parser says where
        }
        if (!fhir) {
            throw new FhirException(400, IssueType.STRUCTURE, "The XML body's root element is not in the FHIR namespace"
                    + " (xmlns=\"http://hl7.org/fhir\"; xml.html)");
        }
    }

    /** A JSON escape of a control character other than tab, line feed and carriage return, not itself escaped. */
    private static final java.util.regex.Pattern CONTROL_ESCAPE =
            java.util.regex.Pattern.compile("(?<!\\\\)(?:\\\\\\\\)*\\\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F])");

    /**
     * FHIR strings SHALL NOT hold characters below U+0020 but tab, line feed and carriage return
     * (datatypes.html#string); PostgreSQL cannot even store U+0000. A JSON body that escapes one is a 400.
     */
    static void requireNoControlCharacters(String body) {
        if (body.indexOf("\\u00") >= 0 && CONTROL_ESCAPE.matcher(body).find()) {
            throw new FhirException(400, org.hl7.fhir.r4.model.OperationOutcome.IssueType.INVALID,
                    "The body holds a control character (\\u0000-\\u001F but tab, line feed and carriage return), which FHIR strings must not contain");
        }
    }

    /** A JSON text (a JSON Patch document, say) nested no deeper than the limit. */
    public void requireJsonDepth(String body) {
        if (body != null) {
            requireDepth(jsonDepth(body, maxDepth));
        }
    }

    private void requireDepth(int depth) {
        if (depth > maxDepth) {
            throw new FhirException(400, IssueType.TOOCOSTLY, "The body nests objects, arrays or elements more than "
                    + maxDepth + " levels deep (hepatrial.input.max-depth); no FHIR resource needs that");
        }
    }

    private static void requireNoDoctype(String body) {
        if (body.contains("<!DOCTYPE") || body.contains("<!ENTITY")) {
            throw new FhirException(400, IssueType.NOTSUPPORTED, "The XML body has a document type declaration (<!DOCTYPE>);"
                    + " FHIR XML has none, and entities are neither resolved nor expanded here");
        }
    }

    /** The deepest nesting of objects and arrays, or the first depth above {@code stopAbove}. */
    static int jsonDepth(String text, int stopAbove) {
        int depth = 0;
        int deepest = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '-' || c >= '0' && c <= '9') {
                int end = numberEnd(text, i);
                requireCheapNumber(text, i, end);
                i = end - 1;
            } else if (c == '{' || c == '[') {
                depth++;
                if (depth > deepest) {
                    deepest = depth;
                    if (deepest > stopAbove) {
                        return deepest;
                    }
                }
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
        return deepest;
    }

    /**
     * The deepest nesting of elements, or the first depth above {@code stopAbove}. Comments, CDATA
     * and processing instructions are skipped; quoted attribute values may hold '>'. Text the scan
     * cannot follow (an unterminated tag) ends it: the parser reports that.
     */
    static int xmlDepth(String text, int stopAbove) {
        int depth = 0;
        int deepest = 0;
        int i = text.indexOf('<');
        while (i >= 0 && i + 1 < text.length()) {
            int end;
            if (text.startsWith("<!--", i)) {
                end = endOf(text, "-->", i + 4);
            } else if (text.startsWith("<![CDATA[", i)) {
                end = endOf(text, "]]>", i + 9);
            } else if (text.charAt(i + 1) == '?') {
                end = endOf(text, "?>", i + 2);
            } else if (text.charAt(i + 1) == '/' || text.charAt(i + 1) == '!') {
                end = text.indexOf('>', i);
                if (text.charAt(i + 1) == '/') {
                    depth--;
                }
            } else {
                end = startTagEnd(text, i + 1);
                if (end > 0 && text.charAt(end - 1) != '/') {
                    depth++;
                    if (depth > deepest) {
                        deepest = depth;
                        if (deepest > stopAbove) {
                            return deepest;
                        }
                    }
                }
            }
            if (end < 0) {
                break;
            }
            i = text.indexOf('<', end);
        }
        return deepest;
    }

    /** The end of the run of number characters starting at {@code from}. */
    private static int numberEnd(String text, int from) {
        int i = from;
        while (i < text.length() && isNumberChar(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static boolean isNumberChar(char c) {
        return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
    }

    /**
     * A decimal the parsers can read in little time: HAPI writes a JSON number out in plain digits
     * (1e999999999 would be a billion of them) and BigDecimal reads long digit strings in quadratic
     * time (a million digits: seconds). No decimal the index can hold needs more than this.
     */
    static void requireCheapNumber(String text, int start, int end) {
        if (end - start > MAX_NUMBER_CHARS) {
            throw new FhirException(400, IssueType.TOOCOSTLY, "The body has a number of " + (end - start)
                    + " characters; at most " + MAX_NUMBER_CHARS + " are accepted");
        }
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c == 'e' || c == 'E') {
                String exponent = text.substring(i + 1, end);
                String digits = exponent.startsWith("-") || exponent.startsWith("+") ? exponent.substring(1) : exponent;
                if (digits.length() > 4 || !digits.isEmpty() && digits.chars().allMatch(Character::isDigit)
                        && Integer.parseInt(digits) > MAX_EXPONENT) {
                    throw new FhirException(400, IssueType.TOOCOSTLY, "The body has the number " + text.substring(start, Math.min(end, start + 40))
                            + (end - start > 40 ? "…" : "") + ", whose exponent is beyond ±" + MAX_EXPONENT);
                }
                return;
            }
        }
    }

    private static int endOf(String text, String terminator, int from) {
        int at = text.indexOf(terminator, from);
        return at < 0 ? -1 : at + terminator.length() - 1;
    }

    /** The index of the '>' closing a start tag, skipping quoted attribute values; -1 if none. */
    private static int startTagEnd(String text, int from) {
        char quote = 0;
        int valueStart = 0;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                    if (numberEnd(text, valueStart) == i) {
                        requireCheapNumber(text, valueStart, i);
                    }
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                valueStart = i + 1;
            } else if (c == '>') {
                return i;
            }
        }
        return -1;
    }
}
