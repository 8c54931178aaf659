package dev.tally.catalog;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * A meter: something a product measures and Tally counts, e.g. build minutes.
 *
 * @param id stable identifier used in usage events ({@code "build_minutes"}); letters, digits, {@code _ - .}
 * @param displayName name on invoices ({@code "Build minutes"})
 * @param unit unit of one counted quantity, singular ({@code "minute"})
 * @param aggregation how the events of a time range combine
 * @param aggregationProperty for {@link Aggregation#UNIQUE_COUNT}, the event property whose distinct values are
 *                            counted (an event without it is rejected); null otherwise
 * @param dimensions event properties that usage is grouped by and prices may filter on (e.g. {@code region}),
 *                   at most {@link #MAX_DIMENSIONS}; an event without one has the empty value for it
 * @param maxEventQuantity the largest {@code quantity} one event may carry, in the meter's unit; larger events are
 *                         rejected {@code QUANTITY_ABOVE_MAXIMUM}. The catalog's {@code max_event_quantity}, else
 *                         {@link #DEFAULT_MAX_EVENT_QUANTITY}
 */
public record Meter(String id, String displayName, String unit, Aggregation aggregation, String aggregationProperty,
                    List<String> dimensions, BigDecimal maxEventQuantity) {

    /** Most dimensions a meter may declare: each one multiplies the buckets an account's usage is kept in. */
    public static final int MAX_DIMENSIONS = 4;
    /**
     * Default upper bound of one event's quantity: 10^15 units. Larger values are almost always a producer's bug (-1
     * sent as an unsigned 64-bit integer is 1.8e19), and a bound keeps every period's total and amount far inside
     * what rating and a {@code long} of minor units can hold.
     */
    public static final BigDecimal DEFAULT_MAX_EVENT_QUANTITY = new BigDecimal("1000000000000000");

    public Meter {
        dimensions = List.copyOf(dimensions);
    }

    /** A {@code sum} meter without dimensions and with the default maximum, e.g. for tests. */
    public static Meter sum(String id, String displayName, String unit) {
        return new Meter(id, displayName, unit, Aggregation.SUM, null, List.of(), DEFAULT_MAX_EVENT_QUANTITY);
    }

    /** @return the property counted by a {@code unique_count} meter, empty for other meters */
    public Optional<String> uniqueProperty() {
        return Optional.ofNullable(aggregationProperty);
    }
}
