package dev.tally.usage;

import java.util.Map;
import java.util.TreeMap;

/**
 * The storage keys of the usage model, written once. Account ids come from Stripe metadata and may hold any
 * character, so they are escaped ({@code %} and {@code #} percent-encoded) before they are joined with {@code #};
 * meter ids and dimension names are restricted by the catalog loader. Times are seconds since the epoch; an hour
 * is written with 10 digits so that keys sort by time.
 */
public final class UsageKeys {
    /** Length of a bucket: one UTC hour, in seconds. */
    public static final long HOUR = 3600;

    private UsageKeys() {
    }

    /** @return {@code value} with {@code %}, {@code #}, {@code =} and {@code &} percent-encoded */
    public static String escape(String value) {
        StringBuilder b = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '%' -> b.append("%25");
                case '#' -> b.append("%23");
                case '=' -> b.append("%3D");
                case '&' -> b.append("%26");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** @return the event log key {@code <account>#<event id>}: an id is unique per account */
    public static String eventKey(String account, String eventId) {
        return escape(account) + "#" + eventId;
    }

    /** @return the series key {@code <account>#<meter>}: partition of an account's buckets of one meter */
    public static String seriesKey(String account, String meter) {
        return escape(account) + "#" + meter;
    }

    /** @return the start of the UTC hour holding {@code instant} */
    public static long hourStart(long instant) {
        return Math.floorDiv(instant, HOUR) * HOUR;
    }

    /** @return the key of the events index partition of a series and hour, {@code <series>#<hour>} */
    public static String seriesHour(String account, String meter, long hourStart) {
        return seriesKey(account, meter) + "#" + hour(hourStart);
    }

    /** @return {@code hourStart} as 10 digits */
    public static String hour(long hourStart) {
        return String.format("%010d", hourStart);
    }

    /**
     * @param dimensions dimension name to value (names from the catalog)
     * @return a canonical form, {@code name=value&name=value} sorted by name, values escaped; empty for none
     */
    public static String dimensionsKey(Map<String, String> dimensions) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(dimensions).entrySet()) {
            if (!b.isEmpty()) {
                b.append('&');
            }
            b.append(e.getKey()).append('=').append(escape(e.getValue()));
        }
        return b.toString();
    }

    /** @return the bucket sort key {@code H#<hour>#<dimensions>} */
    public static String bucketKey(long hourStart, Map<String, String> dimensions) {
        return "H#" + hour(hourStart) + "#" + dimensionsKey(dimensions);
    }

    /** @return the sort key of one distinct value of a unique_count meter in a bucket */
    public static String uniqueKey(long hourStart, Map<String, String> dimensions, String value) {
        return "U#" + hour(hourStart) + "#" + dimensionsKey(dimensions) + "#" + escape(value);
    }
}
