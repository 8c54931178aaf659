package dev.tally.rating;

import java.math.BigDecimal;
import java.util.List;

/**
 * A quantity rated with one price: the amount of one invoice line, and how it came about.
 *
 * @param priceId the price's id
 * @param quantity the quantity rated (e.g. a billing period's usage), in the meter's unit
 * @param includedQuantity the free quantity applied: {@code min(quantity, included quantity)}
 * @param billableQuantity what the price applied to: {@code quantity - includedQuantity}, and for a package price the
 *                         number of packages that makes (Stripe's quantity after {@code transform_quantity})
 * @param amountMinor the line amount in whole minor units: the sum of the tiers' amounts, rounded once by
 *                    {@link dev.tally.money.MinorUnits#roundLine}
 * @param tiers the breakdown, one entry per tier that priced a quantity, in tier order; empty when nothing was
 *              billable
 */
public record Rating(String priceId, BigDecimal quantity, BigDecimal includedQuantity, BigDecimal billableQuantity,
                     long amountMinor, List<TierAmount> tiers) {
    public Rating {
        tiers = List.copyOf(tiers);
    }
}
