package dev.tally.money;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The one rounding rule for money in Tally.
 *
 * <p>Rating works on {@link BigDecimal} amounts expressed in the currency's <em>minor unit</em> (cents for
 * {@code usd}, yen for the zero-decimal {@code jpy}), because a unit price may carry up to 12 decimals, as Stripe's
 * {@code unit_amount_decimal} does (https://docs.stripe.com/api/prices/object#price_object-unit_amount_decimal).
 * Everything outside rating is a {@code long} count of minor units. This class is the only place that turns the
 * first into the second: once per invoice line, half-up.
 */
public final class MinorUnits {

    /** Rounding applied once per invoice line: half up, as Stripe rounds fractional cents of a line. */
    public static final RoundingMode LINE_ROUNDING = RoundingMode.HALF_UP;

    private MinorUnits() {
    }

    /**
     * Rounds an unrounded line amount to whole minor units.
     *
     * @param amountMinor amount in minor units, possibly fractional (e.g. {@code 1234.5} cents)
     * @return whole minor units
     * @throws ArithmeticException if the amount does not fit in a {@code long}
     */
    public static long roundLine(BigDecimal amountMinor) {
        return amountMinor.setScale(0, LINE_ROUNDING).longValueExact();
    }
}
