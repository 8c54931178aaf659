package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primarySortKey;

/**
 * Stripe sync records of one invoice, in the stripe-sync table: the sync state ({@code recordKey = "STATE"}) and,
 * when no Stripe API key is configured, each request Tally would have sent
 * ({@code recordKey = "REQUEST#<idempotency key>"}).
 * Kept apart from the immutable invoice.
 */
public final class StripeSyncItem {
    public static final String STATE = "STATE";
    public static final String REQUEST_PREFIX = "REQUEST#";

    public String invoiceId;
    public String recordKey;
    /** STATE: {@code draft}, {@code synced}, {@code recorded} (no API key) or {@code skipped} (nothing to charge). */
    public String status;
    /** STATE: the Stripe invoice id, {@code in_...}. */
    public String stripeInvoiceId;
    /** REQUEST: HTTP method. */
    public String method;
    /** REQUEST: API path, e.g. {@code /v1/invoiceitems}. */
    public String path;
    /** REQUEST: the {@code Idempotency-Key} header. */
    public String idempotencyKey;
    /** REQUEST: form parameters as JSON. */
    public String params;
    public Long createdAt;

    public static final StaticTableSchema<StripeSyncItem> SCHEMA = StaticTableSchema.builder(StripeSyncItem.class)
            .newItemSupplier(StripeSyncItem::new)
            .addAttribute(String.class, a -> a.name("invoiceId").getter(i -> i.invoiceId).setter((i, v) -> i.invoiceId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("recordKey").getter(i -> i.recordKey).setter((i, v) -> i.recordKey = v)
                    .tags(primarySortKey()))
            .addAttribute(String.class, a -> a.name("status").getter(i -> i.status).setter((i, v) -> i.status = v))
            .addAttribute(String.class, a -> a.name("stripeInvoiceId").getter(i -> i.stripeInvoiceId).setter((i, v) -> i.stripeInvoiceId = v))
            .addAttribute(String.class, a -> a.name("method").getter(i -> i.method).setter((i, v) -> i.method = v))
            .addAttribute(String.class, a -> a.name("path").getter(i -> i.path).setter((i, v) -> i.path = v))
            .addAttribute(String.class, a -> a.name("idempotencyKey").getter(i -> i.idempotencyKey).setter((i, v) -> i.idempotencyKey = v))
            .addAttribute(String.class, a -> a.name("params").getter(i -> i.params).setter((i, v) -> i.params = v))
            .addAttribute(Long.class, a -> a.name("createdAt").getter(i -> i.createdAt).setter((i, v) -> i.createdAt = v))
            .build();
}
