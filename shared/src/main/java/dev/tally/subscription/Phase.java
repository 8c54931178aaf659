package dev.tally.subscription;

import java.util.Objects;

/**
 * One phase of a subscription: a plan and a seat count over {@code [from, to)}, seconds since the epoch.
 *
 * <p>A subscription's phases are appended from Stripe's {@code customer.subscription.*} events and never rewritten:
 * a change of plan or seats closes the open phase at the change and opens the next one there; the end of the
 * subscription closes the open phase. See {@link Phases}.
 *
 * @param planId catalog plan id
 * @param quantity seats (Stripe's subscription item {@code quantity}), at least 1; base fees are per seat
 * @param from phase start, inclusive
 * @param to phase end, exclusive; null while open
 */
public record Phase(String planId, long quantity, long from, Long to) {

    public Phase {
        Objects.requireNonNull(planId, "planId");
        if (quantity < 1) {
            throw new IllegalArgumentException("a phase has at least one seat, was " + quantity);
        }
        if (to != null && to < from) {
            throw new IllegalArgumentException("phase of " + planId + " ends before it starts: " + from + ".." + to);
        }
    }

    /** @return true while the phase has no end */
    public boolean open() {
        return to == null;
    }

    /**
     * @param at seconds since the epoch
     * @return this phase closed at {@code at}
     */
    public Phase closedAt(long at) {
        return new Phase(planId, quantity, from, at);
    }
}
