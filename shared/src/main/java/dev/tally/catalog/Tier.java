package dev.tally.catalog;

import java.math.BigDecimal;

/**
 * One tier of a tiered price, as Stripe's {@code tiers[]} (https://docs.stripe.com/api/prices/object#price_object-tiers).
 * Absent amounts are zero; the catalog requires a tier to have a unit amount, a flat amount, or both.
 *
 * @param upTo inclusive upper bound of the tier, in the units priced, positive; {@code null} for the last tier
 *             ({@code "up_to": "inf"})
 * @param unitAmount minor units per unit in the tier, up to 12 decimals, not negative
 * @param flatAmount minor units charged once for the tier (graduated: when the quantity reaches into it; volume: when
 *                   the quantity falls in it), up to 12 decimals, not negative
 */
public record Tier(BigDecimal upTo, BigDecimal unitAmount, BigDecimal flatAmount) {

    /** @throws IllegalArgumentException if an amount is negative or {@code upTo} is not positive */
    public Tier {
        unitAmount = unitAmount == null ? BigDecimal.ZERO : unitAmount;
        flatAmount = flatAmount == null ? BigDecimal.ZERO : flatAmount;
        if (unitAmount.signum() < 0 || flatAmount.signum() < 0) {
            throw new IllegalArgumentException("tier amounts must not be negative");
        }
        if (upTo != null && upTo.signum() <= 0) {
            throw new IllegalArgumentException("up_to must be positive, was " + upTo.toPlainString());
        }
    }

    /** @return true for the last, unbounded tier */
    public boolean unbounded() {
        return upTo == null;
    }
}
