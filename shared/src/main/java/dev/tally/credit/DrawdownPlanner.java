package dev.tally.credit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which grants an invoice draws from, and how much from each: pure, no I/O.
 *
 * <p>Applicable at time {@code t} are the grants in the invoice's currency with {@code effectiveAt <= t < expiresAt}
 * and something left. They are drawn in {@link #ORDER}: priority (lower number first), then the soonest expiry
 * (grants that never expire last), then the oldest (effective first, then recorded first, then by id, so the order
 * is total). This is Stripe's order for credit grants
 * (https://docs.stripe.com/billing/subscriptions/usage-based/billing-credits#multiple-credit-grants). Each grant
 * gives what it has until the amount due is met; no grant goes below zero, so the total applied never exceeds what
 * is due or what is available, and the rest of the invoice is billed (overage).
 */
public final class DrawdownPlanner {
    /** Drawdown order: priority ascending, expiry soonest (none last), effective, created, id. */
    public static final Comparator<CreditGrant> ORDER = Comparator.comparingInt(CreditGrant::priority)
            .thenComparing(CreditGrant::expiresAt, Comparator.nullsLast(Comparator.naturalOrder()))
            .thenComparingLong(CreditGrant::effectiveAt)
            .thenComparingLong(CreditGrant::createdAt)
            .thenComparing(CreditGrant::grantId);

    /**
     * Most grants one invoice draws from: each costs two items of the invoice's DynamoDB transaction (100 at most,
     * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html), which also
     * carries the invoice and what the invoice generator adds.
     */
    public static final int MAX_GRANTS_PER_DRAWDOWN = 40;

    private DrawdownPlanner() {
    }

    /**
     * @param accountId the account holding the grants
     * @param currency the invoice's currency
     * @param maxMinor the most to draw (the invoice's subtotal), minor units; nothing is drawn when it is not positive
     * @param invoiceId the invoice that draws
     * @param at the invoice's time, seconds since the epoch: grants applicable then are drawn
     * @param grants the account's grants with what is left of each (any currency, any time)
     * @return the drawdown: at most {@link #MAX_GRANTS_PER_DRAWDOWN} entries, in {@link #ORDER}
     */
    public static Drawdown plan(String accountId, String currency, long maxMinor, String invoiceId, long at,
                                List<GrantBalance> grants) {
        List<LedgerEntry> entries = new ArrayList<>();
        long due = maxMinor;
        for (GrantBalance g : applicable(grants, currency, at)) {
            if (due <= 0 || entries.size() == MAX_GRANTS_PER_DRAWDOWN) {
                break;
            }
            long take = Math.min(due, g.remainingMinor());
            entries.add(LedgerEntry.drawdown(g.grant(), g.remainingMinor(), take, invoiceId, at));
            due -= take;
        }
        return new Drawdown(accountId, currency, invoiceId, Math.max(maxMinor, 0) - Math.max(due, 0), entries);
    }

    /**
     * @return the grants invoices in {@code currency} may draw from at {@code at}, with something left, in
     *     {@link #ORDER}
     */
    public static List<GrantBalance> applicable(List<GrantBalance> grants, String currency, long at) {
        return grants.stream()
                .filter(g -> g.grant().currency().equals(currency) && g.grant().appliesAt(at) && g.remainingMinor() > 0)
                .sorted(Comparator.comparing(GrantBalance::grant, ORDER))
                .toList();
    }
}
