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
    public String messageId;
    public String eventId;
    public String accountId;
    public Long receivedAt;
    /** Set when the event was sent again by {@code tally usage replay}. */
    public Long replayedAt;

    public static final StaticTableSchema<UsageRejectionItem> SCHEMA = StaticTableSchema.builder(UsageRejectionItem.class)
            .newItemSupplier(UsageRejectionItem::new)
            .addAttribute(String.class, a -> a.name("rejectionId").getter(i -> i.rejectionId).setter((i, v) -> i.rejectionId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("reason").getter(i -> i.reason).setter((i, v) -> i.reason = v))
            .addAttribute(String.class, a -> a.name("detail").getter(i -> i.detail).setter((i, v) -> i.detail = v))
            .addAttribute(String.class, a -> a.name("body").getter(i -> i.body).setter((i, v) -> i.body = v))
            .addAttribute(String.class, a -> a.name("messageId").getter(i -> i.messageId).setter((i, v) -> i.messageId = v))
            .addAttribute(String.class, a -> a.name("eventId").getter(i -> i.eventId).setter((i, v) -> i.eventId = v))
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v))
            .addAttribute(Long.class, a -> a.name("receivedAt").getter(i -> i.receivedAt).setter((i, v) -> i.receivedAt = v))
            .addAttribute(Long.class, a -> a.name("replayedAt").getter(i -> i.replayedAt).setter((i, v) -> i.replayedAt = v))
            .build();
}
