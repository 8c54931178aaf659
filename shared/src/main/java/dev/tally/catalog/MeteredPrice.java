package dev.tally.catalog;

import java.math.BigDecimal;
import java.util.List;

/**
 * How one meter is priced within a plan, in Stripe's vocabulary.
 *
 * <ul>
 *   <li>{@code billing_scheme = per_unit}: {@code unitAmountDecimal} per unit, optionally after
 *       {@code transform_quantity} (package pricing).</li>
 *   <li>{@code billing_scheme = tiered} with {@code tiers_mode = graduated}: each unit is priced by the tier it falls
 *       in; {@code volume}: every unit is priced by the tier the total falls in
 *       (https://docs.stripe.com/products-prices/pricing-models#tiered-pricing).</li>
 * </ul>
 * {@code includedQuantity} units per billing period are free and subtracted before the price applies.
 *
 * @param meter meter id this price rates
 * @param billingScheme {@code per_unit} or {@code tiered}
 * @param tiersMode {@code graduated} or {@code volume} when tiered, else null
 * @param unitAmountDecimal per-unit price in minor units (per_unit only)
 * @param tiers tiers in ascending order (tiered only), the last one unbounded
 * @param transformQuantity optional package transform (per_unit only)
 * @param includedQuantity free units per billing period, non-negative
 */
public record MeteredPrice(
        String meter,
        String billingScheme,
        String tiersMode,
        BigDecimal unitAmountDecimal,
        List<Tier> tiers,
        TransformQuantity transformQuantity,
        BigDecimal includedQuantity) {

    public MeteredPrice {
        tiers = tiers == null ? List.of() : List.copyOf(tiers);
        includedQuantity = includedQuantity == null ? BigDecimal.ZERO : includedQuantity;
    }
}
