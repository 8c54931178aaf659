package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primarySortKey;

/**
 * Stripe sync records of one invoice, in the stripe-sync table: the sync state ({@code recordKey = "STATE"}, see
 * {@link dev.tally.stripesync.SyncState}, written by {@link dev.tally.stripesync.DynamoDbStripeSyncStore}) and, when
 * no Stripe API key is configured, each creating request Tally would have sent
 * ({@code recordKey = "REQUEST#<idempotency key>"}). Kept apart from the immutable invoice. Times are seconds since
 * the epoch.
 */
public final class StripeSyncItem {
    public static final String STATE = "STATE";
    public static final String REQUEST_PREFIX = "REQUEST#";

    public String invoiceId;
    public String recordKey;
    /** STATE: a {@link dev.tally.stripesync.SyncStatus} wire name: {@code pending}, {@code draft}, {@code synced},
     *  {@code recorded} (no API key), {@code skipped} (nothing to charge) or {@code sync_failed}. */
    public String status;
    /** STATE: the Stripe invoice id, {@code in_...}. */
    public String stripeInvoiceId;
    /** STATE: attempts made in the current round. */
    public Long attempts;
    /** STATE: idempotency key generation of the next attempt. */
    public Long keyGeneration;
    /** STATE: why the last attempt failed. */
    public String lastError;
    /** STATE: when the last attempt began. */
    public Long lastAttemptAt;
    /** STATE: not-before time of the stream's next attempt. */
    public Long nextAttemptAt;
    /** STATE: when the attempt in progress began. */
    public Long attemptOpenSince;
    /** STATE: when last written. */
    public Long updatedAt;
    /** STATE: optimistic lock, raised by each write. */
    public Long version;
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
            .addAttribute(Long.class, a -> a.name("attempts").getter(i -> i.attempts).setter((i, v) -> i.attempts = v))
            .addAttribute(Long.class, a -> a.name("keyGeneration").getter(i -> i.keyGeneration).setter((i, v) -> i.keyGeneration = v))
            .addAttribute(String.class, a -> a.name("lastError").getter(i -> i.lastError).setter((i, v) -> i.lastError = v))
            .addAttribute(Long.class, a -> a.name("lastAttemptAt").getter(i -> i.lastAttemptAt).setter((i, v) -> i.lastAttemptAt = v))
            .addAttribute(Long.class, a -> a.name("nextAttemptAt").getter(i -> i.nextAttemptAt).setter((i, v) -> i.nextAttemptAt = v))
            .addAttribute(Long.class, a -> a.name("attemptOpenSince").getter(i -> i.attemptOpenSince).setter((i, v) -> i.attemptOpenSince = v))
            .addAttribute(Long.class, a -> a.name("updatedAt").getter(i -> i.updatedAt).setter((i, v) -> i.updatedAt = v))
            .addAttribute(Long.class, a -> a.name("version").getter(i -> i.version).setter((i, v) -> i.version = v))
            .addAttribute(String.class, a -> a.name("method").getter(i -> i.method).setter((i, v) -> i.method = v))
            .addAttribute(String.class, a -> a.name("path").getter(i -> i.path).setter((i, v) -> i.path = v))
            .addAttribute(String.class, a -> a.name("idempotencyKey").getter(i -> i.idempotencyKey).setter((i, v) -> i.idempotencyKey = v))
            .addAttribute(String.class, a -> a.name("params").getter(i -> i.params).setter((i, v) -> i.params = v))
            .addAttribute(Long.class, a -> a.name("createdAt").getter(i -> i.createdAt).setter((i, v) -> i.createdAt = v))
            .build();
}
