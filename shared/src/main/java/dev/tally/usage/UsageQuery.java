package dev.tally.usage;

import dev.tally.catalog.Aggregation;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Meter;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The read side of the usage model: an account's usage of a meter over any time range {@code [from, to)}, to the
 * second, optionally filtered by dimension values, split by day or hour and grouped by a dimension.
 *
 * <p>Whole hours inside the range come from the hourly buckets; the partial hours at its two edges come from the
 * events themselves (the event log's time index), so a plan change or a payer change at 14:23:17 splits usage
 * exactly there. Merging follows the meter's aggregation ({@link MeterValue}), so a unique value seen in two hours
 * counts once and the latest event is the latest over the whole range.
 */
public final class UsageQuery {
    private final UsageStore store;
    private final Catalog catalog;

    /** How rows are split in time. */
    public enum Granularity {
        /** One row per UTC hour. */
        HOUR(UsageKeys.HOUR),
        /** One row per UTC day. */
        DAY(86_400),
        /** One row for the whole range. */
        TOTAL(0);

        private final long seconds;

        Granularity(long seconds) {
            this.seconds = seconds;
        }
    }

    /**
     * One row of usage.
     *
     * @param from start of the row's time range, seconds since the epoch (inclusive)
     * @param to end of the row's range (exclusive)
     * @param group the value of the grouping dimension ("" for events without it, or when not grouped)
     * @param quantity the meter's aggregation over the row's events, in the meter's unit
     * @param events number of events in the row
     */
    public record UsageRow(long from, long to, String group, BigDecimal quantity, long events) {
    }

    /**
     * @param store the usage store
     * @param catalog the catalog (meters' aggregations)
     */
    public UsageQuery(UsageStore store, Catalog catalog) {
        this.store = store;
        this.catalog = catalog;
    }

    /**
     * The aggregate state of an account's usage of a meter in {@code [from, to)}.
     *
     * @param account account id
     * @param meter meter id
     * @param from inclusive, seconds since the epoch
     * @param to exclusive
     * @param dimensions which dimension values to include (e.g. {@code d -> "eu".equals(d.get("region"))})
     * @return the merged value; {@link MeterValue#EMPTY} when there was no usage
     */
    public MeterValue value(String account, String meter, long from, long to, Predicate<Map<String, String>> dimensions) {
        MeterValue total = MeterValue.EMPTY;
        for (Piece p : pieces(account, meter, from, to)) {
            if (dimensions.test(p.dimensions)) {
                total = total.merge(p.value);
            }
        }
        return total;
    }

    /**
     * The quantity of an account's usage of a meter in {@code [from, to)}, by the meter's aggregation.
     *
     * @return the quantity, in the meter's unit
     * @throws IllegalArgumentException if the catalog has no such meter
     */
    public BigDecimal quantity(String account, String meter, long from, long to) {
        return value(account, meter, from, to, d -> true).quantity(meter(meter).aggregation());
    }

    /**
     * Rows of usage, for {@code tally usage show} and products.
     *
     * @param account account id
     * @param meter meter id
     * @param from inclusive, seconds since the epoch
     * @param to exclusive
     * @param granularity how rows are split in time
     * @param groupBy a dimension of the meter to group by, or null
     * @return the rows with usage, by time then group
     * @throws IllegalArgumentException if the meter is unknown or {@code groupBy} is not one of its dimensions
     */
    public List<UsageRow> rows(String account, String meter, long from, long to, Granularity granularity, String groupBy) {
        Meter m = meter(meter);
        if (groupBy != null && !m.dimensions().contains(groupBy)) {
            throw new IllegalArgumentException("meter " + meter + " has no dimension " + groupBy
                    + (m.dimensions().isEmpty() ? "" : " (it has " + String.join(", ", m.dimensions()) + ")"));
        }
        TreeMap<Long, TreeMap<String, MeterValue>> windows = new TreeMap<>();
        for (Piece p : pieces(account, meter, from, to)) {
            long window = granularity == Granularity.TOTAL ? from : Math.floorDiv(p.time, granularity.seconds) * granularity.seconds;
            String group = groupBy == null ? "" : p.dimensions.getOrDefault(groupBy, "");
            windows.computeIfAbsent(window, w -> new TreeMap<>()).merge(group, p.value, MeterValue::merge);
        }
        List<UsageRow> rows = new ArrayList<>();
        windows.forEach((window, groups) -> groups.forEach((group, value) -> rows.add(new UsageRow(
                Math.max(window, from),
                granularity == Granularity.TOTAL ? to : Math.min(window + granularity.seconds, to),
                group, value.quantity(m.aggregation()), value.count()))));
        rows.sort(Comparator.comparingLong(UsageRow::from).thenComparing(UsageRow::group));
        return rows;
    }

    private Meter meter(String meter) {
        return catalog.meter(meter).orElseThrow(() -> new IllegalArgumentException("no meter " + meter + " in the catalog"));
    }

    /** Whole-hour buckets inside the range, plus the events of its partial edge hours. */
    private List<Piece> pieces(String account, String meter, long from, long to) {
        List<Piece> pieces = new ArrayList<>();
        if (from >= to) {
            return pieces;
        }
        long firstFull = Math.floorDiv(from + UsageKeys.HOUR - 1, UsageKeys.HOUR) * UsageKeys.HOUR;
        long endFull = UsageKeys.hourStart(to);
        if (firstFull >= endFull) {
            // No whole hour inside: one or two partial hours.
            long split = Math.min(to, UsageKeys.hourStart(from) + UsageKeys.HOUR);
            addEvents(pieces, account, meter, from, split);
            addEvents(pieces, account, meter, split, to);
            return pieces;
        }
        addEvents(pieces, account, meter, from, firstFull);
        for (UsageBucket b : store.buckets(account, meter, firstFull, endFull)) {
            pieces.add(new Piece(b.key().hourStart(), b.key().dimensions(), b.value()));
        }
        addEvents(pieces, account, meter, endFull, to);
        return pieces;
    }

    private void addEvents(List<Piece> pieces, String account, String meter, long from, long to) {
        if (from >= to) {
            return;
        }
        for (RecordedEvent e : store.events(account, meter, from, to)) {
            pieces.add(new Piece(e.timestamp(), e.dimensions(), e.value()));
        }
    }

    private record Piece(long time, Map<String, String> dimensions, MeterValue value) {
    }

    /** @return the aggregation of a catalog meter, {@code sum} when the catalog has none by that id */
    public Aggregation aggregationOf(String meter) {
        return catalog.meter(meter).map(Meter::aggregation).orElse(Aggregation.SUM);
    }
}
