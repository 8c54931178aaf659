package dev.tally.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The EMF documents the adapter writes (the build sets {@code AWS_EMF_ENVIRONMENT=Local}: EMF prints to stdout): one
 * per dimension set, sums per metric, the dimension-less total beside each dimensioned value, no default dimension.
 */
class EmfMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aFlushWritesOneDocumentPerDimensionSetWithSumsAndTotals() throws Exception {
        EmfMetrics metrics = EmfMetrics.create();
        metrics.add(MetricNames.USAGE_EVENTS_REJECTED, 1, Map.of("reason", "UNKNOWN_ACCOUNT", "meter", "build_minutes"));
        metrics.add(MetricNames.USAGE_EVENTS_REJECTED, 2, Map.of("meter", "build_minutes", "reason", "UNKNOWN_ACCOUNT"));
        metrics.add(MetricNames.AMOUNT_BILLED, 12_345, Map.of("currency", "usd"));
        metrics.increment(MetricNames.STRIPE_SYNC_FAILURES);

        List<JsonNode> documents = flush(metrics);

        assertThat(documents).hasSize(3);
        JsonNode total = only(documents, List.of());
        assertThat(total.path("_aws").path("CloudWatchMetrics").get(0).path("Dimensions").toString())
                .as("one empty dimension set: the metric without dimensions").isEqualTo("[[]]");
        assertThat(total.path(MetricNames.USAGE_EVENTS_REJECTED).asLong()).isEqualTo(3);
        assertThat(total.path(MetricNames.AMOUNT_BILLED).asLong()).isEqualTo(12_345);
        assertThat(total.path(MetricNames.STRIPE_SYNC_FAILURES).asLong()).isEqualTo(1);
        JsonNode rejected = only(documents, List.of("meter", "reason"));
        assertThat(rejected.path("reason").asText()).isEqualTo("UNKNOWN_ACCOUNT");
        assertThat(rejected.path("meter").asText()).isEqualTo("build_minutes");
        assertThat(rejected.path(MetricNames.USAGE_EVENTS_REJECTED).asLong()).isEqualTo(3);
        JsonNode billed = only(documents, List.of("currency"));
        assertThat(billed.path("currency").asText()).isEqualTo("usd");
        assertThat(billed.path(MetricNames.AMOUNT_BILLED).asLong()).isEqualTo(12_345);
        JsonNode definitions = billed.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(definitions.path("Namespace").asText()).isEqualTo("Tally");
        assertThat(definitions.path("Metrics").get(0).path("Unit").asText()).isEqualTo("None");
        assertThat(rejected.path("_aws").path("CloudWatchMetrics").get(0).path("Metrics").get(0).path("Unit").asText())
                .isEqualTo("Count");

        assertThat(flush(metrics)).as("a flush forgets what it wrote").isEmpty();
    }

    @Test
    void tooManyDimensionsAreDroppedNotThrown() throws Exception {
        EmfMetrics metrics = EmfMetrics.create();
        Map<String, String> ten = new java.util.TreeMap<>();
        for (int i = 0; i < 10; i++) {
            ten.put("d" + i, "v");
        }
        metrics.add(MetricNames.ALERTS_RAISED, 1, ten);
        assertThat(flush(metrics)).isEmpty();
    }

    private static List<JsonNode> flush(EmfMetrics metrics) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            metrics.flush();
        } finally {
            System.setOut(original);
        }
        List<JsonNode> documents = new ArrayList<>();
        for (String line : buffer.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("{") && line.contains("\"_aws\"")) {
                documents.add(JSON.readTree(line));
            }
        }
        return documents;
    }

    /** The document whose dimension set is exactly {@code dimensions} (sorted). */
    private static JsonNode only(List<JsonNode> documents, List<String> dimensions) {
        List<JsonNode> found = documents.stream().filter(d -> {
            JsonNode sets = d.path("_aws").path("CloudWatchMetrics").get(0).path("Dimensions");
            List<String> keys = new ArrayList<>();
            if (sets.size() > 0) {
                sets.get(0).forEach(k -> keys.add(k.asText()));
            }
            keys.sort(null);
            return keys.equals(dimensions);
        }).toList();
        assertThat(found).as("documents with dimensions " + dimensions + " in " + documents).hasSize(1);
        return found.get(0);
    }
}
