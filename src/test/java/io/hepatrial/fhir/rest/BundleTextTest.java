package io.hepatrial.fhir.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;

import org.junit.jupiter.api.Test;

/** How a JSON Bundle is cut into its entries and the rest before each part is parsed alone. */
class BundleTextTest {

    @Test
    void entriesAndTheRestAreCutExactlyAsSent() {
        String entry0 = "{\"fullUrl\":\"urn:uuid:1\",\"resource\":{\"resourceType\":\"Observation\",\"valueQuantity\":{\"value\":1.50},"
                + "\"note\":[{\"text\":\"braces } ] { [ and \\\"quotes\\\", commas\"}]},\"request\":{\"method\":\"POST\",\"url\":\"Observation\"}}";
        String entry1 = "{ \"request\" : { \"method\" : \"GET\", \"url\" : \"Patient?name=a,b\" } }";
        String body = "{ \"resourceType\" : \"Bundle\",\n  \"id\": \"b1\", \"meta\": {\"tag\": [{\"code\": \"x,}\"}]},\n"
                + "  \"entry\": [ " + entry0 + " ,\n " + entry1 + " ],\n  \"type\": \"transaction\", \"total\": 2 }";
        ResourceCodec.BundleText text = ResourceCodec.BundleText.of(body);
        assertEquals(List.of(entry0, entry1), text.entries());
        assertEquals("{\"resourceType\" : \"Bundle\",\"id\": \"b1\",\"meta\": {\"tag\": [{\"code\": \"x,}\"}]},"
                + "\"type\": \"transaction\",\"total\": 2}", text.withoutEntries());
    }

    @Test
    void anythingElseIsLeftToTheWholeBodyParse() {
        for (String body : List.of(
                "[]", "\"Bundle\"", "{\"resourceType\":\"Bundle\",\"type\":\"batch\"}",
                "{\"resourceType\":\"Bundle\",\"entry\":{}}", "{\"resourceType\":\"Bundle\",\"entry\":[]}",
                "{\"resourceType\":\"Bundle\",\"entry\":[{},5]}", "{\"resourceType\":\"Bundle\",\"entry\":[{}],\"entry\":[{}]}",
                "{\"resourceType\":\"Bundle\",\"entry\":[{}]} trailing", "{\"resourceType\":\"Bundle\",\"entry\":[{\"a\":}]}",
                "{\"resourceType\":\"Bundle\",\"entry\":[{}]")) {
            assertNull(ResourceCodec.BundleText.of(body), body);
        }
    }
}
