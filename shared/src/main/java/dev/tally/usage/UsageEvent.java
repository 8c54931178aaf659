package dev.tally.usage;

import java.math.BigDecimal;
import java.util.Map;

/**
 * A usage event as products send it to the usage queue (one JSON object, or an array of them in one message):
 *
 * <pre>{@code
 * {"id": "0b7c...", "account": "org_acme", "meter": "build_minutes", "quantity": 12.5,
 *  "timestamp": 1763600000, "properties": {"repo": "acme/api"}}
 * }</pre>
 *
 * @param id producer-chosen unique id (1 to 128 characters); the same id is counted once, ever
 * @param account Tally account id
 * @param meter meter id from the catalog
 * @param quantity amount used, in the meter's unit, non-negative, at most 12 decimals and 38 integer digits
 *                 (DynamoDB's number precision)
 * @param timestamp when the usage happened, seconds since the epoch
 * @param properties optional string attributes kept for tracing
 */
public record UsageEvent(String id, String account, String meter, BigDecimal quantity, long timestamp,
                         Map<String, String> properties) {
}
