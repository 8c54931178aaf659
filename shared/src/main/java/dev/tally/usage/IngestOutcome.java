package dev.tally.usage;

/**
 * What happened to one usage event.
 */
public enum IngestOutcome {
    /** Counted: stored and added to its aggregate, for the first time. */
    COUNTED,
    /** Already counted before (same event id); nothing added. */
    DUPLICATE,
    /** Not counted; kept in the usage-rejections table with its reason. */
    REJECTED
}
