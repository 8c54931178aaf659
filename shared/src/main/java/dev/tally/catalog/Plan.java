package dev.tally.catalog;

import java.util.List;
import java.util.Optional;

/**
 * A plan: the metered prices that apply to a subscription, in one currency and billing interval.
 *
 * @param id plan id ({@code "team"})
 * @param displayName name for people
 * @param stripePriceIds Stripe price ids or lookup keys on a subscription item that select this plan
 * @param currency lowercase ISO 4217 code
 * @param interval {@code month} or {@code year}
 * @param intervalCount number of intervals per billing period, at least 1
 * @param prices one metered price per meter
 */
public record Plan(String id, String displayName, List<String> stripePriceIds, String currency, String interval,
                   int intervalCount, List<MeteredPrice> prices) {

    public Plan {
        stripePriceIds = List.copyOf(stripePriceIds);
        prices = List.copyOf(prices);
    }

    /**
     * @param meterId a meter id
     * @return the price for that meter, empty when this plan does not bill it
     */
    public Optional<MeteredPrice> priceFor(String meterId) {
        return prices.stream().filter(p -> p.meter().equals(meterId)).findFirst();
    }
}
