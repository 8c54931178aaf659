package dev.tally.stripesync;

import java.util.Map;

/**
 * The Stripe API calls that invoice sync makes. Every call carries an idempotency key derived from Tally's ids, so
 * a retried call within Stripe's 24-hour key window returns the first result instead of creating a second object
 * (https://docs.stripe.com/api/idempotent_requests).
 *
 * <p>Implementations: {@link StripeApiGateway} (stripe-java, a real API key) and {@link RecordingStripeGateway} (no
 * key: records each request it would send). Amounts are long minor units with a lowercase ISO 4217 currency.
 */
public interface StripeGateway {

    /**
     * @return true when calls reach Stripe; false when they are only recorded (the sync state then says
     *         {@code recorded}, never {@code synced}, so a later real sync is not mistaken as done)
     */
    default boolean sendsRequests() {
        return true;
    }

    /**
     * {@code POST /v1/invoices}: a draft invoice that takes only the items added to it explicitly, and that Stripe
     * does not finalize by itself ({@code auto_advance=false}) until Tally has added every item.
     *
     * @param customer Stripe customer id, {@code cus_...}
     * @param currency lowercase ISO 4217 code
     * @param description invoice description
     * @param metadata metadata, including {@code tally_invoice_id}
     * @param idempotencyKey idempotency key
     * @return the Stripe invoice id, {@code in_...}
     */
    String createInvoice(String customer, String currency, String description, Map<String, String> metadata,
                         String idempotencyKey);

    /**
     * {@code POST /v1/invoiceitems}: one line on the draft invoice.
     *
     * @param customer Stripe customer id
     * @param invoice Stripe invoice id
     * @param amountMinor amount in minor units; negative for a credit
     * @param currency lowercase ISO 4217 code
     * @param description line text
     * @param metadata metadata (Tally invoice id, meter)
     * @param idempotencyKey idempotency key
     */
    void createInvoiceItem(String customer, String invoice, long amountMinor, String currency, String description,
                           Map<String, String> metadata, String idempotencyKey);

    /**
     * {@code POST /v1/invoices/{id}/finalize}: finalizes the invoice so Stripe collects it.
     *
     * @param invoice Stripe invoice id
     * @param idempotencyKey idempotency key
     */
    void finalizeInvoice(String invoice, String idempotencyKey);
}
