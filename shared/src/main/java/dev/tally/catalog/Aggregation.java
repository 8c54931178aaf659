package dev.tally.catalog;

import java.util.Locale;

/**
 * How a meter combines the usage events of a time range into one quantity. The names are those of the catalog's
 * {@code aggregation} field; they follow Stripe meters' {@code default_aggregation.formula} ({@code sum},
 * {@code count}, {@code last}: https://docs.stripe.com/api/billing/meter/object) and Lago's billable metrics
 * ({@code max_agg}, {@code unique_count_agg}: https://getlago.com/docs/guide/billable-metrics/aggregation-types).
 * Each is exact over any split of the range into buckets and any order of arrival.
 */
public enum Aggregation {
    /** Sum of the events' {@code quantity}. */
    SUM,
    /** Number of events; {@code quantity} is ignored. */
    COUNT,
    /** Largest {@code quantity}. */
    MAX,
    /** {@code quantity} of the latest event by event time (ties broken by the greater event id). */
    LAST,
    /** Number of distinct values of the meter's {@code aggregation_property} among the events. */
    UNIQUE_COUNT;

    /** @return the catalog spelling, e.g. {@code unique_count} */
    public String catalogName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param name the catalog spelling
     * @return the aggregation
     * @throws IllegalArgumentException if it names none
     */
    public static Aggregation fromCatalog(String name) {
        for (Aggregation a : values()) {
            if (a.catalogName().equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("aggregation " + name + " is not one of sum, count, max, last, unique_count");
    }
}
