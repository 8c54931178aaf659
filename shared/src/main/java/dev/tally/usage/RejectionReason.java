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
    /** {@code timestamp} is more than five minutes ahead of the clock. */
    TIMESTAMP_IN_FUTURE,
    /** No account with that id (no Stripe customer created it). */
    UNKNOWN_ACCOUNT,
    /** The catalog has no meter with that id. */
    UNKNOWN_METER,
    /** The account has no subscription covering the event's timestamp. */
    NO_SUBSCRIPTION,
    /** The event's billing period has already been invoiced. */
    PERIOD_CLOSED
}
