package dev.tally.catalog;

import java.math.BigDecimal;
import java.util.List;

/**
 * A plan's customer alert settings (the catalog's {@code alerts}): when usage and spend alerts are raised for
 * accounts on the plan, unless an account's own settings replace them (docs/design.md, "Customer alerts").
 *
 * @param usageShares shares in (0, 1] of each included quantity (and consumed shares of the active credit grants) at
 *                    which an alert is raised, ascending; empty when the plan sets none (the function's default applies)
 * @param spendAmountsMinor amounts in minor units of the plan's currency, ascending, at which a spend alert is raised
 *                          when the open period's charges reach them; empty when the plan sets none
 */
public record PlanAlerts(List<BigDecimal> usageShares, List<Long> spendAmountsMinor) {
    /** A plan without alert settings. */
    public static final PlanAlerts NONE = new PlanAlerts(List.of(), List.of());

    /** @throws IllegalArgumentException if a share is outside (0, 1] or an amount is not positive */
    public PlanAlerts {
        usageShares = usageShares(usageShares);
        spendAmountsMinor = spendAmounts(spendAmountsMinor);
    }

    /**
     * @param shares usage shares, in any order, possibly repeated
     * @return them ascending, each once, without trailing zeros ({@code 1.0} is {@code 1})
     * @throws IllegalArgumentException if one is outside (0, 1]
     */
    public static List<BigDecimal> usageShares(List<BigDecimal> shares) {
        List<BigDecimal> sorted = shares.stream().map(BigDecimal::stripTrailingZeros).distinct().sorted().toList();
        for (BigDecimal share : sorted) {
            if (share.signum() <= 0 || share.compareTo(BigDecimal.ONE) > 0) {
                throw new IllegalArgumentException("a usage share is in (0, 1], got " + share.toPlainString());
            }
        }
        return sorted;
    }

    /**
     * @param amounts spend amounts in minor units, in any order, possibly repeated
     * @return them ascending, each once
     * @throws IllegalArgumentException if one is not positive
     */
    public static List<Long> spendAmounts(List<Long> amounts) {
        List<Long> sorted = amounts.stream().distinct().sorted().toList();
        for (long amount : sorted) {
            if (amount <= 0) {
                throw new IllegalArgumentException("a spend amount is above zero, got " + amount);
            }
        }
        return sorted;
    }
}
