package dev.tally.usage;

/**
 * What happened to one usage event.
 */
public enum IngestOutcome {
    /** Counted: recorded in the event log for the first time. */
    COUNTED,
    /** Already counted before (same account and event id); nothing added. */
    DUPLICATE,
    /** Not counted; kept in the usage-rejections table with its reason. */
    REJECTED,
    /** Not recorded because the store failed transiently; its message is redelivered. */
    RETRY
}
