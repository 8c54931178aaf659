package dev.tally.credit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An account's prepaid credit: grants, what invoices draw from them, revocations, and the balance they add up to.
 * Every change is a {@link LedgerEntry}, written by the {@link CreditStore} with the grant's new remaining amount,
 * only if the grant still has what the change was computed from; so a grant's remaining amount is always the sum of
 * its entries and never negative, and an invoice or expiry racing another write re-reads and plans again.
 */
public final class CreditLedger {
    /** Attempts of a revocation whose grant changed meanwhile. */
    private static final int RETRIES = 5;

    private final CreditStore store;

    /**
     * @param store where grants and entries live
     */
    public CreditLedger(CreditStore store) {
        this.store = store;
    }

    /**
     * Records a grant, once: a grant id already present (a redelivered purchase, say) writes nothing.
     *
     * @param grant the grant
     * @return {@link CreditStore.Outcome#APPLIED}, or {@link CreditStore.Outcome#ALREADY_APPLIED} if it existed
     * @throws RuntimeException on a transient failure (nothing was written)
     */
    public CreditStore.Outcome grant(CreditGrant grant) {
        return store.create(grant);
    }

    /**
     * What an invoice draws: per-grant drawdowns (may be empty), total applied {@code <= maxMinor}. Reads the
     * account's grants (strongly consistent) and plans with {@link DrawdownPlanner}; writes nothing. The caller writes
     * the drawdown with its invoice, on condition each grant still has what was read; when that fails, it plans
     * again.
     *
     * @param accountId the account holding the grants (for an organisation under a payer, the payer)
     * @param currency the invoice's currency, lowercase ISO 4217
     * @param maxMinor the most to draw, minor units (the invoice's subtotal)
     * @param invoiceId the invoice
     * @param at the invoice's time, seconds since the epoch: the grants applicable then are drawn
     * @return the drawdown
     */
    public Drawdown planDrawdown(String accountId, String currency, long maxMinor, String invoiceId, long at) {
        return DrawdownPlanner.plan(accountId, currency, maxMinor, invoiceId, at, store.grants(accountId));
    }

    /**
     * @param accountId the account
     * @param currency lowercase ISO 4217 code
     * @param at seconds since the epoch
     * @return the account's credit in {@code currency} at {@code at} (strongly consistent)
     */
    public CreditBalance balance(String accountId, String currency, long at) {
        return balances(accountId, at).stream().filter(b -> b.currency().equals(currency)).findFirst()
                .orElse(new CreditBalance(accountId, currency, at, List.of()));
    }

    /**
     * @param accountId the account
     * @param at seconds since the epoch
     * @return the account's credit per currency at {@code at}, by currency code (strongly consistent)
     */
    public List<CreditBalance> balances(String accountId, long at) {
        TreeMap<String, List<GrantBalance>> byCurrency = new TreeMap<>();
        for (GrantBalance g : store.grants(accountId)) {
            byCurrency.computeIfAbsent(g.grant().currency(), c -> new ArrayList<>()).add(g);
        }
        List<CreditBalance> out = new ArrayList<>();
        byCurrency.forEach((currency, grants) -> {
            grants.sort(Comparator.comparing(GrantBalance::grant, DrawdownPlanner.ORDER));
            out.add(new CreditBalance(accountId, currency, at, grants));
        });
        return out;
    }

    /**
     * @param accountId the account
     * @return its ledger entries, oldest first (by time, then grant entries before what follows them, then id)
     */
    public List<LedgerEntry> entries(String accountId) {
        return store.entries(accountId).stream()
                .sorted(Comparator.comparingLong(LedgerEntry::at).thenComparing(LedgerEntry::type)
                        .thenComparing(LedgerEntry::entryId))
                .toList();
    }

    /**
     * Takes back up to {@code maxMinor} of what is left of a grant, once per {@code reference}: a refund of a
     * purchase revokes what was not used (a later issue wires {@code charge.refunded} to this).
     *
     * @param accountId the account
     * @param grantId the grant
     * @param maxMinor the most to take back, minor units, positive
     * @param reference the cause, e.g. a refund id {@code re_...}
     * @param reason for people
     * @param at seconds since the epoch
     * @return the revocation entry (written now or before for the same reference); empty when nothing was left
     * @throws IllegalArgumentException if the grant does not exist or {@code maxMinor} is not positive
     * @throws CreditConflictException if the grant kept changing under it
     */
    public Optional<LedgerEntry> revoke(String accountId, String grantId, long maxMinor, String reference, String reason,
                                        long at) {
        if (maxMinor <= 0) {
            throw new IllegalArgumentException("a revocation must be positive, was " + maxMinor);
        }
        for (int attempt = 1; ; attempt++) {
            GrantBalance g = store.grant(accountId, grantId)
                    .orElseThrow(() -> new IllegalArgumentException("account " + accountId + " has no credit grant " + grantId));
            String entryId = grantId + ":revocation:" + reference;
            Optional<LedgerEntry> earlier = store.entries(accountId).stream().filter(e -> e.entryId().equals(entryId)).findFirst();
            if (earlier.isPresent() || g.remainingMinor() == 0) {
                return earlier;
            }
            LedgerEntry entry = LedgerEntry.revocation(g.grant(), g.remainingMinor(), Math.min(maxMinor, g.remainingMinor()),
                    reference, reason, at);
            try {
                if (store.commit(List.of(entry)) == CreditStore.Outcome.APPLIED) {
                    return Optional.of(entry);
                }
            } catch (CreditConflictException e) {
                if (attempt >= RETRIES) {
                    throw e;
                }
            }
        }
    }
}
