package dev.tally.reconciliation;

import java.util.Locale;

/**
 * What reconciliation checks. The wire name ({@link #wireName()}) is the {@code check} dimension of
 * {@link dev.tally.metrics.MetricNames#RECONCILIATION_CHECKS} and {@link dev.tally.metrics.MetricNames#RECONCILIATION_MISMATCHES},
 * and the key of the report's {@code checked} counts.
 */
public enum Check {
    /** A usage line's usage as the metering model reads it (hourly buckets, edge events) equals the event log's. */
    USAGE_MODEL,
    /** What was invoiced for a usage line (its quantity plus the adjustments of it since) is backed by the event log. */
    INVOICED_USAGE,
    /** A priced line's amount equals its quantity rated again with the catalog price. */
    LINE_AMOUNT,
    /** A credit grant's ledger entries sum to its remaining amount, and an invoice's credit line to its drawdown entry. */
    CREDIT_LEDGER,
    /** Each subscription period before the billing cursor has exactly one invoice. */
    SUBSCRIPTION_PERIODS,
    /** A finalized invoice is in Stripe (per the sync, and per Stripe itself when it is reachable) with its total. */
    STRIPE;

    /** @return the lowercase wire name, e.g. {@code usage_model} */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
