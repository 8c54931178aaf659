package dev.tally.usage;

/**
 * A usage bucket and what it holds (or, on the write side, what one batch of events adds to it).
 *
 * @param key which account, meter, hour and dimension values
 * @param value the events' aggregate state
 */
public record UsageBucket(BucketKey key, MeterValue value) {
}
