package dev.tally.usage;

/**
 * Thrown (and caught within usage ingestion) when an event cannot be counted.
 */
public final class UsageRejection extends Exception {
    private final RejectionReason reason;

    /**
     * @param reason machine-readable reason
     * @param detail human-readable explanation naming the field or value
     */
    public UsageRejection(RejectionReason reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    /** @return the reason */
    public RejectionReason reason() {
        return reason;
    }
}
