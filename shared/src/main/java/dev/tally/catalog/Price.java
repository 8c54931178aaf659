package dev.tally.catalog;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A published, immutable price, in the vocabulary of Stripe's Price object
 * (https://docs.stripe.com/api/prices/object). A price never changes once published: a change is a new price with a
 * new id, and invoices keep the ids of the prices they used ({@code catalog/published-prices.json} holds the content
 * hash of every published price, and a build test refuses a changed one).
 *
 * @param id the price id, unique in the catalog; 1 to 64 letters, digits, {@code _ - .} (it becomes part of invoice
 *           line ids and Stripe idempotency keys)
 * @param currency lowercase ISO 4217 code; amounts are in its minor unit (cents for {@code usd}, yen for {@code jpy})
 * @param meter the meter whose usage the price rates ({@code recurring.meter}), or null for a licensed price: a base fee
 *              or a minimum commitment
 * @param dimensionFilter empty: all usage of the meter; else only the usage whose event properties equal every entry,
 *                        e.g. {@code {"region": "eu"}} (the catalog's {@code meter_filter}; keys are dimensions the
 *                        meter declares). Sorted by key, unmodifiable
 * @param model how an amount follows from a quantity
 * @param displayName the price's {@code nickname}, or its id when it has none
 */
public record Price(String id, String currency, String meter, Map<String, String> dimensionFilter, PricingModel model,
                    String displayName) {

    /**
     * @throws NullPointerException if {@code id}, {@code currency} or {@code model} is null
     * @throws IllegalArgumentException if a dimension filter is given without a meter
     */
    public Price {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(model, "model");
        dimensionFilter = dimensionFilter == null ? Map.of()
                : java.util.Collections.unmodifiableMap(new TreeMap<>(dimensionFilter));
        if (!dimensionFilter.isEmpty() && meter == null) {
            throw new IllegalArgumentException("price " + id + ": a dimension filter needs a meter");
        }
        displayName = displayName == null || displayName.isBlank() ? id : displayName;
    }

    /**
     * Whether this price's dimension filter selects usage with these dimension values.
     *
     * @param dimensions the usage's values of its meter's dimensions (an absent property has the empty value)
     * @return true when every entry of the filter is in {@code dimensions} with the same value; always true without a
     *         filter
     */
    public boolean matches(Map<String, String> dimensions) {
        for (Map.Entry<String, String> entry : dimensionFilter.entrySet()) {
            if (!entry.getValue().equals(dimensions.getOrDefault(entry.getKey(), ""))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether some usage could match both this price's filter and {@code other}'s: unless a key they both filter on
     * has different values, an event can carry both filters' values.
     *
     * @param other another price of the same meter
     * @return true when the two filters can select the same usage
     */
    public boolean overlaps(Price other) {
        for (Map.Entry<String, String> entry : dimensionFilter.entrySet()) {
            String theirs = other.dimensionFilter.get(entry.getKey());
            if (theirs != null && !theirs.equals(entry.getValue())) {
                return false;
            }
        }
        return true;
    }
}
