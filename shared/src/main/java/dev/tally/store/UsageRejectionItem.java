package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;

/**
 * A usage event that was not counted, kept with its reason and its raw JSON so the billing team can see it, fix
 * the cause and replay it ({@code tally usage rejections}, {@code tally usage replay}).
 *
 * <p>Key: {@code <SQS message id>#<index in the message>}, so a redelivered message overwrites its own rejections
 * instead of adding more.
 */
public final class UsageRejectionItem {
    public String rejectionId;
    /** Machine-readable reason, a {@code dev.tally.usage.RejectionReason} name. */
    public String reason;
    /** Human-readable explanation. */
    public String detail;
    /**
     * The event as received: its JSON object in compact form (same fields and values; whitespace and number spelling
     * may differ), or the whole message body verbatim when it was not JSON. Replaying sends this body.
     */
    public String body;
    /** The body gzip-compressed, instead of {@code body}, when it is longer than {@link #INLINE_BODY_BYTES}. */
    public software.amazon.awssdk.core.SdkBytes bodyGzip;
    /** True when even the compressed body did not fit in an item: {@code body} holds its first 100 KB only. */
    public Boolean bodyTruncated;
    public String messageId;
    public String eventId;
    public String accountId;
    public Long receivedAt;
    /** Set when the event was sent again by {@code tally usage replay}. */
    public Long replayedAt;

    /** Bodies up to this many UTF-8 bytes are kept as text. */
    public static final int INLINE_BODY_BYTES = 100 * 1024;
    /** Largest compressed body kept, leaving room for the other attributes in a 400 KB item. */
    private static final int MAX_COMPRESSED_BYTES = 300 * 1024;

    /**
     * Keeps a body: as text when small, gzip-compressed when large (an SQS message may be 1 MiB, an item only
     * 400 KB), and cut to its first 100 KB, marked {@code bodyTruncated}, in the rare case that does not fit either.
     *
     * @param text the event's JSON or the message body
     */
    public void setBody(String text) {
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        body = null;
        bodyGzip = null;
        bodyTruncated = null;
        if (utf8.length <= INLINE_BODY_BYTES) {
            body = text;
            return;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(utf8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (out.size() <= MAX_COMPRESSED_BYTES) {
            bodyGzip = software.amazon.awssdk.core.SdkBytes.fromByteArray(out.toByteArray());
        } else {
            body = new String(utf8, 0, INLINE_BODY_BYTES, java.nio.charset.StandardCharsets.UTF_8);
            bodyTruncated = true;
        }
    }

    /** @return the body as received (decompressed), or its first 100 KB when {@code bodyTruncated} */
    public String bodyText() {
        if (bodyGzip == null) {
            return body;
        }
        try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(bodyGzip.asInputStream())) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static final StaticTableSchema<UsageRejectionItem> SCHEMA = StaticTableSchema.builder(UsageRejectionItem.class)
            .newItemSupplier(UsageRejectionItem::new)
            .addAttribute(String.class, a -> a.name("rejectionId").getter(i -> i.rejectionId).setter((i, v) -> i.rejectionId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("reason").getter(i -> i.reason).setter((i, v) -> i.reason = v))
            .addAttribute(String.class, a -> a.name("detail").getter(i -> i.detail).setter((i, v) -> i.detail = v))
            .addAttribute(String.class, a -> a.name("body").getter(i -> i.body).setter((i, v) -> i.body = v))
            .addAttribute(software.amazon.awssdk.core.SdkBytes.class, a -> a.name("bodyGzip").getter(i -> i.bodyGzip).setter((i, v) -> i.bodyGzip = v))
            .addAttribute(Boolean.class, a -> a.name("bodyTruncated").getter(i -> i.bodyTruncated).setter((i, v) -> i.bodyTruncated = v))
            .addAttribute(String.class, a -> a.name("messageId").getter(i -> i.messageId).setter((i, v) -> i.messageId = v))
            .addAttribute(String.class, a -> a.name("eventId").getter(i -> i.eventId).setter((i, v) -> i.eventId = v))
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v))
            .addAttribute(Long.class, a -> a.name("receivedAt").getter(i -> i.receivedAt).setter((i, v) -> i.receivedAt = v))
            .addAttribute(Long.class, a -> a.name("replayedAt").getter(i -> i.replayedAt).setter((i, v) -> i.replayedAt = v))
            .build();
}
