package io.hepatrial.fhir.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class ResourceIdsTest {

    @Test
    void newIdsAreVersion7UuidsThatSortInCreationOrder() throws InterruptedException {
        long before = System.currentTimeMillis();
        String first = ResourceStore.newId();
        Thread.sleep(2);
        String second = ResourceStore.newId();
        UUID uuid = UUID.fromString(first);
        assertEquals(7, uuid.version());
        assertEquals(2, uuid.variant()); // RFC 9562 variant (binary 10)
        long millis = uuid.getMostSignificantBits() >>> 16;
        assertTrue(millis >= before && millis <= System.currentTimeMillis(), "starts with its creation time: " + first);
        assertTrue(first.compareTo(second) < 0, first + " sorts before the later " + second);
        assertTrue(first.matches("[a-f0-9-]{36}"), "a valid FHIR id: " + first);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(ResourceStore.newId());
        }
        assertEquals(10_000, ids.size(), "random bits keep ids of the same millisecond apart");
    }
}
