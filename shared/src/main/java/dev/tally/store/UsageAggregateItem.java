package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import java.math.BigDecimal;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primarySortKey;

/**
 * A running total of one meter's usage for one account and billing period, in the usage-aggregates table.
 *
 * <p>Partition {@code periodKey = accountId#periodStart}; sort key the meter id, or {@link #PERIOD_HEADER} for the
 * period's header item, whose {@code closed} flag the invoice generator sets before it reads the totals (see
 * {@code dev.tally.usage.UsageIngestService} and {@code dev.tally.invoice.InvoiceService}).
 */
public final class UsageAggregateItem {
    /** Sort key of the header item of a period partition. */
    public static final String PERIOD_HEADER = "#PERIOD";

    public String periodKey;
    public String meter;
    public String accountId;
    public String subscriptionId;
    /** Catalog plan of the subscription when the usage was counted, so alerts need no subscription read. */
    public String planId;
    public Long periodStart;
    public Long periodEnd;
    /** Sum of the counted events' quantities, in the meter's unit. */
    public BigDecimal quantity;
    /** Number of usage events counted. */
    public Long eventCount;
    /** Header only: true once the period is closed for invoicing. */
    public Boolean closed;
    public Long closedAt;

    /**
     * @param accountId account id
     * @param periodStart period start, seconds since the epoch
     * @return the partition key {@code accountId#periodStart}
     */
    public static String periodKey(String accountId, long periodStart) {
        return accountId + "#" + periodStart;
    }

    public static final StaticTableSchema<UsageAggregateItem> SCHEMA = StaticTableSchema.builder(UsageAggregateItem.class)
            .newItemSupplier(UsageAggregateItem::new)
            .addAttribute(String.class, a -> a.name("periodKey").getter(i -> i.periodKey).setter((i, v) -> i.periodKey = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("meter").getter(i -> i.meter).setter((i, v) -> i.meter = v)
                    .tags(primarySortKey()))
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v))
            .addAttribute(String.class, a -> a.name("subscriptionId").getter(i -> i.subscriptionId).setter((i, v) -> i.subscriptionId = v))
            .addAttribute(String.class, a -> a.name("planId").getter(i -> i.planId).setter((i, v) -> i.planId = v))
            .addAttribute(Long.class, a -> a.name("periodStart").getter(i -> i.periodStart).setter((i, v) -> i.periodStart = v))
            .addAttribute(Long.class, a -> a.name("periodEnd").getter(i -> i.periodEnd).setter((i, v) -> i.periodEnd = v))
            .addAttribute(BigDecimal.class, a -> a.name("quantity").getter(i -> i.quantity).setter((i, v) -> i.quantity = v))
            .addAttribute(Long.class, a -> a.name("eventCount").getter(i -> i.eventCount).setter((i, v) -> i.eventCount = v))
            .addAttribute(Boolean.class, a -> a.name("closed").getter(i -> i.closed).setter((i, v) -> i.closed = v))
            .addAttribute(Long.class, a -> a.name("closedAt").getter(i -> i.closedAt).setter((i, v) -> i.closedAt = v))
            .build();
}
