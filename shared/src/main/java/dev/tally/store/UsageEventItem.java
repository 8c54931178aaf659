package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import java.math.BigDecimal;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondarySortKey;

/**
 * A counted usage event in the usage-events table, keyed by the producer's event id. Its existence is what makes
 * counting exactly-once: it is written in the same transaction as the aggregate it adds to, on condition that it
 * does not exist yet. {@code deliveries} counts how often the event arrived (duplicates add to it, never to usage).
 */
public final class UsageEventItem {
    public String eventId;
    public String accountId;
    public String meter;
    public BigDecimal quantity;
    /** When the usage happened, seconds since the epoch. */
    public Long timestamp;
    public Long periodStart;
    /** {@code periodKey#meter}: the aggregate the event was added to; key of the {@code by-aggregate} index. */
    public String aggregateKey;
    /** The event's {@code properties} as JSON, for tracing. */
    public String properties;
    public String sourceMessageId;
    public Long receivedAt;
    public Long deliveries;

    public static final StaticTableSchema<UsageEventItem> SCHEMA = StaticTableSchema.builder(UsageEventItem.class)
            .newItemSupplier(UsageEventItem::new)
            .addAttribute(String.class, a -> a.name("eventId").getter(i -> i.eventId).setter((i, v) -> i.eventId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v))
            .addAttribute(String.class, a -> a.name("meter").getter(i -> i.meter).setter((i, v) -> i.meter = v))
            .addAttribute(BigDecimal.class, a -> a.name("quantity").getter(i -> i.quantity).setter((i, v) -> i.quantity = v))
            .addAttribute(Long.class, a -> a.name("timestamp").getter(i -> i.timestamp).setter((i, v) -> i.timestamp = v)
                    .tags(secondarySortKey(Indexes.BY_AGGREGATE)))
            .addAttribute(Long.class, a -> a.name("periodStart").getter(i -> i.periodStart).setter((i, v) -> i.periodStart = v))
            .addAttribute(String.class, a -> a.name("aggregateKey").getter(i -> i.aggregateKey).setter((i, v) -> i.aggregateKey = v)
                    .tags(secondaryPartitionKey(Indexes.BY_AGGREGATE)))
            .addAttribute(String.class, a -> a.name("properties").getter(i -> i.properties).setter((i, v) -> i.properties = v))
            .addAttribute(String.class, a -> a.name("sourceMessageId").getter(i -> i.sourceMessageId).setter((i, v) -> i.sourceMessageId = v))
            .addAttribute(Long.class, a -> a.name("receivedAt").getter(i -> i.receivedAt).setter((i, v) -> i.receivedAt = v))
            .addAttribute(Long.class, a -> a.name("deliveries").getter(i -> i.deliveries).setter((i, v) -> i.deliveries = v))
            .build();
}
