package dev.tally.rating;

import dev.tally.catalog.Price;
import dev.tally.catalog.PricingModel;
import dev.tally.catalog.Tier;
import dev.tally.money.MinorUnits;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Rates a quantity with a {@link Price}. Pure and thread-safe.
 *
 * <p>Rules, Stripe's pricing models (https://docs.stripe.com/products-prices/pricing-models,
 * https://docs.stripe.com/subscriptions/pricing-models/tiered-pricing):
 * <ol>
 *   <li>The included quantity is subtracted first; what remains (never below zero) is billable.</li>
 *   <li>{@link PricingModel.PerUnit}: billable x unit amount.</li>
 *   <li>{@link PricingModel.Package} ({@code transform_quantity}): billable / {@code divide_by}, rounded up or down to
 *       whole packages, x unit amount (https://docs.stripe.com/billing/subscriptions/usage-based/transform-quantities).</li>
 *   <li>{@link PricingModel.Graduated}: the units inside each tier at that tier's unit amount, plus the flat amount of
 *       every tier the quantity reaches into. {@code up_to} is inclusive.</li>
 *   <li>{@link PricingModel.Volume}: every unit at the unit amount of the tier the whole quantity falls in, plus that
 *       tier's flat amount.</li>
 *   <li>Zero billable costs nothing, flat amounts included. Here Tally departs from Stripe, which bills the first
 *       tier's flat amount at quantity 0 and shows a workaround for billing 0 without usage (same page, "Add a flat
 *       rate"): with included quantities, zero billable is usual, and a flat amount for no usage would surprise.</li>
 *   <li>The amounts are exact decimals in minor units; the line is rounded once, half up, by
 *       {@link MinorUnits#roundLine}.</li>
 * </ol>
 */
public final class Rater {

    private Rater() {
    }

    /**
     * @param price the price
     * @param quantity the quantity to rate (e.g. a billing period's usage), not negative
     * @param includedQuantity free quantity, not negative, subtracted first (never below zero)
     * @return the rating, with its per-tier breakdown
     * @throws IllegalArgumentException if a quantity is negative
     * @throws ArithmeticException if the amount does not fit a {@code long} of minor units
     */
    public static Rating rate(Price price, BigDecimal quantity, BigDecimal includedQuantity) {
        if (quantity.signum() < 0) {
            throw new IllegalArgumentException("quantity must not be negative: " + quantity.toPlainString());
        }
        if (includedQuantity.signum() < 0) {
            throw new IllegalArgumentException("included quantity must not be negative: " + includedQuantity.toPlainString());
        }
        BigDecimal included = quantity.min(includedQuantity);
        BigDecimal billable = quantity.subtract(included);
        List<TierAmount> tiers = new ArrayList<>();
        if (billable.signum() > 0) {
            switch (price.model()) {
                case PricingModel.PerUnit p -> tiers.add(single(billable, p.unitAmount()));
                case PricingModel.Package p -> {
                    billable = billable.divide(BigDecimal.valueOf(p.divideBy()), 0, p.round().mode());
                    if (billable.signum() > 0) {
                        tiers.add(single(billable, p.unitAmount()));
                    }
                }
                case PricingModel.Graduated g -> graduated(g.tiers(), billable, tiers);
                case PricingModel.Volume v -> volume(v.tiers(), billable, tiers);
            }
        }
        BigDecimal amount = tiers.stream().map(TierAmount::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
        return new Rating(price.id(), quantity, included, billable, MinorUnits.roundLine(amount), tiers);
    }

    /**
     * Rates a quantity without an included quantity.
     *
     * @param price the price
     * @param quantity the quantity to rate, not negative
     * @return the rating
     * @throws IllegalArgumentException if the quantity is negative
     */
    public static Rating rate(Price price, BigDecimal quantity) {
        return rate(price, quantity, BigDecimal.ZERO);
    }

    private static TierAmount single(BigDecimal quantity, BigDecimal unitAmount) {
        return new TierAmount(0, null, quantity, unitAmount, BigDecimal.ZERO, quantity.multiply(unitAmount));
    }

    private static void graduated(List<Tier> tiers, BigDecimal billable, List<TierAmount> out) {
        BigDecimal lower = BigDecimal.ZERO;
        for (int i = 0; i < tiers.size() && billable.compareTo(lower) > 0; i++) {
            Tier tier = tiers.get(i);
            BigDecimal upper = tier.unbounded() ? billable : tier.upTo().min(billable);
            BigDecimal inTier = upper.subtract(lower);
            out.add(new TierAmount(i, tier.upTo(), inTier, tier.unitAmount(), tier.flatAmount(),
                    inTier.multiply(tier.unitAmount()).add(tier.flatAmount())));
            if (!tier.unbounded()) {
                lower = tier.upTo();
            }
        }
    }

    private static void volume(List<Tier> tiers, BigDecimal billable, List<TierAmount> out) {
        for (int i = 0; i < tiers.size(); i++) {
            Tier tier = tiers.get(i);
            if (tier.unbounded() || billable.compareTo(tier.upTo()) <= 0) {
                out.add(new TierAmount(i, tier.upTo(), billable, tier.unitAmount(), tier.flatAmount(),
                        billable.multiply(tier.unitAmount()).add(tier.flatAmount())));
                return;
            }
        }
        throw new IllegalStateException("the last tier is unbounded (PricingModel checks it)");
    }
}
