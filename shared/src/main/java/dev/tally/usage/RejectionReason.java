package dev.tally.usage;

/**
 * Why a usage event was not counted. Rejected events are kept with the reason (usage-rejections table) and are never
 * retried by SQS: retrying cannot fix them, a person or the producer must.
 */
public enum RejectionReason {
    /** The message body is not JSON, or not an object or an array of objects. */
    MALFORMED_JSON,
    /** A required field is missing or has the wrong type or format (the detail names it). */
    INVALID_FIELD,
    /** {@code quantity} is below zero. */
    NEGATIVE_QUANTITY,
    /** {@code quantity} is above the meter's {@code max_event_quantity} (default 10^15). */
    QUANTITY_ABOVE_MAXIMUM,
    /** {@code timestamp} is more than five minutes ahead of the clock. */
    TIMESTAMP_IN_FUTURE,
    /** {@code timestamp} is older than the backdating window (35 days unless configured), like Stripe's meters. */
    TIMESTAMP_TOO_OLD,
    /** No account with that id (no Stripe customer created it yet). */
    UNKNOWN_ACCOUNT,
    /** The catalog has no meter with that id. */
    UNKNOWN_METER,
    /** The event's stored form would exceed DynamoDB's 400 KB item limit, or the store refused it as invalid. */
    ITEM_TOO_LARGE
}
