package dev.tally.entitlement;

import dev.tally.account.AccountDirectory;
import dev.tally.credit.CreditBalance;
import dev.tally.credit.CreditLedger;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link EntitlementInputs} on Tally's tables: the account and its {@code stripeFeatures} (a list of lookup keys,
 * with {@code stripeFeaturesUpdatedAt}, written by stripe-webhook) from the accounts table, the subscription that bills
 * it now from the subscriptions table ({@link AccountDirectory#subscriptionAt}), the credit balances from the credits
 * table.
 */
public final class TallyEntitlementInputs implements EntitlementInputs {
    private final TallyTables tables;
    private final AccountDirectory directory;
    private final CreditLedger credits;

    /** @param tables bound tables */
    public TallyEntitlementInputs(TallyTables tables) {
        this.tables = tables;
        this.directory = new AccountDirectory(tables);
        this.credits = new CreditLedger(tables.creditStore());
    }

    @Override
    public boolean accountExists(String accountId) {
        return !accountItem(accountId).isEmpty();
    }

    @Override
    public Optional<String> planId(String accountId, long now) {
        return AccountDirectory.subscriptionAt(directory.subscriptionsOf(accountId), now).map(s -> s.planId);
    }

    @Override
    public List<String> stripeFeatures(String accountId) {
        AttributeValue features = accountItem(accountId).get("stripeFeatures");
        if (features == null) {
            return List.of();
        }
        if (features.hasSs()) {
            return features.ss();
        }
        return features.hasL() ? features.l().stream().map(AttributeValue::s).filter(java.util.Objects::nonNull).toList() : List.of();
    }

    @Override
    public Map<String, Long> prepaidMinor(String accountId, long now) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (CreditBalance b : credits.balances(accountId, now)) {
            out.put(b.currency(), b.availableMinor());
        }
        return out;
    }

    /** The raw item, so attributes other helpers add (stripeFeatures) are read without a schema change. */
    private Map<String, AttributeValue> accountItem(String accountId) {
        Map<String, AttributeValue> item = tables.client.getItem(r -> r.tableName(tables.accounts.tableName())
                .key(Map.of("accountId", AttributeValue.fromS(accountId)))).item();
        return item == null ? Map.of() : item;
    }
}
