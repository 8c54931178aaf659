package dev.tally.store;

/** Names of the global secondary indexes declared in template.yaml and infra-terraform. */
public final class Indexes {
    /** accounts: by Stripe customer id. */
    public static final String BY_STRIPE_CUSTOMER = "by-stripe-customer";
    /** subscriptions and invoices: by account id. */
    public static final String BY_ACCOUNT = "by-account";
    /** subscriptions: billingState + periodEnd, the billing run's work list (sparse: only unbilled ones). */
    public static final String BY_PERIOD_END = "by-period-end";
    /** usage events: by aggregate key and timestamp, to trace an invoice line back to its events. */
    public static final String BY_AGGREGATE = "by-aggregate";

    private Indexes() {
    }
}
