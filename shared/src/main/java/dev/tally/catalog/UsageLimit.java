package dev.tally.catalog;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * A plan's quantity limit on one meter (an entry of the plan's {@code limits}): what an account on the plan may use
 * per billing period, and whether usage beyond it is allowed as overage (billed by the plan's usage prices) or is
 * beyond the entitlement.
 *
 * @param meter the meter id
 * @param quantityPerPeriod the quantity included per billing period, in the meter's unit; not negative
 * @param overageAllowed true when usage beyond {@code quantityPerPeriod} is allowed (and billed as overage)
 */
public record UsageLimit(String meter, BigDecimal quantityPerPeriod, boolean overageAllowed) {
    /** @throws IllegalArgumentException if the quantity is negative */
    public UsageLimit {
        Objects.requireNonNull(meter, "meter");
        Objects.requireNonNull(quantityPerPeriod, "quantityPerPeriod");
        if (quantityPerPeriod.signum() < 0) {
            throw new IllegalArgumentException("a limit's quantity must not be negative, was " + quantityPerPeriod.toPlainString());
        }
    }
}
