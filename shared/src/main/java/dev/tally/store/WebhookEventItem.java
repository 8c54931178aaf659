package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;

/**
 * A Stripe event that has been applied, keyed by its {@code evt_...} id. Written in the same transaction as the
 * event's effects, so a redelivered event (Stripe retries for up to three days,
 * https://docs.stripe.com/webhooks#retries) is recognised and changes nothing. Expires by TTL after 30 days.
 */
public final class WebhookEventItem {
    public String eventId;
    public String type;
    /** Stripe's {@code created}, seconds since the epoch. */
    public Long created;
    public Long processedAt;
    /** TTL attribute, seconds since the epoch. */
    public Long expiresAt;

    public static final StaticTableSchema<WebhookEventItem> SCHEMA = StaticTableSchema.builder(WebhookEventItem.class)
            .newItemSupplier(WebhookEventItem::new)
            .addAttribute(String.class, a -> a.name("eventId").getter(i -> i.eventId).setter((i, v) -> i.eventId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("type").getter(i -> i.type).setter((i, v) -> i.type = v))
            .addAttribute(Long.class, a -> a.name("created").getter(i -> i.created).setter((i, v) -> i.created = v))
            .addAttribute(Long.class, a -> a.name("processedAt").getter(i -> i.processedAt).setter((i, v) -> i.processedAt = v))
            .addAttribute(Long.class, a -> a.name("expiresAt").getter(i -> i.expiresAt).setter((i, v) -> i.expiresAt = v))
            .build();
}
