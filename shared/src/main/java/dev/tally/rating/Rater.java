package dev.tally.rating;

import dev.tally.catalog.MeteredPrice;
import dev.tally.catalog.Tier;
import dev.tally.money.MinorUnits;

import java.math.BigDecimal;

/**
 * Prices a billing period's usage of one meter with its {@link MeteredPrice}. Pure and thread-safe.
 *
 * <p>Rules, following Stripe's pricing models (https://docs.stripe.com/products-prices/pricing-models):
 * <ol>
 *   <li>The period's included quantity is subtracted first; what remains (never below zero) is billable.</li>
 *   <li>{@code per_unit}: billable units (after {@code transform_quantity}, i.e. packages) x {@code unit_amount_decimal}.</li>
 *   <li>{@code tiered/graduated}: the units inside each tier at that tier's unit price, plus the tier's flat amount
 *       when at least one unit falls in it.</li>
 *   <li>{@code tiered/volume}: all units at the unit price of the tier the total falls in, plus that tier's flat
 *       amount.</li>
 *   <li>Zero billable units cost nothing (no flat amounts either).</li>
 *   <li>The unrounded amount is in minor units and is rounded once, by {@link MinorUnits#roundLine}.</li>
 * </ol>
 */
public final class Rater {

    private Rater() {
    }

    /**
     * @param price the meter's price in the subscription's plan
     * @param quantity the period's total usage, non-negative
     * @return the rated line
     * @throws IllegalArgumentException if {@code quantity} is negative
     */
    public static RatedLine rate(MeteredPrice price, BigDecimal quantity) {
        if (quantity.signum() < 0) {
            throw new IllegalArgumentException("quantity must not be negative: " + quantity);
        }
        BigDecimal included = quantity.min(price.includedQuantity());
        BigDecimal billable = quantity.subtract(included);
        BigDecimal amount;
        if ("per_unit".equals(price.billingScheme())) {
            if (price.transformQuantity() != null) {
                billable = price.transformQuantity().apply(billable);
            }
            amount = billable.multiply(price.unitAmountDecimal());
        } else if ("graduated".equals(price.tiersMode())) {
            amount = graduated(price, billable);
        } else {
            amount = volume(price, billable);
        }
        return new RatedLine(price.meter(), quantity, included, billable, MinorUnits.roundLine(amount));
    }

    private static BigDecimal graduated(MeteredPrice price, BigDecimal billable) {
        BigDecimal amount = BigDecimal.ZERO;
        BigDecimal lower = BigDecimal.ZERO;
        for (Tier tier : price.tiers()) {
            if (billable.compareTo(lower) <= 0) {
                break;
            }
            BigDecimal upper = tier.unbounded() ? billable : tier.upTo().min(billable);
            BigDecimal inTier = upper.subtract(lower);
            amount = amount.add(inTier.multiply(tier.unitAmountDecimal())).add(tier.flatAmountDecimal());
            if (tier.unbounded()) {
                break;
            }
            lower = tier.upTo();
        }
        return amount;
    }

    private static BigDecimal volume(MeteredPrice price, BigDecimal billable) {
        if (billable.signum() == 0) {
            return BigDecimal.ZERO;
        }
        for (Tier tier : price.tiers()) {
            if (tier.unbounded() || billable.compareTo(tier.upTo()) <= 0) {
                return billable.multiply(tier.unitAmountDecimal()).add(tier.flatAmountDecimal());
            }
        }
        throw new IllegalStateException("catalog validation guarantees an unbounded last tier");
    }
}
