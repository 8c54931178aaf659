package dev.tally.testsupport;

import java.util.List;

import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.catalog.Plan;
import dev.tally.config.Env;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.CreditStore;
import dev.tally.credit.GrantSource;
import dev.tally.store.AccountItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import java.util.UUID;

/**
 * Accounts and subscriptions for the functions' integration tests, written straight into the tables as the Stripe
 * webhook would leave them (every field it writes, the plan's Stripe prices and currency from the shipped catalog
 * included), so the functions under test take the paths they take in production. Tables are shared by the tests of a class; each test isolates itself with
 * {@link #uniqueId(String) its own account ids}.
 */
public final class TallyFixtures {
    /** Subscriptions made here bill monthly. */
    public static final String INTERVAL = "month";
    /** The catalog the functions ship, for a plan's Stripe prices and currency. */
    private static final Catalog CATALOG = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);

    private TallyFixtures() {
    }

    /** The tables as a function of the template sees them on {@code backend}, through the backend's client. */
    public static TallyTables tables(AwsBackend backend, String functionLogicalId) {
        return new TallyTables(backend.dynamoDb(), Env.of(backend.functionEnvironment(functionLogicalId)));
    }

    /** {@code prefix_<12 random hex digits>}. */
    public static String uniqueId(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    /**
     * Writes an account and its monthly subscription, id {@code sub_<accountId>}, billing state {@code active}, the
     * billing cursor on the period that contains {@code cursorInstant}, created at {@code anchor}, version 1.
     *
     * @param tables where to write
     * @param accountId account id
     * @param planId catalog plan id, e.g. {@code team} (an id outside the catalog is written without prices or currency)
     * @param anchor billing cycle anchor (also the subscription's and the account's creation time), epoch seconds
     * @param cursorInstant any instant of the first period not yet invoiced, epoch seconds
     * @return the subscription as written
     */
    public static SubscriptionItem seedCustomer(TallyTables tables, String accountId, String planId, long anchor,
                                                long cursorInstant) {
        AccountItem account = new AccountItem();
        account.accountId = accountId;
        account.stripeCustomerId = "cus_" + accountId;
        account.name = accountId;
        account.createdAt = anchor;
        account.stripeEventCreated = anchor;
        tables.accounts.putItem(account);
        SubscriptionItem sub = subscription("sub_" + accountId, accountId, planId, anchor, cursorInstant);
        tables.subscriptions.putItem(sub);
        return sub;
    }

    /**
     * A prepaid-credit grant as a Checkout purchase of {@code cs_test_<grant suffix>} makes it (source purchase,
     * created by {@code stripe}), not stored.
     *
     * @param grantId the grant's id, {@code cg_...}
     * @param accountId the account holding it
     * @param currency lowercase ISO 4217 code
     * @param amountMinor amount, minor units
     * @param priority 0 to 100, lower drawn first
     * @param effectiveAt from when it applies (also its creation time), epoch seconds
     * @param expiresAt when it expires, epoch seconds, or null
     * @return the grant
     */
    public static CreditGrant creditGrant(String grantId, String accountId, String currency, long amountMinor, int priority,
                                          long effectiveAt, Long expiresAt) {
        return new CreditGrant(grantId, accountId, currency, amountMinor, priority, effectiveAt, expiresAt,
                GrantSource.PURCHASE, "cs_test_" + grantId.substring(grantId.indexOf('_') + 1),
                "Prepaid credits bought in Checkout", "stripe", effectiveAt);
    }

    /**
     * Stores a grant (with its grant entry) as the Stripe webhook or {@code tally credits grant} would.
     *
     * @param tables where to write
     * @param grant the grant
     * @return the grant
     */
    public static CreditGrant seedGrant(TallyTables tables, CreditGrant grant) {
        if (new CreditLedger(tables.creditStore()).grant(grant) != CreditStore.Outcome.APPLIED) {
            throw new IllegalStateException("grant " + grant.grantId() + " of " + grant.accountId() + " exists already");
        }
        return grant;
    }

    /**
     * A subscription as {@link #seedCustomer} writes it, not stored.
     *
     * @return the item; change fields before writing it for other states
     */
    public static SubscriptionItem subscription(String subscriptionId, String accountId, String planId, long anchor,
                                                long cursorInstant) {
        BillingPeriod period = BillingPeriod.containing(anchor, INTERVAL, 1, cursorInstant);
        SubscriptionItem sub = new SubscriptionItem();
        sub.subscriptionId = subscriptionId;
        sub.accountId = accountId;
        sub.stripeCustomerId = "cus_" + accountId;
        sub.status = "active";
        sub.planId = planId;
        Plan plan = CATALOG.plan(planId).orElse(null);
        // The plan's first Stripe price: the one that maps the subscription to the plan and charges nothing in Stripe.
        sub.stripePriceIds = plan == null ? null : List.of(plan.stripePriceIds().get(0));
        sub.currency = plan == null ? null : plan.currency();
        sub.stripeEventCreated = anchor;
        sub.billingAnchor = anchor;
        sub.interval = INTERVAL;
        sub.intervalCount = 1;
        sub.periodStart = period.start();
        sub.periodEnd = period.end();
        sub.billingState = SubscriptionItem.activeState(sub.subscriptionId);
        sub.createdAt = anchor;
        sub.version = 1L;
        return sub;
    }
}
