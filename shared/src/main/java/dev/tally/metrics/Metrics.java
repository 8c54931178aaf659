package dev.tally.metrics;

import java.util.Map;

/**
 * Port: the figures Tally reports about its own work (counts and amounts), named by {@link MetricNames}. In AWS the
 * adapter writes CloudWatch embedded metric format through Powertools metrics; the local runtime and tests keep them
 * in memory ({@link RecordingMetrics}).
 *
 * <p>Implementations must never throw to the caller: a figure that cannot be reported is logged and dropped, so that
 * metering or billing never fails because of a metric.
 */
@FunctionalInterface
public interface Metrics {

    /** Reports nothing. */
    Metrics NONE = (name, value, dimensions) -> { };

    /**
     * Adds {@code value} to a metric.
     *
     * @param name one of {@link MetricNames}
     * @param value a count, or an amount in minor units of the currency named by the {@code currency} dimension
     * @param dimensions dimension name to value (e.g. {@code meter}, {@code reason}, {@code currency}); at most 9
     *     (CloudWatch allows 30, EMF documents 9 per dimension set), values non-null
     */
    void add(String name, long value, Map<String, String> dimensions);

    /** Adds one to a metric without dimensions. */
    default void increment(String name) {
        add(name, 1, Map.of());
    }

    /** Adds one to a metric with one dimension. */
    default void increment(String name, String dimension, String value) {
        add(name, 1, Map.of(dimension, value));
    }
}
