package dev.tally.usage;

/**
 * What the event log said to one insert.
 *
 * @param status the outcome
 * @param detail the store's message for {@link Status#TRANSIENT} and {@link Status#INVALID}; null otherwise
 */
public record InsertOutcome(Status status, String detail) {
    /** An insert's outcome. */
    public enum Status {
        /** Recorded now, for the first time: the event is counted. */
        INSERTED,
        /** The account already has an event with this id: nothing written. */
        DUPLICATE,
        /** Throttled, timed out or failed inside the store: try again later. */
        TRANSIENT,
        /** The store refused the item itself (too large, a value it cannot hold): retrying cannot help. */
        INVALID
    }

    /** Recorded now. */
    public static final InsertOutcome INSERTED = new InsertOutcome(Status.INSERTED, null);
    /** Already there. */
    public static final InsertOutcome DUPLICATE = new InsertOutcome(Status.DUPLICATE, null);
}
