package dev.tally.credit;

import java.util.List;

/**
 * An account's credit in one currency at one time: every grant with what is left of it, and the total invoices can
 * draw. A view computed from the grants; nothing stores it.
 *
 * @param accountId the account
 * @param currency lowercase ISO 4217 code
 * @param at the time it describes, seconds since the epoch
 * @param grants the account's grants in the currency, in drawdown order ({@link DrawdownPlanner#ORDER})
 */
public record CreditBalance(String accountId, String currency, long at, List<GrantBalance> grants) {

    /** Copies the list. */
    public CreditBalance {
        grants = List.copyOf(grants);
    }

    /** @return what invoices can draw at {@link #at()}: the remaining amounts of the active grants, minor units */
    public long availableMinor() {
        return grants.stream().mapToLong(g -> g.availableMinor(at)).sum();
    }

    /**
     * @return the amounts of the grants active at {@link #at()}, used or not, minor units: the base of the balance
     *     alerts (a share of it consumed is {@code credits.balance_low})
     */
    public long activeGrantedMinor() {
        return grants.stream().filter(g -> g.status(at) == GrantBalance.Status.ACTIVE)
                .mapToLong(g -> g.grant().amountMinor()).sum();
    }
}
