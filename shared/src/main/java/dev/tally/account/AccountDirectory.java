package dev.tally.account;

import dev.tally.store.AccountItem;
import dev.tally.store.Indexes;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;

import java.util.List;
import java.util.Optional;

/**
 * Reads accounts and subscriptions. Stateless; safe to share across threads.
 */
public final class AccountDirectory {
    private final TallyTables tables;

    /** @param tables the bound tables */
    public AccountDirectory(TallyTables tables) {
        this.tables = tables;
    }

    /**
     * @param accountId Tally account id
     * @return the account, empty if none
     */
    public Optional<AccountItem> account(String accountId) {
        return Optional.ofNullable(tables.accounts.getItem(Key.builder().partitionValue(accountId).build()));
    }

    /**
     * Looks an account up by its Stripe customer (index {@code by-stripe-customer}, eventually consistent).
     *
     * @param stripeCustomerId {@code cus_...}
     * @return the account, empty if none
     */
    public Optional<AccountItem> accountByStripeCustomer(String stripeCustomerId) {
        return tables.accounts.index(Indexes.BY_STRIPE_CUSTOMER)
                .query(QueryConditional.keyEqualTo(Key.builder().partitionValue(stripeCustomerId).build()))
                .stream().flatMap(p -> p.items().stream()).findFirst();
    }

    /**
     * @param subscriptionId {@code sub_...}
     * @return the subscription (strongly consistent read), empty if none
     */
    public Optional<SubscriptionItem> subscription(String subscriptionId) {
        return Optional.ofNullable(tables.subscriptions.getItem(r -> r.key(k -> k.partitionValue(subscriptionId)).consistentRead(true)));
    }

    /**
     * @param accountId Tally account id
     * @return the account's subscriptions (index {@code by-account})
     */
    public List<SubscriptionItem> subscriptionsOf(String accountId) {
        return tables.subscriptions.index(Indexes.BY_ACCOUNT)
                .query(QueryConditional.keyEqualTo(Key.builder().partitionValue(accountId).build()))
                .stream().flatMap(p -> p.items().stream()).toList();
    }

    /**
     * Picks, from an account's subscriptions, the one that bills usage at an instant: on a catalog plan, started at
     * or before the instant and not ended before it.
     *
     * @param subscriptions the account's subscriptions
     * @param instant seconds since the epoch
     * @return that subscription, empty if none
     */
    public static Optional<SubscriptionItem> subscriptionAt(List<SubscriptionItem> subscriptions, long instant) {
        // More than one match (overlapping subscriptions) is resolved the same way every time: the earliest started.
        return subscriptions.stream()
                .filter(s -> s.planId != null && s.billingAnchor != null && s.createdAt != null && s.createdAt <= instant)
                .filter(s -> s.endedAt == null || instant < s.endedAt)
                .min(java.util.Comparator.comparing((SubscriptionItem s) -> s.createdAt).thenComparing(s -> s.subscriptionId));
    }
}
