package dev.tally.usage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Map;
import java.util.TreeMap;

/** An event's properties as a compact JSON object with sorted keys (how the event log keeps them, for tracing). */
final class PropertiesJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PropertiesJson() {
    }

    static String write(Map<String, String> properties) {
        try {
            return JSON.writeValueAsString(new TreeMap<>(properties));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
