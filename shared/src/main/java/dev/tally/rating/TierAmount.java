package dev.tally.rating;

import java.math.BigDecimal;

/**
 * What one tier of a price contributed to a {@link Rating}, before the line's single rounding. A per-unit or package
 * price has one such entry (tier 0, unbounded).
 *
 * @param tier 0-based index of the tier in the price
 * @param upTo the tier's inclusive upper bound, null for the unbounded last tier
 * @param quantity the quantity priced in this tier (for a package price: packages)
 * @param unitAmount minor units per unit (per package) in this tier
 * @param flatAmount the tier's flat amount charged, in minor units (zero when it has none)
 * @param amount {@code quantity x unitAmount + flatAmount}, in minor units, unrounded
 */
public record TierAmount(int tier, BigDecimal upTo, BigDecimal quantity, BigDecimal unitAmount, BigDecimal flatAmount,
                         BigDecimal amount) {
}
