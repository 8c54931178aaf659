package dev.tally.store;

/** Names of the global secondary indexes declared in template.yaml and infra-terraform. */
public final class Indexes {
    /** accounts: by Stripe customer id. */
    public static final String BY_STRIPE_CUSTOMER = "by-stripe-customer";
    /** subscriptions and invoices: by account id. */
    public static final String BY_ACCOUNT = "by-account";
    /** subscriptions: billingState + periodEnd, the billing run's work list (sparse: only unbilled ones). */
    public static final String BY_PERIOD_END = "by-period-end";
    /** usage events: by account, meter and hour, then event time: the partial hours at the edges of a range. */
    public static final String BY_SERIES_HOUR = "by-series-hour";
    /** credits: expiryState + expiresAt, the grants whose unused remainder is still to expire (sparse). */
    public static final String BY_EXPIRY = "by-expiry";

    /** invoices: drafts whose rating failed ({@code attention = rating_failed}), by creation time (sparse). */
    public static final String BY_ATTENTION = "by-attention";

    private Indexes() {
    }
}
