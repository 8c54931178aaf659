package dev.tally.stripesync;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Stripe API calls that invoice sync makes: what it needs to find what already exists in Stripe for a Tally
 * invoice before it creates anything, to create what is missing, and to finalize. Creating calls carry an
 * idempotency key (https://docs.stripe.com/api/idempotent_requests); reading calls need none (GETs are idempotent).
 *
 * <p>Implementations: {@link StripeApiGateway} (stripe-java, a real API key) and {@link RecordingStripeGateway} (no
 * key: records each creating request it would send and answers the reads from those records). Amounts are long
 * minor units with a lowercase ISO 4217 currency; times are seconds since the epoch.
 *
 * <p>Every method throws {@link StripeFailure} when Stripe (or the network) fails, classified transient or
 * permanent; any other {@link RuntimeException} is a bug or the local store failing.
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
     * Finds the Stripe invoices that carry a Tally invoice id in their metadata ({@code tally_invoice_id}), in any
     * status. Stripe's search is eventually consistent (data is searchable "in under 1 minute",
     * https://docs.stripe.com/search#data-freshness) while its list APIs are not, so an implementation must also
     * list the customer's invoices created since {@code createdSince} and match their metadata: Tally creates the
     * Stripe invoice after its own invoice exists, so every candidate is in that list, even one created a moment ago.
     *
     * @param tallyInvoiceId the Tally invoice id
     * @param customer the Stripe customer the invoice is for, {@code cus_...}
     * @param createdSince seconds since the epoch; no Stripe invoice of this Tally invoice is older
     * @return the matching invoices, each once, in no particular order; empty if none
     */
    List<StripeInvoice> findInvoices(String tallyInvoiceId, String customer, long createdSince);

    /**
     * {@code GET /v1/invoices/{id}} (https://docs.stripe.com/api/invoices/retrieve).
     *
     * @param stripeInvoiceId {@code in_...}
     * @return the invoice, empty when Stripe has no such invoice (404 {@code resource_missing}: e.g. a draft
     *         deleted in the Dashboard)
     */
    Optional<StripeInvoice> retrieveInvoice(String stripeInvoiceId);

    /**
     * {@code POST /v1/invoices} (https://docs.stripe.com/api/invoices/create): a draft invoice that takes only the
     * items added to it explicitly ({@code pending_invoice_items_behavior=exclude}), charged automatically, and that
     * Stripe does not finalize by itself ({@code auto_advance=false}) until Tally has added every item.
     *
     * @param customer Stripe customer id, {@code cus_...}
     * @param currency lowercase ISO 4217 code
     * @param description invoice description
     * @param metadata metadata, including {@code tally_invoice_id}
     * @param idempotencyKey idempotency key
     * @return the draft
     */
    StripeInvoice createInvoice(String customer, String currency, String description, Map<String, String> metadata,
                                String idempotencyKey);

    /**
     * {@code GET /v1/invoiceitems?invoice=...} (https://docs.stripe.com/api/invoiceitems/list), every page: the
     * items on an invoice. A list API, so an item created a moment ago is in it.
     *
     * @param stripeInvoiceId {@code in_...}
     * @return the items, in no particular order
     */
    List<StripeInvoiceItem> listItems(String stripeInvoiceId);

    /**
     * {@code POST /v1/invoiceitems} (https://docs.stripe.com/api/invoiceitems/create): one line on a draft invoice.
     *
     * @param customer Stripe customer id
     * @param stripeInvoiceId the draft, {@code in_...}
     * @param amountMinor amount in minor units; negative for a credit
     * @param currency lowercase ISO 4217 code
     * @param description line text
     * @param metadata metadata, including {@code tally_line_id}
     * @param idempotencyKey idempotency key
     * @return the item
     */
    StripeInvoiceItem createInvoiceItem(String customer, String stripeInvoiceId, long amountMinor, String currency,
                                        String description, Map<String, String> metadata, String idempotencyKey);

    /**
     * {@code POST /v1/invoices/{id}/finalize} with {@code auto_advance=true} (https://docs.stripe.com/api/invoices/finalize):
     * the draft becomes {@code open} and Stripe collects it.
     *
     * @param stripeInvoiceId the draft, {@code in_...}
     * @param idempotencyKey idempotency key
     * @return the finalized invoice
     */
    StripeInvoice finalizeInvoice(String stripeInvoiceId, String idempotencyKey);
}
