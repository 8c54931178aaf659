package dev.tally.dunning;

import dev.tally.payment.PaymentState;

import java.util.Objects;

/**
 * What dunning needs to know of one Stripe invoice's payment, as the {@code payments} table holds it (one item per
 * Stripe invoice, written by stripe-webhook from {@code invoice.paid}, {@code invoice.payment_failed},
 * {@code invoice.voided}, {@code invoice.marked_uncollectible}; the contract is in docs/design.md, Payments).
 *
 * @param stripeInvoiceId Stripe invoice id, {@code in_...}
 * @param accountId the Tally account that owes it
 * @param state the invoice's payment state
 * @param attemptCount Stripe's {@code attempt_count}: payment attempts so far
 * @param lastFailureAt when the last attempt failed, seconds since the epoch; null if none failed
 * @param stripeUpdatedAt the {@code created} time of the Stripe event behind this state, seconds since the epoch; a
 *                        fact no newer than one already applied for the invoice is stale
 */
public record PaymentFact(String stripeInvoiceId, String accountId, PaymentState state, int attemptCount,
                          Long lastFailureAt, long stripeUpdatedAt) {

    /** @throws NullPointerException if an id or the state is missing */
    public PaymentFact {
        Objects.requireNonNull(stripeInvoiceId, "stripeInvoiceId");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(state, "state");
    }

    /** @return when the failure happened: {@code lastFailureAt}, else the event's time */
    public long failedAt() {
        return lastFailureAt != null ? lastFailureAt : stripeUpdatedAt;
    }
}
