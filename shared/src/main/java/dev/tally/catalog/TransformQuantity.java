package dev.tally.catalog;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Stripe's {@code transform_quantity} (https://docs.stripe.com/api/prices/object#price_object-transform_quantity):
 * the billable quantity is divided by {@code divideBy} and rounded up or down before a per-unit price applies. This is
 * how package pricing is expressed ("$1 per 1000 pulls, a started package counts": divide_by 1000, round up).
 *
 * @param divideBy positive divisor
 * @param round {@code "up"} or {@code "down"}
 */
public record TransformQuantity(long divideBy, String round) {
    public TransformQuantity {
        if (divideBy <= 0) {
            throw new IllegalArgumentException("transform_quantity.divide_by must be positive, was " + divideBy);
        }
        if (!"up".equals(round) && !"down".equals(round)) {
            throw new IllegalArgumentException("transform_quantity.round must be up or down, was " + round);
        }
    }

    /**
     * @param quantity billable quantity, non-negative
     * @return number of packages, a whole number
     */
    public BigDecimal apply(BigDecimal quantity) {
        return quantity.divide(BigDecimal.valueOf(divideBy), 0, "up".equals(round) ? RoundingMode.UP : RoundingMode.DOWN);
    }
}
