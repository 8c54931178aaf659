package dev.tally.catalog;

import dev.tally.dunning.DunningPolicy;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A plan: what a subscription on it is billed, in one currency and billing interval.
 *
 * @param id plan id ({@code "team"})
 * @param displayName name for people
 * @param stripePriceIds Stripe price ids or lookup keys on a subscription item that select this plan
 * @param currency lowercase ISO 4217 code of every price of the plan
 * @param interval {@code month} or {@code year}
 * @param intervalCount number of intervals per billing period, at least 1
 * @param baseFee the recurring base fee, if any
 * @param usagePrices metered prices with their included quantities, in catalog order; a meter may have several, each
 *                    filtered by dimension (see {@link #usageFilter})
 * @param minimumCommitment the least the plan bills per full billing period, if any
 * @param features feature lookup keys an account on the plan is entitled to (like Stripe Entitlements features,
 *                 https://docs.stripe.com/billing/entitlements), in catalog order
 * @param limits quantity limits per meter, in catalog order, at most one per meter
 * @param dunning the plan's dunning policy: its own, else the catalog's, else {@link DunningPolicy#DEFAULT}
 * @param alerts the plan's customer alert settings ({@link PlanAlerts#NONE} when the catalog sets none)
 */
public record Plan(String id, String displayName, List<String> stripePriceIds, String currency, String interval,
                   int intervalCount, Optional<BaseFee> baseFee, List<UsagePrice> usagePrices,
                   Optional<MinimumCommitment> minimumCommitment, List<String> features, List<UsageLimit> limits,
                   DunningPolicy dunning, PlanAlerts alerts) {

    public Plan {
        Objects.requireNonNull(id, "id");
        stripePriceIds = List.copyOf(stripePriceIds);
        usagePrices = List.copyOf(usagePrices);
        baseFee = baseFee == null ? Optional.empty() : baseFee;
        minimumCommitment = minimumCommitment == null ? Optional.empty() : minimumCommitment;
        features = features == null ? List.of() : List.copyOf(features);
        limits = limits == null ? List.of() : List.copyOf(limits);
        dunning = dunning == null ? DunningPolicy.DEFAULT : dunning;
        alerts = alerts == null ? PlanAlerts.NONE : alerts;
    }

    /** A plan without alert settings (the catalog's {@code alerts} absent). */
    public Plan(String id, String displayName, List<String> stripePriceIds, String currency, String interval,
                int intervalCount, Optional<BaseFee> baseFee, List<UsagePrice> usagePrices,
                Optional<MinimumCommitment> minimumCommitment, List<String> features, List<UsageLimit> limits,
                DunningPolicy dunning) {
        this(id, displayName, stripePriceIds, currency, interval, intervalCount, baseFee, usagePrices, minimumCommitment,
                features, limits, dunning, PlanAlerts.NONE);
    }

    /** A plan without features, limits, its own dunning policy or alert settings. */
    public Plan(String id, String displayName, List<String> stripePriceIds, String currency, String interval,
                int intervalCount, Optional<BaseFee> baseFee, List<UsagePrice> usagePrices,
                Optional<MinimumCommitment> minimumCommitment) {
        this(id, displayName, stripePriceIds, currency, interval, intervalCount, baseFee, usagePrices, minimumCommitment,
                List.of(), List.of(), null, PlanAlerts.NONE);
    }

    /**
     * @param meterId a meter id
     * @return the plan's limit on that meter, empty when it sets none
     */
    public Optional<UsageLimit> limit(String meterId) {
        return limits.stream().filter(l -> l.meter().equals(meterId)).findFirst();
    }

    /**
     * @param meterId a meter id
     * @return the usage prices of that meter (several when filtered by dimension), in catalog order; empty when this
     *         plan does not bill the meter
     */
    public List<UsagePrice> pricesFor(String meterId) {
        return usagePrices.stream().filter(u -> u.price().meter().equals(meterId)).toList();
    }

    /**
     * @param priceId a price id
     * @return the plan's usage price with that id, empty when the plan has none
     */
    public Optional<UsagePrice> usagePrice(String priceId) {
        return usagePrices.stream().filter(u -> u.price().id().equals(priceId)).findFirst();
    }

    /**
     * Which usage of its meter a usage price bills in this plan. A price with a dimension filter bills the usage the
     * filter matches (the catalog refuses two filtered prices of a meter that could match the same usage). A price
     * without a filter bills the rest: the meter's usage that no filtered price of this plan matches. So the prices of
     * a meter split its usage, and every unit is billed once.
     *
     * @param usagePrice one of this plan's usage prices
     * @return a predicate over the usage's dimension values (meter dimension to value; an absent property has the
     *         empty value), as {@code UsageQuery.value} takes it
     * @throws IllegalArgumentException if the price is not one of this plan's
     */
    public Predicate<Map<String, String>> usageFilter(UsagePrice usagePrice) {
        if (!usagePrices.contains(usagePrice)) {
            throw new IllegalArgumentException("price " + usagePrice.price().id() + " is not a usage price of plan " + id);
        }
        Price price = usagePrice.price();
        if (!price.dimensionFilter().isEmpty()) {
            return price::matches;
        }
        List<Price> filtered = pricesFor(price.meter()).stream().map(UsagePrice::price)
                .filter(p -> !p.dimensionFilter().isEmpty()).toList();
        if (filtered.isEmpty()) {
            return dimensions -> true;
        }
        return dimensions -> filtered.stream().noneMatch(p -> p.matches(dimensions));
    }
}
