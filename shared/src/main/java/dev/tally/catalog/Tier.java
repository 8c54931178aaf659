package dev.tally.catalog;

import java.math.BigDecimal;

/**
 * One tier of a tiered price, as Stripe's {@code tiers[]}
 * (https://docs.stripe.com/api/prices/object#price_object-tiers).
 *
 * @param upTo inclusive upper bound of the tier in billable units, or {@code null} for the last tier ({@code "inf"})
 * @param unitAmountDecimal price per unit in minor units, up to 12 decimals
 * @param flatAmountDecimal flat amount in minor units charged once when quantity reaches into the tier
 */
public record Tier(BigDecimal upTo, BigDecimal unitAmountDecimal, BigDecimal flatAmountDecimal) {
    public Tier {
        unitAmountDecimal = unitAmountDecimal == null ? BigDecimal.ZERO : unitAmountDecimal;
        flatAmountDecimal = flatAmountDecimal == null ? BigDecimal.ZERO : flatAmountDecimal;
    }

    /** @return true for the last, unbounded tier */
    public boolean unbounded() {
        return upTo == null;
    }
}
