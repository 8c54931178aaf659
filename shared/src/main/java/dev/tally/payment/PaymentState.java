package dev.tally.payment;

import java.util.Locale;

/**
 * Where a Stripe invoice's payment stands, as the {@code payments} table stores it ({@link #wire()}). Set from
 * Stripe's {@code invoice.*} events (https://docs.stripe.com/billing/subscriptions/webhooks#events):
 * {@code invoice.finalized} -> {@link #OPEN}, {@code invoice.payment_failed} -> {@link #PAYMENT_FAILED},
 * {@code invoice.paid} -> {@link #PAID}, {@code invoice.voided} -> {@link #VOID},
 * {@code invoice.marked_uncollectible} -> {@link #UNCOLLECTIBLE}.
 */
public enum PaymentState {
    /** Finalized, not paid yet, no failed attempt recorded. */
    OPEN(0),
    /** The last payment attempt failed; Stripe may try again ({@code nextPaymentAttemptAt}). */
    PAYMENT_FAILED(1),
    /** Paid in full. */
    PAID(2),
    /** Voided after finalization: nothing is owed. */
    VOID(2),
    /** Written off as uncollectible. */
    UNCOLLECTIBLE(2);

    private final int rank;

    PaymentState(int rank) {
        this.rank = rank;
    }

    /**
     * Tie-breaker between two events stamped the same second (Stripe's {@code created} has whole seconds): a state of
     * higher rank wins, so a payment failure never overwrites the payment that followed it within that second.
     *
     * @return 0 for open, 1 for payment failed, 2 for the final states
     */
    public int rank() {
        return rank;
    }

    /** @return the stored form: {@code open}, {@code paid}, {@code payment_failed}, {@code void}, {@code uncollectible} */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param text the stored form
     * @return the state
     * @throws IllegalArgumentException if it names none
     */
    public static PaymentState parse(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
