package dev.tally.account;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * A billing period {@code [start, end)}, seconds since the epoch.
 *
 * <p>Periods follow Stripe's billing cycle rule (https://docs.stripe.com/billing/subscriptions/billing-cycle): the
 * n-th period starts at the billing cycle anchor plus n intervals, in UTC, and a day of month missing from a shorter
 * month falls on its last day (anchor Jan 31 gives Feb 28/29, then Mar 31). Each boundary is computed from the anchor,
 * never from the previous boundary, so periods do not drift.
 *
 * @param start inclusive start
 * @param end exclusive end
 */
public record BillingPeriod(long start, long end) {

    public BillingPeriod {
        if (end <= start) {
            throw new IllegalArgumentException("period end " + end + " must be after start " + start);
        }
    }

    /**
     * @param anchor billing cycle anchor, seconds since the epoch
     * @param interval {@code month} or {@code year}
     * @param intervalCount intervals per period, at least 1
     * @param instant any instant, seconds since the epoch
     * @return the period that contains {@code instant}
     * @throws IllegalArgumentException for an unknown interval or a count below 1
     */
    public static BillingPeriod containing(long anchor, String interval, int intervalCount, long instant) {
        long step = monthsPerPeriod(interval, intervalCount);
        ZonedDateTime a = Instant.ofEpochSecond(anchor).atZone(ZoneOffset.UTC);
        ZonedDateTime t = Instant.ofEpochSecond(instant).atZone(ZoneOffset.UTC);
        long n = Math.floorDiv(ChronoUnit.MONTHS.between(a, t), step);
        while (boundary(a, step, n) > instant) {
            n--;
        }
        while (boundary(a, step, n + 1) <= instant) {
            n++;
        }
        return new BillingPeriod(boundary(a, step, n), boundary(a, step, n + 1));
    }

    /**
     * @param anchor billing cycle anchor, seconds since the epoch
     * @param interval {@code month} or {@code year}
     * @param intervalCount intervals per period
     * @return the period right after this one
     */
    public BillingPeriod next(long anchor, String interval, int intervalCount) {
        return containing(anchor, interval, intervalCount, end);
    }

    private static long boundary(ZonedDateTime anchor, long step, long n) {
        return anchor.plusMonths(step * n).toEpochSecond();
    }

    private static long monthsPerPeriod(String interval, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("interval_count must be at least 1, was " + count);
        }
        return switch (interval) {
            case "month" -> count;
            case "year" -> 12L * count;
            default -> throw new IllegalArgumentException("unsupported interval " + interval + " (month or year)");
        };
    }
}
