package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import java.math.BigDecimal;

/**
 * One line of an invoice: one meter's usage in the period, or an adjustment for usage of an earlier, already
 * invoiced period that arrived after it was invoiced; and its amount. Stored as a map inside {@link InvoiceItem#lines}.
 */
public final class InvoiceLineItem {
    /** Line type: usage of the invoice's period. */
    public static final String USAGE = "usage";
    /** Line type: usage of an earlier invoice's period received after that invoice was written. */
    public static final String ADJUSTMENT = "adjustment";

    /**
     * Unique within the invoice: {@code usage:<price id>} (or {@code usage:<meter>} for usage of a meter the plan does
     * not price) or {@code adjustment:<corrected invoice id>:<price id>}.
     */
    public String lineId;
    /** {@link #USAGE} or {@link #ADJUSTMENT}. */
    public String type;
    public String meter;
    /** The catalog price the line was rated with (immutable once published); null for a meter the plan does not price. */
    public String priceId;
    /** The usage time range the line prices, {@code [periodStart, periodEnd)}, seconds since the epoch. */
    public Long periodStart;
    public Long periodEnd;
    /** Adjustments only: the invoice whose period the usage belongs to. */
    public String adjustsInvoiceId;
    /** Text for the Stripe invoice item, e.g. "Build minutes: 2345 minutes (1500 included)"; units pluralised. */
    public String description;
    /** Total usage in the period, in the meter's unit (for an adjustment: the usage added since it was invoiced). */
    public BigDecimal quantity;
    public BigDecimal includedQuantity;
    /** Units priced after included units and packaging. */
    public BigDecimal billableQuantity;
    /** Line amount in minor units of the invoice currency, rounded once. */
    public Long amountMinor;
    /** Number of usage events behind the line (for an adjustment: events added since). */
    public Long usageEventCount;
    /**
     * The usage series the quantity comes from: {@code <account>#<meter>}, the key of the usage buckets over
     * {@code [periodStart, periodEnd)} (and with the hour, of the events' {@code by-series-hour} index).
     */
    public String seriesKey;

    public static final StaticTableSchema<InvoiceLineItem> SCHEMA = StaticTableSchema.builder(InvoiceLineItem.class)
            .newItemSupplier(InvoiceLineItem::new)
            .addAttribute(String.class, a -> a.name("lineId").getter(i -> i.lineId).setter((i, v) -> i.lineId = v))
            .addAttribute(String.class, a -> a.name("type").getter(i -> i.type).setter((i, v) -> i.type = v))
            .addAttribute(Long.class, a -> a.name("periodStart").getter(i -> i.periodStart).setter((i, v) -> i.periodStart = v))
            .addAttribute(Long.class, a -> a.name("periodEnd").getter(i -> i.periodEnd).setter((i, v) -> i.periodEnd = v))
            .addAttribute(String.class, a -> a.name("adjustsInvoiceId").getter(i -> i.adjustsInvoiceId).setter((i, v) -> i.adjustsInvoiceId = v))
            .addAttribute(String.class, a -> a.name("meter").getter(i -> i.meter).setter((i, v) -> i.meter = v))
            .addAttribute(String.class, a -> a.name("priceId").getter(i -> i.priceId).setter((i, v) -> i.priceId = v))
            .addAttribute(String.class, a -> a.name("description").getter(i -> i.description).setter((i, v) -> i.description = v))
            .addAttribute(BigDecimal.class, a -> a.name("quantity").getter(i -> i.quantity).setter((i, v) -> i.quantity = v))
            .addAttribute(BigDecimal.class, a -> a.name("includedQuantity").getter(i -> i.includedQuantity).setter((i, v) -> i.includedQuantity = v))
            .addAttribute(BigDecimal.class, a -> a.name("billableQuantity").getter(i -> i.billableQuantity).setter((i, v) -> i.billableQuantity = v))
            .addAttribute(Long.class, a -> a.name("amountMinor").getter(i -> i.amountMinor).setter((i, v) -> i.amountMinor = v))
            .addAttribute(Long.class, a -> a.name("usageEventCount").getter(i -> i.usageEventCount).setter((i, v) -> i.usageEventCount = v))
            .addAttribute(String.class, a -> a.name("seriesKey").getter(i -> i.seriesKey).setter((i, v) -> i.seriesKey = v))
            .build();
}
