package dev.tally.subscription;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of a subscription's phase list: append-only changes, and how a billing period is split among phases.
 *
 * <p>Proration is to the second, as Stripe prorates (https://docs.stripe.com/billing/subscriptions/prorations: "the
 * proration is calculated to the second"): a slice's share of a per-period amount or quantity is the amount times
 * {@code slice seconds / period seconds}, where the period is the full billing period from the anchor. Shares are kept
 * exact ({@link #share}) and money is rounded once per invoice line, never per step.
 */
public final class Phases {

    /** Precision of proration shares: 34 significant digits (IEEE 754 decimal128), far beyond any minor unit. */
    public static final MathContext SHARE = MathContext.DECIMAL128;

    private Phases() {
    }

    /**
     * Applies a plan or seat change at {@code at}: the open phase is closed there and a new one opened, unless the
     * open phase already has that plan and quantity. An earlier phase is never changed. A change at the very second
     * the open phase started replaces nothing: the empty phase is closed at its own start and kept for the record.
     *
     * @param phases the current phases, oldest first; the last may be open
     * @param planId the plan now in effect
     * @param quantity seats now, at least 1
     * @param at the change's time, seconds since the epoch; never before the open phase's start
     * @return the new list (the input is not modified)
     * @throws IllegalArgumentException if {@code at} is before the open phase's start (the event is older than what
     *                                  was applied: the caller drops stale events before this)
     */
    public static List<Phase> change(List<Phase> phases, String planId, long quantity, long at) {
        List<Phase> next = new ArrayList<>(phases);
        Phase last = next.isEmpty() ? null : next.get(next.size() - 1);
        if (last != null && last.open()) {
            if (last.planId().equals(planId) && last.quantity() == quantity) {
                return next;
            }
            if (at < last.from()) {
                throw new IllegalArgumentException("change at " + at + " precedes the open phase's start " + last.from());
            }
            next.set(next.size() - 1, last.closedAt(at));
        } else if (last != null && at < last.to()) {
            throw new IllegalArgumentException("change at " + at + " precedes the end of the last phase " + last.to());
        }
        next.add(new Phase(planId, quantity, at, null));
        return next;
    }

    /**
     * Closes the open phase at the subscription's end; a no-op when no phase is open.
     *
     * @param phases the current phases
     * @param at the end, seconds since the epoch
     * @return the new list
     */
    public static List<Phase> end(List<Phase> phases, long at) {
        List<Phase> next = new ArrayList<>(phases);
        if (!next.isEmpty() && next.get(next.size() - 1).open()) {
            Phase last = next.get(next.size() - 1);
            next.set(next.size() - 1, last.closedAt(Math.max(at, last.from())));
        }
        return next;
    }

    /**
     * @param phases the phases, oldest first
     * @param periodStart billing period start, inclusive
     * @param periodEnd billing period end, exclusive: the full period from the anchor
     * @param cutAt the subscription's end when it ended inside the period, else null
     * @return the non-empty slices of the period covered by phases, oldest first
     */
    public static List<PhaseSlice> slices(List<Phase> phases, long periodStart, long periodEnd, Long cutAt) {
        long limit = cutAt == null ? periodEnd : Math.min(periodEnd, cutAt);
        List<PhaseSlice> slices = new ArrayList<>();
        for (Phase p : phases) {
            long start = Math.max(p.from(), periodStart);
            long end = Math.min(p.to() == null ? Long.MAX_VALUE : p.to(), limit);
            if (end > start) {
                slices.add(new PhaseSlice(p, start, end, periodStart, periodEnd));
            }
        }
        return slices;
    }

    /**
     * @param perPeriod an amount or quantity for a full billing period
     * @param slice the slice
     * @return {@code perPeriod * slice seconds / period seconds}, exact to {@link #SHARE}; {@code perPeriod} itself for
     *         a whole period
     */
    public static BigDecimal share(BigDecimal perPeriod, PhaseSlice slice) {
        if (slice.wholePeriod()) {
            return perPeriod;
        }
        return perPeriod.multiply(BigDecimal.valueOf(slice.seconds()))
                .divide(BigDecimal.valueOf(slice.periodSeconds()), SHARE)
                .stripTrailingZeros();
    }

    /**
     * @param slice the slice
     * @return the slice's share of its period as a decimal in {@code (0, 1]}, for descriptions
     */
    public static BigDecimal fraction(PhaseSlice slice) {
        return BigDecimal.valueOf(slice.seconds()).divide(BigDecimal.valueOf(slice.periodSeconds()), 6, RoundingMode.HALF_UP);
    }
}
