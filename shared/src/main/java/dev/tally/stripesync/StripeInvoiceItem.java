package dev.tally.stripesync;

import java.util.Map;
import java.util.Objects;

/**
 * What the sync needs to know of a Stripe invoice item (https://docs.stripe.com/api/invoiceitems/object).
 *
 * @param id Stripe invoice item id, {@code ii_...}
 * @param invoice the Stripe invoice it is on, {@code in_...}
 * @param amountMinor amount in minor units, negative for a credit
 * @param currency lowercase ISO 4217 code
 * @param metadata the item's metadata; Tally's carry {@link StripeSyncService#TALLY_LINE_METADATA}
 */
public record StripeInvoiceItem(String id, String invoice, long amountMinor, String currency,
                                Map<String, String> metadata) {
    public StripeInvoiceItem {
        Objects.requireNonNull(id, "id");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** @return the Tally invoice line id in the metadata, or null for an item Tally did not create */
    public String tallyLineId() {
        return metadata.get(StripeSyncService.TALLY_LINE_METADATA);
    }
}
