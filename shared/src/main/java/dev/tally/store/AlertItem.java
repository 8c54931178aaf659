package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;

/**
 * An alert that was raised, in the alerts table. The id names the alert type, account, subject, period and
 * threshold, and is written with {@code attribute_not_exists}, so each alert is raised at most once. The table also
 * holds accounts' alert settings ({@link AlertSettingsItem}, keys starting {@value AlertSettingsItem#KEY_PREFIX}).
 */
public final class AlertItem {
    public String alertId;
    /** Event detail-type, e.g. {@code usage.threshold_crossed} ({@link dev.tally.alerts.AlertType}). */
    public String type;
    public String accountId;
    /** The EventBridge event detail as JSON. */
    public String detail;
    public Long createdAt;
    /** {@code pending} until the event is on the bus, then {@code published}. */
    public String status;

    public static final StaticTableSchema<AlertItem> SCHEMA = StaticTableSchema.builder(AlertItem.class)
            .newItemSupplier(AlertItem::new)
            .addAttribute(String.class, a -> a.name("alertId").getter(i -> i.alertId).setter((i, v) -> i.alertId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("type").getter(i -> i.type).setter((i, v) -> i.type = v))
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v))
            .addAttribute(String.class, a -> a.name("detail").getter(i -> i.detail).setter((i, v) -> i.detail = v))
            .addAttribute(Long.class, a -> a.name("createdAt").getter(i -> i.createdAt).setter((i, v) -> i.createdAt = v))
            .addAttribute(String.class, a -> a.name("status").getter(i -> i.status).setter((i, v) -> i.status = v))
            .build();
}
