package io.hepatrial.fhir.search;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A position in a search's order: the sort-key values and pid of one row, and whether the page
 * wanted lies after it (next) or before it (previous). It travels in the {@code _cursor} parameter
 * of the page links, so paging needs no server-side state and stays right while data changes.
 */
public record SearchCursor(boolean before, List<Object> keys, long pid) {

    public String encode() {
        StringBuilder text = new StringBuilder(before ? "p" : "n").append('\n').append(pid);
        for (Object key : keys) {
            text.append('\n');
            if (key == null) {
                text.append('0');
            } else if (key instanceof String s) {
                text.append('s').append(s.replace("\\", "\\\\").replace("\n", "\\n"));
            } else if (key instanceof BigDecimal n) {
                text.append('d').append(n.toPlainString());
            } else if (key instanceof Instant t) {
                text.append('t').append(t);
            } else if (key instanceof OffsetDateTime t) {
                text.append('t').append(t.toInstant());
            } else {
                throw new IllegalArgumentException("Unsupported sort key value " + key.getClass());
            }
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor in a token, or null if the token is not one this server made. */
    public static SearchCursor decode(String token) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            String[] lines = text.split("\n", -1);
            if (lines.length < 2 || !(lines[0].equals("p") || lines[0].equals("n"))) {
                return null;
            }
            List<Object> keys = new ArrayList<>();
            for (int i = 2; i < lines.length; i++) {
                String line = lines[i];
                switch (line.isEmpty() ? '?' : line.charAt(0)) {
                    case '0' -> keys.add(null);
                    case 's' -> keys.add(line.substring(1).replace("\\n", "\n").replace("\\\\", "\\"));
                    case 'd' -> keys.add(new BigDecimal(line.substring(1)));
                    case 't' -> keys.add(Instant.parse(line.substring(1)));
                    default -> {
                        return null;
                    }
                }
            }
            return new SearchCursor(lines[0].equals("p"), keys, Long.parseLong(lines[1]));
        } catch (RuntimeException e) {
            return null;
        }
    }
}
