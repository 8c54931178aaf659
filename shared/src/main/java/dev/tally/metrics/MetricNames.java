package dev.tally.metrics;

/**
 * The metrics Tally emits, namespace {@value #NAMESPACE}. Alarms and the dashboard in Terraform refer to these names;
 * a rename is a breaking change for them. Amounts are in minor units with a {@code currency} dimension.
 */
public final class MetricNames {
    private MetricNames() {
    }

    /** CloudWatch namespace of every Tally metric. */
    public static final String NAMESPACE = "Tally";

    /** Usage events counted for the first time. Dimensions: {@code meter}. */
    public static final String USAGE_EVENTS_COUNTED = "UsageEventsCounted";
    /** Usage events delivered again and not counted twice. Dimensions: {@code meter}. */
    public static final String USAGE_EVENTS_DUPLICATE = "UsageEventsDuplicate";
    /** Usage events rejected. Dimensions: {@code reason}, {@code meter} ({@code unknown} when unreadable). */
    public static final String USAGE_EVENTS_REJECTED = "UsageEventsRejected";
    /** Adjustment lines for late usage in an invoiced period. Dimensions: {@code currency}. */
    public static final String LATE_ADJUSTMENTS = "LateUsageAdjustments";
    /** Invoices finalized. Dimensions: {@code currency}. */
    public static final String INVOICES_FINALIZED = "InvoicesFinalized";
    /** Amount billed on finalized invoices, minor units. Dimensions: {@code currency}. */
    public static final String AMOUNT_BILLED = "AmountBilledMinor";
    /** Prepaid credit drawn down on invoices, minor units. Dimensions: {@code currency}. */
    public static final String CREDIT_DRAWDOWN = "CreditDrawdownMinor";
    /** Invoice drafts that failed to rate. No dimensions. */
    public static final String INVOICE_FAILURES = "InvoiceFailures";
    /** Invoices marked {@code sync_failed}. No dimensions. */
    public static final String STRIPE_SYNC_FAILURES = "StripeSyncFailures";
    /** Invoices synced to Stripe. No dimensions. */
    public static final String STRIPE_SYNCED = "StripeSynced";
    /** Stripe webhook events. Dimensions: {@code type} (or {@code other}), {@code outcome}. */
    public static final String WEBHOOK_EVENTS = "WebhookEvents";
    /** Webhook requests whose signature did not verify. No dimensions. */
    public static final String WEBHOOK_SIGNATURE_FAILURES = "WebhookSignatureFailures";
    /**
     * Credits refunded by Stripe that had already been spent, so could not be revoked, minor units. Dimensions:
     * {@code currency}.
     */
    public static final String CREDIT_REFUND_UNRECOVERED = "CreditRefundUnrecoveredMinor";
    /** Alerts published. Dimensions: {@code type}. */
    public static final String ALERTS_RAISED = "AlertsRaised";
    /** Reconciliation checks made. Dimensions: {@code check}. */
    public static final String RECONCILIATION_CHECKS = "ReconciliationChecks";
    /** Reconciliation mismatches found. Dimensions: {@code check}. */
    public static final String RECONCILIATION_MISMATCHES = "ReconciliationMismatches";
    /** Dunning transitions. Dimensions: {@code to} (the new state). */
    public static final String DUNNING_TRANSITIONS = "DunningTransitions";
    /** Billing runs finished (all jobs queued). No dimensions. */
    public static final String BILLING_RUNS_COMPLETED = "BillingRunsCompleted";
}
