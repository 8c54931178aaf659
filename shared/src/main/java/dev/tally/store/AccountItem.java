package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondaryPartitionKey;

/**
 * An account (a customer organisation) in the accounts table. Created from Stripe's {@code customer.created}.
 *
 * <p>Storage record, mapped by the static {@link #SCHEMA} (no reflection at cold start). Times are seconds since
 * the epoch.
 */
public final class AccountItem {
    /** Account id products use in usage events: the customer's {@code metadata.tally_account_id}, else its Stripe id. */
    public String accountId;
    /** Stripe customer id, {@code cus_...}; key of the {@code by-stripe-customer} index. */
    public String stripeCustomerId;
    public String name;
    public String email;
    /** Lowercase ISO 4217 currency of the customer, when Stripe gave one. */
    public String currency;
    /** Account that pays for this one (enterprise structures); null when it pays for itself. */
    public String payerAccountId;
    public Long createdAt;
    /** {@code created} of the last Stripe event applied, for ordering. */
    public Long stripeEventCreated;
    /** {@code created} of the {@code customer.deleted} event, when Stripe deleted the customer; the account stays. */
    public Long stripeDeletedAt;
    /**
     * Lookup keys of the features Stripe says the customer is entitled to now (its active entitlement summary), as
     * the last {@code entitlements.active_entitlement_summary.updated} applied left them.
     */
    public java.util.List<String> stripeFeatures;
    /** {@code created} of that event, for ordering; absent until one arrived. */
    public Long stripeFeaturesUpdatedAt;

    public static final StaticTableSchema<AccountItem> SCHEMA = StaticTableSchema.builder(AccountItem.class)
            .newItemSupplier(AccountItem::new)
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("stripeCustomerId").getter(i -> i.stripeCustomerId)
                    .setter((i, v) -> i.stripeCustomerId = v).tags(secondaryPartitionKey(Indexes.BY_STRIPE_CUSTOMER)))
            .addAttribute(String.class, a -> a.name("name").getter(i -> i.name).setter((i, v) -> i.name = v))
            .addAttribute(String.class, a -> a.name("email").getter(i -> i.email).setter((i, v) -> i.email = v))
            .addAttribute(String.class, a -> a.name("currency").getter(i -> i.currency).setter((i, v) -> i.currency = v))
            .addAttribute(String.class, a -> a.name("payerAccountId").getter(i -> i.payerAccountId).setter((i, v) -> i.payerAccountId = v))
            .addAttribute(Long.class, a -> a.name("createdAt").getter(i -> i.createdAt).setter((i, v) -> i.createdAt = v))
            .addAttribute(Long.class, a -> a.name("stripeEventCreated").getter(i -> i.stripeEventCreated).setter((i, v) -> i.stripeEventCreated = v))
            .addAttribute(Long.class, a -> a.name("stripeDeletedAt").getter(i -> i.stripeDeletedAt).setter((i, v) -> i.stripeDeletedAt = v))
            .addAttribute(software.amazon.awssdk.enhanced.dynamodb.EnhancedType.listOf(String.class), a -> a.name("stripeFeatures")
                    .getter(i -> i.stripeFeatures).setter((i, v) -> i.stripeFeatures = v))
            .addAttribute(Long.class, a -> a.name("stripeFeaturesUpdatedAt").getter(i -> i.stripeFeaturesUpdatedAt)
                    .setter((i, v) -> i.stripeFeaturesUpdatedAt = v))
            .build();
}
