package dev.tally.catalog;

import dev.tally.dunning.DunningPolicy;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The validated product catalog: meters, every published price, and plans. Immutable; load it once per execution
 * environment with {@link CatalogLoader}.
 *
 * @param version catalog version string, recorded on every invoice so an amount can be traced to the prices used
 * @param meters meters by id, in catalog order
 * @param prices every published price by id, in catalog order, including prices no plan uses any more (invoices keep
 *               the ids of the prices they used)
 * @param plans plans by id, in catalog order
 * @param dunning the catalog-wide dunning policy (the catalog's {@code dunning}, else {@link DunningPolicy#DEFAULT});
 *                each plan carries the one that applies to it ({@link Plan#dunning})
 */
public record Catalog(String version, Map<String, Meter> meters, Map<String, Price> prices, Map<String, Plan> plans,
                      DunningPolicy dunning) {

    public Catalog {
        meters = Collections.unmodifiableMap(new LinkedHashMap<>(meters));
        prices = Collections.unmodifiableMap(new LinkedHashMap<>(prices));
        plans = Collections.unmodifiableMap(new LinkedHashMap<>(plans));
        dunning = dunning == null ? DunningPolicy.DEFAULT : dunning;
    }

    /**
     * @param meterId a meter id from a usage event
     * @return the meter, empty if the catalog has no such meter
     */
    public Optional<Meter> meter(String meterId) {
        return Optional.ofNullable(meters.get(meterId));
    }

    /**
     * @param planId a plan id
     * @return the plan, empty if unknown
     */
    public Optional<Plan> plan(String planId) {
        return Optional.ofNullable(plans.get(planId));
    }

    /**
     * @param priceId a price id, e.g. from an invoice line
     * @return the published price, empty if the catalog never published one with that id
     */
    public Optional<Price> price(String priceId) {
        return Optional.ofNullable(prices.get(priceId));
    }

    /**
     * Finds the plan a Stripe subscription is on from the price ids (or lookup keys) of its items.
     *
     * @param stripePriceIdsOrLookupKeys ids and lookup keys of the subscription's item prices
     * @return the first plan that names one of them, empty if none does
     */
    public Optional<Plan> planForStripePrices(List<String> stripePriceIdsOrLookupKeys) {
        for (String candidate : stripePriceIdsOrLookupKeys) {
            for (Plan plan : plans.values()) {
                if (plan.stripePriceIds().contains(candidate)) {
                    return Optional.of(plan);
                }
            }
        }
        return Optional.empty();
    }
}
