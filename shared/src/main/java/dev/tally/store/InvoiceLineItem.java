package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import java.math.BigDecimal;

/**
 * One line of an invoice: one meter's usage in the period and its amount. Stored as a map inside
 * {@link InvoiceItem#lines}.
 */
public final class InvoiceLineItem {
    public String meter;
    /** Text for the Stripe invoice item, e.g. "Build minutes: 2,345 minute (1,500 included)". */
    public String description;
    /** Total usage in the period, in the meter's unit. */
    public BigDecimal quantity;
    public BigDecimal includedQuantity;
    /** Units priced after included units and packaging. */
    public BigDecimal billableQuantity;
    /** Line amount in minor units of the invoice currency, rounded once. */
    public Long amountMinor;
    /** Number of usage events behind the line; the events are found by {@link #aggregateKey}. */
    public Long usageEventCount;
    /** Key of the aggregate (and of the usage events' {@code by-aggregate} index) the quantity comes from. */
    public String aggregateKey;

    public static final StaticTableSchema<InvoiceLineItem> SCHEMA = StaticTableSchema.builder(InvoiceLineItem.class)
            .newItemSupplier(InvoiceLineItem::new)
            .addAttribute(String.class, a -> a.name("meter").getter(i -> i.meter).setter((i, v) -> i.meter = v))
            .addAttribute(String.class, a -> a.name("description").getter(i -> i.description).setter((i, v) -> i.description = v))
            .addAttribute(BigDecimal.class, a -> a.name("quantity").getter(i -> i.quantity).setter((i, v) -> i.quantity = v))
            .addAttribute(BigDecimal.class, a -> a.name("includedQuantity").getter(i -> i.includedQuantity).setter((i, v) -> i.includedQuantity = v))
            .addAttribute(BigDecimal.class, a -> a.name("billableQuantity").getter(i -> i.billableQuantity).setter((i, v) -> i.billableQuantity = v))
            .addAttribute(Long.class, a -> a.name("amountMinor").getter(i -> i.amountMinor).setter((i, v) -> i.amountMinor = v))
            .addAttribute(Long.class, a -> a.name("usageEventCount").getter(i -> i.usageEventCount).setter((i, v) -> i.usageEventCount = v))
            .addAttribute(String.class, a -> a.name("aggregateKey").getter(i -> i.aggregateKey).setter((i, v) -> i.aggregateKey = v))
            .build();
}
