package dev.tally.catalog;

import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * A plan's recurring base fee (the catalog's {@code base_fee}).
 *
 * <p>A base fee that Stripe's own subscription already charges is not billed twice: when the subscription has an item
 * on one of {@code chargedByStripePrices}, Stripe bills the fee on its invoice and Tally must not
 * ({@link #chargedByStripe}). The plan's other Stripe prices only map the subscription to the plan and are expected
 * to charge nothing in Stripe (docs/design.md, "Catalog").
 *
 * @param price a licensed {@link PricingModel.PerUnit} price: the amount per seat per full billing period (quantity =
 *              the subscription's seats, 1 without seats), in the plan's currency and interval
 * @param timing billed in advance (for the period starting) or in arrears (for the period ended)
 * @param chargedByStripePrices Stripe price ids or lookup keys that charge this fee in Stripe themselves; unmodifiable
 */
public record BaseFee(Price price, BillingTiming timing, List<String> chargedByStripePrices) {

    /** @throws NullPointerException if {@code price} or {@code timing} is null */
    public BaseFee {
        Objects.requireNonNull(price, "price");
        Objects.requireNonNull(timing, "timing");
        chargedByStripePrices = chargedByStripePrices == null ? List.of() : List.copyOf(chargedByStripePrices);
    }

    /**
     * A base fee that only Tally bills.
     *
     * @param price the fee's price
     * @param timing in advance or in arrears
     */
    public BaseFee(Price price, BillingTiming timing) {
        this(price, timing, List.of());
    }

    /**
     * @param subscriptionStripePrices the price ids and lookup keys of the Stripe subscription's items
     * @return true when Stripe charges this fee for that subscription, so Tally must not bill it
     */
    public boolean chargedByStripe(Collection<String> subscriptionStripePrices) {
        return subscriptionStripePrices != null && subscriptionStripePrices.stream().anyMatch(chargedByStripePrices::contains);
    }
}
