package dev.tally.usage;

import java.math.BigDecimal;
import java.util.Map;

/**
 * A usage event as the event log keeps it: validated against its meter, with the meter's dimensions and counted
 * property pulled out of its properties.
 *
 * @param account Tally account id
 * @param eventId the producer's id, unique per account
 * @param meter meter id from the catalog
 * @param quantity quantity in the meter's unit, non-negative, at most the meter's {@code max_event_quantity}
 * @param timestamp event time, seconds since the epoch
 * @param dimensions the meter's dimensions, name to value (the empty string when the event did not set one)
 * @param uniqueValue the value of a {@code unique_count} meter's property; null for other meters
 * @param properties every property the event carried, for tracing
 * @param receivedAt when Tally received it, seconds since the epoch
 * @param messageId the SQS message it came in
 */
public record RecordedEvent(String account, String eventId, String meter, BigDecimal quantity, long timestamp,
                            Map<String, String> dimensions, String uniqueValue, Map<String, String> properties,
                            long receivedAt, String messageId) {

    public RecordedEvent {
        dimensions = Map.copyOf(dimensions);
        properties = Map.copyOf(properties);
    }

    /** @return the hour bucket this event belongs to */
    public BucketKey bucket() {
        return new BucketKey(account, meter, UsageKeys.hourStart(timestamp), dimensions);
    }

    /** @return this event's contribution to its bucket */
    public MeterValue value() {
        return MeterValue.of(quantity, timestamp, eventId, uniqueValue);
    }
}
