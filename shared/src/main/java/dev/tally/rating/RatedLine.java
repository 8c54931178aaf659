package dev.tally.rating;

import java.math.BigDecimal;

/**
 * The result of rating one meter's usage for one billing period.
 *
 * @param meter meter id
 * @param quantity total usage in the period, in the meter's unit
 * @param includedQuantity free units applied (at most {@code quantity})
 * @param billableQuantity units priced after included units and any transform_quantity (packages)
 * @param amountMinor line amount in whole minor units, rounded once by {@link dev.tally.money.MinorUnits#roundLine}
 */
public record RatedLine(String meter, BigDecimal quantity, BigDecimal includedQuantity, BigDecimal billableQuantity,
                        long amountMinor) {
}
