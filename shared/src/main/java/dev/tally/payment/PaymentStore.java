package dev.tally.payment;

import java.util.List;
import java.util.Optional;

/**
 * Where invoices' payment states are kept (the {@code payments} table; adapter {@link DynamoDbPaymentStore}). Written
 * by the Stripe webhook only, in the transaction that records the event.
 */
public interface PaymentStore {

    /**
     * @param stripeInvoiceId {@code in_...}
     * @return its payment state (strongly consistent read), empty if Tally has seen no event for it
     */
    Optional<InvoicePayment> find(String stripeInvoiceId);

    /**
     * @param accountId Tally account id
     * @return the account's invoices' payment states, oldest {@code stripeUpdatedAt} first (index {@code by-account},
     *     eventually consistent)
     */
    List<InvoicePayment> ofAccount(String accountId);
}
