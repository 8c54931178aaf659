package dev.tally.alerts;

import dev.tally.catalog.PlanAlerts;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * An account's own alert settings ({@code tally alerts set ACCOUNT ...}), kept in the alerts table. Each kind set here
 * replaces the plan's ({@link dev.tally.catalog.PlanAlerts}); a kind left empty keeps the plan's, or the function's
 * default usage shares.
 *
 * @param accountId the account
 * @param usageShares shares in (0, 1] of each included quantity, and consumed shares of the active credit grants,
 *                    ascending; empty: the plan's
 * @param spendAmountsMinor amounts in minor units of {@code currency}, ascending; empty: the plan's
 * @param balanceLowMinor a prepaid balance in {@code currency}, in minor units, at or below which
 *                        {@code credits.balance_low} is raised; null for none
 * @param currency lowercase ISO 4217 code of the amounts; null: the currency of the account's subscription
 * @param updatedAt when the settings were last written, seconds since the epoch
 */
public record AlertSettings(String accountId, List<BigDecimal> usageShares, List<Long> spendAmountsMinor,
                            Long balanceLowMinor, String currency, long updatedAt) {
    /** @throws IllegalArgumentException if a share is outside (0, 1] or an amount is not positive */
    public AlertSettings {
        Objects.requireNonNull(accountId, "accountId");
        usageShares = PlanAlerts.usageShares(usageShares);
        spendAmountsMinor = PlanAlerts.spendAmounts(spendAmountsMinor);
        if (balanceLowMinor != null && balanceLowMinor <= 0) {
            throw new IllegalArgumentException("a balance-low amount is above zero, got " + balanceLowMinor);
        }
    }

    /** @return whether the amounts apply to {@code code}: the settings' currency, or any when it names none */
    boolean appliesTo(String code, String subscriptionCurrency) {
        return currency == null ? subscriptionCurrency == null || subscriptionCurrency.equals(code) : currency.equals(code);
    }
}
