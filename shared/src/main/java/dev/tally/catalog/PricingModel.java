package dev.tally.catalog;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a price turns a quantity into an amount: Stripe's pricing models
 * (https://docs.stripe.com/products-prices/pricing-models), as a closed set. In the catalog's JSON:
 * <ul>
 *   <li>{@link PerUnit}: {@code billing_scheme per_unit};</li>
 *   <li>{@link Package}: {@code per_unit} with {@code transform_quantity} (Stripe's package pricing);</li>
 *   <li>{@link Graduated} and {@link Volume}: {@code billing_scheme tiered} with {@code tiers_mode graduated} or
 *       {@code volume} (https://docs.stripe.com/subscriptions/pricing-models/tiered-pricing).</li>
 * </ul>
 * All amounts are in the price currency's minor unit and may carry up to 12 decimals. {@link dev.tally.rating.Rater}
 * applies them.
 */
public sealed interface PricingModel permits PricingModel.PerUnit, PricingModel.Package, PricingModel.Graduated,
        PricingModel.Volume {

    /**
     * Every unit at the same amount.
     *
     * @param unitAmount minor units per unit, up to 12 decimals, not negative
     */
    record PerUnit(BigDecimal unitAmount) implements PricingModel {
        /** @throws IllegalArgumentException if the amount is null or negative */
        public PerUnit {
            nonNegative(unitAmount, "unit amount");
        }
    }

    /**
     * Package pricing, Stripe's {@code transform_quantity}
     * (https://docs.stripe.com/billing/subscriptions/usage-based/transform-quantities): the quantity is divided by
     * {@code divideBy}, rounded up or down to whole packages, and each package costs {@code unitAmount}.
     *
     * @param unitAmount minor units per package, up to 12 decimals, not negative
     * @param divideBy units per package, positive
     * @param round {@link Rounding#UP}: a started package counts; {@link Rounding#DOWN}: only complete ones
     */
    record Package(BigDecimal unitAmount, long divideBy, Rounding round) implements PricingModel {
        /** @throws IllegalArgumentException if the amount is negative or {@code divideBy} is not positive */
        public Package {
            nonNegative(unitAmount, "unit amount");
            if (divideBy <= 0) {
                throw new IllegalArgumentException("divide_by must be positive, was " + divideBy);
            }
            Objects.requireNonNull(round, "round");
        }
    }

    /**
     * Graduated tiers: each unit is priced by the tier it falls in, and a tier's flat amount is charged once when the
     * quantity reaches into it.
     *
     * @param tiers in ascending order of {@link Tier#upTo()}, the last one unbounded (see {@link #tierProblems})
     */
    record Graduated(List<Tier> tiers) implements PricingModel {
        /** @throws IllegalArgumentException when the tiers break a rule of {@link #tierProblems} */
        public Graduated {
            tiers = checked(tiers);
        }
    }

    /**
     * Volume tiers: every unit is priced by the tier the whole quantity falls in, plus that tier's flat amount.
     *
     * @param tiers in ascending order of {@link Tier#upTo()}, the last one unbounded (see {@link #tierProblems})
     */
    record Volume(List<Tier> tiers) implements PricingModel {
        /** @throws IllegalArgumentException when the tiers break a rule of {@link #tierProblems} */
        public Volume {
            tiers = checked(tiers);
        }
    }

    /**
     * What is wrong with a list of tiers, by Stripe's rules (https://docs.stripe.com/api/prices/create#create_price-tiers):
     * at least one tier; {@code up_to} ascends strictly; only the last tier is unbounded, and it must be.
     *
     * @param tiers the tiers, in order
     * @return one entry per problem: the index of the tier at fault and the reason; empty when the tiers are valid
     */
    static List<TierProblem> tierProblems(List<Tier> tiers) {
        List<TierProblem> problems = new ArrayList<>();
        if (tiers == null || tiers.isEmpty()) {
            problems.add(new TierProblem(0, "a tiered price needs at least one tier"));
            return problems;
        }
        BigDecimal previous = null;
        for (int i = 0; i < tiers.size(); i++) {
            Tier tier = tiers.get(i);
            boolean last = i == tiers.size() - 1;
            if (tier.unbounded() && !last) {
                problems.add(new TierProblem(i, "only the last tier may be unbounded (up_to \"inf\")"));
            } else if (!tier.unbounded() && last) {
                problems.add(new TierProblem(i, "the last tier must be unbounded: up_to \"inf\""));
            }
            if (!tier.unbounded()) {
                if (previous != null && tier.upTo().compareTo(previous) <= 0) {
                    problems.add(new TierProblem(i, "up_to must be greater than the previous tier's (" + previous.toPlainString() + ")"));
                }
                previous = tier.upTo();
            }
        }
        return problems;
    }

    /**
     * A tier that breaks a rule.
     *
     * @param index 0-based index of the tier
     * @param reason what is wrong
     */
    record TierProblem(int index, String reason) {
    }

    private static List<Tier> checked(List<Tier> tiers) {
        List<TierProblem> problems = tierProblems(tiers);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("tiers[" + problems.getFirst().index() + "]: " + problems.getFirst().reason());
        }
        return List.copyOf(tiers);
    }

    private static void nonNegative(BigDecimal amount, String what) {
        Objects.requireNonNull(amount, what);
        if (amount.signum() < 0) {
            throw new IllegalArgumentException(what + " must not be negative, was " + amount.toPlainString());
        }
    }
}
