package dev.tally.usage;

import java.util.Map;

/**
 * Identifies a usage bucket: one account's usage of one meter, with one combination of dimension values, in one UTC
 * hour. Buckets do not know billing periods; a period is a time range over them.
 *
 * @param account Tally account id
 * @param meter meter id
 * @param hourStart start of the UTC hour, seconds since the epoch (a multiple of 3600)
 * @param dimensions dimension name to value, as declared by the meter
 */
public record BucketKey(String account, String meter, long hourStart, Map<String, String> dimensions) {
    public BucketKey {
        dimensions = Map.copyOf(dimensions);
    }
}
