package dev.tally.catalog;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A metered price as a plan uses it (an entry of the catalog's {@code usage}).
 *
 * @param price a price with a meter
 * @param includedQuantity free quantity per full billing period, in the meter's unit, subtracted before the price
 *                         applies; not negative (zero when absent)
 */
public record UsagePrice(Price price, BigDecimal includedQuantity) {
    /** @throws IllegalArgumentException if the price has no meter or the included quantity is negative */
    public UsagePrice {
        Objects.requireNonNull(price, "price");
        if (price.meter() == null) {
            throw new IllegalArgumentException("price " + price.id() + " has no meter, so it cannot price usage");
        }
        includedQuantity = includedQuantity == null ? BigDecimal.ZERO : includedQuantity;
        if (includedQuantity.signum() < 0) {
            throw new IllegalArgumentException("included quantity must not be negative, was " + includedQuantity.toPlainString());
        }
    }
}
