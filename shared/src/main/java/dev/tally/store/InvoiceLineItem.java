package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import java.math.BigDecimal;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primarySortKey;

/**
 * One line of an invoice ({@link dev.tally.invoice.InvoiceLine}) as an item of the invoice-lines table: partition
 * {@code invoiceId}, sort {@code lineKey = <lines version, 6 digits>#<line id>}. Only the lines of the version the
 * header names are the invoice's; a crashed or superseded draft attempt leaves lines under another version, which
 * nothing reads. Amounts are long minor units; times are seconds since the epoch.
 */
public final class InvoiceLineItem {
    public String invoiceId;
    public String lineKey;
    public String lineId;
    /** Presentation order within the invoice, from 0. */
    public Long position;
    public String type;
    public String priceId;
    public String meter;
    public Long periodStart;
    public Long periodEnd;
    public BigDecimal quantity;
    public BigDecimal includedQuantity;
    public BigDecimal billableQuantity;
    public Long amountMinor;
    public String description;
    public String adjustsInvoiceId;
    /** Trace: the usage series {@code <account>#<meter>}. */
    public String seriesKey;
    /** Trace: the price's dimension filter, {@code key=value} pairs joined by {@code ,}. */
    public String dimensionFilter;
    /** Trace: usage events behind the quantity. */
    public Long usageEventCount;

    /**
     * @param linesVersion the draft attempt
     * @param lineId the line id
     * @return the sort key {@code 000003#usage:price_x}
     */
    public static String lineKey(long linesVersion, String lineId) {
        return String.format("%06d#%s", linesVersion, lineId);
    }

    public static final StaticTableSchema<InvoiceLineItem> SCHEMA = StaticTableSchema.builder(InvoiceLineItem.class)
            .newItemSupplier(InvoiceLineItem::new)
            .addAttribute(String.class, a -> a.name("invoiceId").getter(i -> i.invoiceId).setter((i, v) -> i.invoiceId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("lineKey").getter(i -> i.lineKey).setter((i, v) -> i.lineKey = v)
                    .tags(primarySortKey()))
            .addAttribute(String.class, a -> a.name("lineId").getter(i -> i.lineId).setter((i, v) -> i.lineId = v))
            .addAttribute(Long.class, a -> a.name("position").getter(i -> i.position).setter((i, v) -> i.position = v))
            .addAttribute(String.class, a -> a.name("type").getter(i -> i.type).setter((i, v) -> i.type = v))
            .addAttribute(String.class, a -> a.name("priceId").getter(i -> i.priceId).setter((i, v) -> i.priceId = v))
            .addAttribute(String.class, a -> a.name("meter").getter(i -> i.meter).setter((i, v) -> i.meter = v))
            .addAttribute(Long.class, a -> a.name("periodStart").getter(i -> i.periodStart).setter((i, v) -> i.periodStart = v))
            .addAttribute(Long.class, a -> a.name("periodEnd").getter(i -> i.periodEnd).setter((i, v) -> i.periodEnd = v))
            .addAttribute(BigDecimal.class, a -> a.name("quantity").getter(i -> i.quantity).setter((i, v) -> i.quantity = v))
            .addAttribute(BigDecimal.class, a -> a.name("includedQuantity").getter(i -> i.includedQuantity).setter((i, v) -> i.includedQuantity = v))
            .addAttribute(BigDecimal.class, a -> a.name("billableQuantity").getter(i -> i.billableQuantity).setter((i, v) -> i.billableQuantity = v))
            .addAttribute(Long.class, a -> a.name("amountMinor").getter(i -> i.amountMinor).setter((i, v) -> i.amountMinor = v))
            .addAttribute(String.class, a -> a.name("description").getter(i -> i.description).setter((i, v) -> i.description = v))
            .addAttribute(String.class, a -> a.name("adjustsInvoiceId").getter(i -> i.adjustsInvoiceId).setter((i, v) -> i.adjustsInvoiceId = v))
            .addAttribute(String.class, a -> a.name("seriesKey").getter(i -> i.seriesKey).setter((i, v) -> i.seriesKey = v))
            .addAttribute(String.class, a -> a.name("dimensionFilter").getter(i -> i.dimensionFilter).setter((i, v) -> i.dimensionFilter = v))
            .addAttribute(Long.class, a -> a.name("usageEventCount").getter(i -> i.usageEventCount).setter((i, v) -> i.usageEventCount = v))
            .build();
}
