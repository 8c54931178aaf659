package dev.tally.payment;

import java.util.Objects;

/**
 * The payment state of one Stripe invoice, as the last Stripe event applied left it: an item of the {@code payments}
 * table (the contract between the webhook, which writes it, and dunning, which reads it; see docs/design.md).
 * Amounts are minor units of {@code currency}; times are seconds since the epoch.
 *
 * @param stripeInvoiceId Stripe's {@code in_...}, the key
 * @param accountId the Tally account: invoice metadata {@code tally_account_id}, else the account of the customer
 * @param tallyInvoiceId Tally's invoice id from the Stripe invoice's metadata {@code tally_invoice_id} (set by
 *     stripe-sync), null for invoices Tally did not create
 * @param subscriptionId Stripe's {@code sub_...}, null for an invoice outside a subscription
 * @param currency lowercase ISO 4217 code
 * @param amountDueMinor Stripe's {@code amount_due}
 * @param amountPaidMinor Stripe's {@code amount_paid}
 * @param amountRefundedMinor refunded so far; 0 while Tally reads no refund for invoice charges
 * @param paymentState where the payment stands
 * @param attemptCount Stripe's {@code attempt_count}
 * @param nextPaymentAttemptAt Stripe's {@code next_payment_attempt}; null when Stripe will not try again
 * @param lastFailureAt {@code created} of the last {@code invoice.payment_failed} applied, null if none
 * @param paidAt Stripe's {@code status_transitions.paid_at} once paid, else null
 * @param stripeUpdatedAt {@code created} of the event that wrote this state: an older event never overwrites it
 * @param lastEventId that event's {@code evt_...}
 * @param lastEventType that event's type, e.g. {@code invoice.paid}
 */
public record InvoicePayment(String stripeInvoiceId, String accountId, String tallyInvoiceId, String subscriptionId,
                             String currency, long amountDueMinor, long amountPaidMinor, long amountRefundedMinor,
                             PaymentState paymentState, long attemptCount, Long nextPaymentAttemptAt,
                             Long lastFailureAt, Long paidAt, long stripeUpdatedAt, String lastEventId,
                             String lastEventType) {

    /** @throws NullPointerException if a required field is missing */
    public InvoicePayment {
        Objects.requireNonNull(stripeInvoiceId, "stripeInvoiceId");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(paymentState, "paymentState");
        Objects.requireNonNull(lastEventId, "lastEventId");
        Objects.requireNonNull(lastEventType, "lastEventType");
    }
}
