package dev.tally.stripesync;

import java.util.Map;
import java.util.Objects;

/**
 * What the sync needs to know of a Stripe invoice (https://docs.stripe.com/api/invoices/object), without
 * stripe-java's types.
 *
 * @param id Stripe invoice id, {@code in_...}
 * @param customer Stripe customer id, {@code cus_...}
 * @param currency lowercase ISO 4217 code
 * @param status Stripe's status: {@code draft}, {@code open}, {@code paid}, {@code uncollectible} or {@code void}
 *               (https://docs.stripe.com/invoicing/overview#invoice-statuses)
 * @param totalMinor Stripe's {@code total}: the sum of the invoice's lines after discounts and tax, in minor units
 * @param metadata the invoice's metadata; Tally's carry {@link StripeSyncService#TALLY_INVOICE_METADATA}
 */
public record StripeInvoice(String id, String customer, String currency, String status, long totalMinor,
                            Map<String, String> metadata) {
    /** Stripe's status of an invoice that may still change. */
    public static final String DRAFT = "draft";
    /** Stripe's status of a voided invoice: it no longer asks for money. */
    public static final String VOID = "void";

    public StripeInvoice {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** @return the Tally invoice id in the metadata, or null */
    public String tallyInvoiceId() {
        return metadata.get(StripeSyncService.TALLY_INVOICE_METADATA);
    }

    /** @return true while Stripe lets items be added (status {@code draft}) */
    public boolean draft() {
        return DRAFT.equals(status);
    }
}
