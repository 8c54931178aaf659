package dev.tally.usage;

import dev.tally.catalog.Aggregation;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/**
 * What a meter's aggregations need from a set of usage events, in a form that merges exactly: the sum and number of
 * quantities, the largest, the latest (by event time, then event id) and the distinct values of the counted
 * property. A bucket holds one; a billing period's value is the merge of its buckets' and edge events' values, so
 * the result does not depend on how the range was split or in which order events arrived.
 *
 * @param sum sum of quantities, in the meter's unit
 * @param count number of events
 * @param max largest quantity, null when there are no events
 * @param lastTimestamp event time of the latest event, seconds since the epoch; null when none
 * @param lastEventId id of the latest event (tie-break at equal times: the greater id wins); null when none
 * @param lastQuantity quantity of the latest event; null when none
 * @param uniques distinct values of the meter's {@code aggregation_property} (empty for other meters)
 */
public record MeterValue(BigDecimal sum, long count, BigDecimal max, Long lastTimestamp, String lastEventId,
                         BigDecimal lastQuantity, Set<String> uniques) {

    /** No events. */
    public static final MeterValue EMPTY = new MeterValue(BigDecimal.ZERO, 0, null, null, null, null, Set.of());

    public MeterValue {
        uniques = Collections.unmodifiableSet(new HashSet<>(uniques));
    }

    /**
     * @param quantity the event's quantity
     * @param timestamp its event time, seconds since the epoch
     * @param eventId its id
     * @param uniqueValue its counted property value, or null
     * @return the value of one event
     */
    public static MeterValue of(BigDecimal quantity, long timestamp, String eventId, String uniqueValue) {
        return new MeterValue(quantity, 1, quantity, timestamp, eventId, quantity,
                uniqueValue == null ? Set.of() : Set.of(uniqueValue));
    }

    /**
     * @param other another value
     * @return the value of both sets of events (the caller makes sure no event is in both)
     */
    public MeterValue merge(MeterValue other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        BigDecimal m = max == null ? other.max : other.max == null ? max : max.max(other.max);
        boolean otherLater = lastTimestamp == null || (other.lastTimestamp != null && (other.lastTimestamp > lastTimestamp
                || (other.lastTimestamp.equals(lastTimestamp) && other.lastEventId.compareTo(lastEventId) > 0)));
        Set<String> u = uniques;
        if (!other.uniques.isEmpty()) {
            u = new HashSet<>(uniques);
            u.addAll(other.uniques);
        }
        return new MeterValue(sum.add(other.sum), count + other.count, m,
                otherLater ? other.lastTimestamp : lastTimestamp,
                otherLater ? other.lastEventId : lastEventId,
                otherLater ? other.lastQuantity : lastQuantity, u);
    }

    /** @return true when this holds nothing at all */
    public boolean isEmpty() {
        return count == 0 && sum.signum() == 0 && max == null && lastTimestamp == null && uniques.isEmpty();
    }

    /**
     * @param aggregation the meter's aggregation
     * @return the quantity it gives, in the meter's unit (zero when there were no events)
     */
    public BigDecimal quantity(Aggregation aggregation) {
        return switch (aggregation) {
            case SUM -> sum;
            case COUNT -> BigDecimal.valueOf(count);
            case MAX -> max == null ? BigDecimal.ZERO : max;
            case LAST -> lastQuantity == null ? BigDecimal.ZERO : lastQuantity;
            case UNIQUE_COUNT -> BigDecimal.valueOf(uniques.size());
        };
    }
}
