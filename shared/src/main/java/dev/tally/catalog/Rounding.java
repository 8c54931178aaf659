package dev.tally.catalog;

import java.math.RoundingMode;

/**
 * How a package price rounds the number of packages: Stripe's {@code transform_quantity.round}
 * (https://docs.stripe.com/api/prices/object#price_object-transform_quantity-round).
 */
public enum Rounding {
    /** A started package counts: 1001 units in packages of 1000 are 2 packages. */
    UP(RoundingMode.UP),
    /** Only complete packages count: 1999 units in packages of 1000 are 1 package. */
    DOWN(RoundingMode.DOWN);

    private final RoundingMode mode;

    Rounding(RoundingMode mode) {
        this.mode = mode;
    }

    /** @return the {@link RoundingMode} that divides a quantity into packages */
    public RoundingMode mode() {
        return mode;
    }
}
