package dev.tally.dunning;

import java.util.Objects;

/**
 * One change of dunning state, with its cause. The {@link #causeId} is unique per cause, so a transition is recorded
 * once however often its cause is delivered: {@code payment_failed:<invoice>:<attempt>},
 * {@code days_elapsed:<state>:<first failure time>}, {@code payment_received:<invoice>:<stripeUpdatedAt>},
 * {@code invoice_voided:<invoice>:<stripeUpdatedAt>}.
 *
 * @param from the state left
 * @param to the state entered
 * @param at when it happened on the billing clock, seconds since the epoch
 * @param cause what caused it
 * @param causeId the cause's unique id (above)
 * @param description the cause for people, e.g. {@code payment failed for invoice in_1 (attempt 2)}
 */
public record DunningTransition(DunningState from, DunningState to, long at, Cause cause, String causeId,
                                String description) {

    /** The kinds of cause. */
    public enum Cause {
        /** A payment attempt failed. */
        PAYMENT_FAILED,
        /** Days went by on the billing clock since the first unpaid failure. */
        DAYS_ELAPSED,
        /** The unpaid invoices were paid. */
        PAYMENT_RECEIVED,
        /** The last unpaid invoice was voided (nothing is owed any more). */
        INVOICE_VOIDED;

        /** @return the wire name, e.g. {@code days_elapsed} */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** @throws NullPointerException if a field is missing */
    public DunningTransition {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(causeId, "causeId");
        Objects.requireNonNull(description, "description");
    }
}
