package dev.tally.catalog;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Published prices never change: {@code catalog/published-prices.json} holds the content hash of every price ever
 * published in {@code catalog/catalog.json}, and this test fails the build when a price changed, disappeared, or is
 * new and not yet published. A change is a new price: copy it under a new id (e.g. {@code _v2}), point the plans at
 * it, and add its hash (the failure prints the line); invoices keep the ids of the prices they used.
 */
class PublishedPricesTest {
    static final Path CATALOG = CatalogFilesTest.CATALOG_DIR.resolve("catalog.json");
    static final Path LOCK = CatalogFilesTest.CATALOG_DIR.resolve("published-prices.json");

    /** Keys sorted at every level, no whitespace, decimals as written: the same content always hashes the same. */
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    /** @return {@code sha256:<hex>} of the price's canonical JSON */
    static String contentHash(JsonNode price) {
        try {
            byte[] canonical = CANONICAL.writeValueAsBytes(price);
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, JsonNode> catalogPrices() throws IOException {
        Map<String, JsonNode> prices = new LinkedHashMap<>();
        CatalogLoader.read(CATALOG.toString(), Files.readString(CATALOG)).get("prices")
                .forEach(p -> prices.put(p.get("id").asText(), p));
        return prices;
    }

    private static Map<String, String> lock() throws IOException {
        Map<String, String> lock = new LinkedHashMap<>();
        CatalogLoader.read(LOCK.toString(), Files.readString(LOCK, StandardCharsets.UTF_8)).get("prices").properties()
                .forEach(e -> lock.put(e.getKey(), e.getValue().asText()));
        return lock;
    }

    @Test
    void noPublishedPriceChangedOrDisappeared() throws IOException {
        Map<String, JsonNode> prices = catalogPrices();
        List<String> problems = new ArrayList<>();
        lock().forEach((id, hash) -> {
            JsonNode price = prices.get(id);
            if (price == null) {
                problems.add("price " + id + " was published and is gone from " + CATALOG + ": published prices are never "
                        + "removed (invoices refer to them); take it out of the plans instead");
            } else if (!contentHash(price).equals(hash)) {
                problems.add("price " + id + " changed since it was published: a published price never changes. Restore it, "
                        + "publish the change as a new price (e.g. " + id.replaceAll("_v\\d+$", "") + "_v2), point the plans at it "
                        + "and add the new price's hash to " + LOCK);
            }
        });
        assertThat(problems).as("published prices").isEmpty();
    }

    @Test
    void everyPriceIsPublished() throws IOException {
        Map<String, String> lock = lock();
        List<String> missing = new ArrayList<>();
        catalogPrices().forEach((id, price) -> {
            if (!lock.containsKey(id)) {
                missing.add("    \"" + id + "\": \"" + contentHash(price) + "\"");
            }
        });
        assertThat(missing).as("prices of " + CATALOG + " not in " + LOCK + "; to publish them, add these lines to its "
                + "\"prices\":\n" + String.join(",\n", missing) + "\n").isEmpty();
    }

    @Test
    void theHashIgnoresLayoutButNotContent() {
        JsonNode a = CatalogLoader.read("a", "{\"id\": \"x\", \"unit_amount_decimal\": \"1.5\", \"tiers\": [{\"up_to\": 5, \"b\": 1.50}]}");
        JsonNode reordered = CatalogLoader.read("b", "{\"tiers\":[{\"b\":1.50,\"up_to\":5}],\n \"unit_amount_decimal\":\"1.5\",\"id\":\"x\"}");
        JsonNode changed = CatalogLoader.read("c", "{\"id\": \"x\", \"unit_amount_decimal\": \"1.50\", \"tiers\": [{\"up_to\": 5, \"b\": 1.50}]}");
        assertThat(contentHash(reordered)).isEqualTo(contentHash(a));
        assertThat(contentHash(changed)).isNotEqualTo(contentHash(a));
        assertThat(contentHash(a)).matches("sha256:[0-9a-f]{64}");
    }
}
