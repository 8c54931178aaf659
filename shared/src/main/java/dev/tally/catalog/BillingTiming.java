package dev.tally.catalog;

/** When a plan's recurring base fee is billed, relative to the billing period it pays for. */
public enum BillingTiming {
    /** At the start of the period it pays for. */
    IN_ADVANCE,
    /** At the end of the period it pays for, with that period's usage. */
    IN_ARREARS
}
