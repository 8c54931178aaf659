package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.EnhancedType;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import java.util.List;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondarySortKey;

/**
 * An invoice: immutable once written, one per account and billing period. Its id derives from the account and
 * period ({@link #invoiceId(String, long)}) and it is written with {@code attribute_not_exists}, so a period cannot be
 * invoiced twice. Amounts are long minor units of {@code currency}: {@code totalMinor = subtotalMinor -
 * creditsAppliedMinor}. Times are seconds since the epoch.
 */
public final class InvoiceItem {
    public String invoiceId;
    public String accountId;
    public String subscriptionId;
    public String planId;
    public Long periodStart;
    public Long periodEnd;
    public String currency;
    public List<InvoiceLineItem> lines;
    public Long subtotalMinor;
    public Long creditsAppliedMinor;
    public Long totalMinor;
    /** Catalog version the lines were rated with. */
    public String catalogVersion;
    public Long createdAt;

    /**
     * @param accountId account id
     * @param periodStart period start, seconds since the epoch
     * @return the deterministic invoice id {@code tin_<account>_<periodStart>}
     */
    public static String invoiceId(String accountId, long periodStart) {
        return "tin_" + accountId + "_" + periodStart;
    }

    public static final StaticTableSchema<InvoiceItem> SCHEMA = StaticTableSchema.builder(InvoiceItem.class)
            .newItemSupplier(InvoiceItem::new)
            .addAttribute(String.class, a -> a.name("invoiceId").getter(i -> i.invoiceId).setter((i, v) -> i.invoiceId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v)
                    .tags(secondaryPartitionKey(Indexes.BY_ACCOUNT)))
            .addAttribute(String.class, a -> a.name("subscriptionId").getter(i -> i.subscriptionId).setter((i, v) -> i.subscriptionId = v))
            .addAttribute(String.class, a -> a.name("planId").getter(i -> i.planId).setter((i, v) -> i.planId = v))
            .addAttribute(Long.class, a -> a.name("periodStart").getter(i -> i.periodStart).setter((i, v) -> i.periodStart = v)
                    .tags(secondarySortKey(Indexes.BY_ACCOUNT)))
            .addAttribute(Long.class, a -> a.name("periodEnd").getter(i -> i.periodEnd).setter((i, v) -> i.periodEnd = v))
            .addAttribute(String.class, a -> a.name("currency").getter(i -> i.currency).setter((i, v) -> i.currency = v))
            .addAttribute(EnhancedType.listOf(EnhancedType.documentOf(InvoiceLineItem.class, InvoiceLineItem.SCHEMA)),
                    a -> a.name("lines").getter(i -> i.lines).setter((i, v) -> i.lines = v))
            .addAttribute(Long.class, a -> a.name("subtotalMinor").getter(i -> i.subtotalMinor).setter((i, v) -> i.subtotalMinor = v))
            .addAttribute(Long.class, a -> a.name("creditsAppliedMinor").getter(i -> i.creditsAppliedMinor).setter((i, v) -> i.creditsAppliedMinor = v))
            .addAttribute(Long.class, a -> a.name("totalMinor").getter(i -> i.totalMinor).setter((i, v) -> i.totalMinor = v))
            .addAttribute(String.class, a -> a.name("catalogVersion").getter(i -> i.catalogVersion).setter((i, v) -> i.catalogVersion = v))
            .addAttribute(Long.class, a -> a.name("createdAt").getter(i -> i.createdAt).setter((i, v) -> i.createdAt = v))
            .build();
}
