package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;

/**
 * An account's own alert settings, in the alerts table under {@code alertId} = {@value #KEY_PREFIX}{@code <account>}
 * (no alert id starts so). See {@link dev.tally.alerts.AlertSettings}.
 */
public final class AlertSettingsItem {
    /** Key prefix of settings items in the alerts table. */
    public static final String KEY_PREFIX = "settings#";

    public String alertId;
    public String accountId;
    /** Comma-separated decimal shares, e.g. {@code 0.5,0.8,1}; null or empty: the plan's. */
    public String usageShares;
    /** Comma-separated amounts in minor units; null or empty: the plan's. */
    public String spendAmountsMinor;
    public Long balanceLowMinor;
    /** Lowercase ISO 4217 code of the amounts; null: the subscription's. */
    public String currency;
    public Long updatedAt;

    public static final StaticTableSchema<AlertSettingsItem> SCHEMA = StaticTableSchema.builder(AlertSettingsItem.class)
            .newItemSupplier(AlertSettingsItem::new)
            .addAttribute(String.class, a -> a.name("alertId").getter(i -> i.alertId).setter((i, v) -> i.alertId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v))
            .addAttribute(String.class, a -> a.name("usageShares").getter(i -> i.usageShares).setter((i, v) -> i.usageShares = v))
            .addAttribute(String.class, a -> a.name("spendAmountsMinor").getter(i -> i.spendAmountsMinor).setter((i, v) -> i.spendAmountsMinor = v))
            .addAttribute(Long.class, a -> a.name("balanceLowMinor").getter(i -> i.balanceLowMinor).setter((i, v) -> i.balanceLowMinor = v))
            .addAttribute(String.class, a -> a.name("currency").getter(i -> i.currency).setter((i, v) -> i.currency = v))
            .addAttribute(Long.class, a -> a.name("updatedAt").getter(i -> i.updatedAt).setter((i, v) -> i.updatedAt = v))
            .build();
}
