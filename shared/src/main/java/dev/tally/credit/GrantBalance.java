package dev.tally.credit;

/**
 * A credit grant and what is left of it, as stored (the sum of its ledger entries).
 *
 * @param grant the grant
 * @param remainingMinor what is left, minor units, 0 to {@code grant.amountMinor()}
 */
public record GrantBalance(CreditGrant grant, long remainingMinor) {

    /** Where a grant stands at a given time. */
    public enum Status {
        /** Not effective yet. */
        PENDING,
        /** Effective and not expired: invoices draw from what is left of it. */
        ACTIVE,
        /** Past its expiry (what was left of it expires, or has expired). */
        EXPIRED
    }

    /**
     * @throws IllegalArgumentException if the remaining amount is negative or above the grant
     */
    public GrantBalance {
        if (remainingMinor < 0 || remainingMinor > grant.amountMinor()) {
            throw new IllegalArgumentException("grant " + grant.grantId() + " cannot have " + remainingMinor + " left of "
                    + grant.amountMinor());
        }
    }

    /**
     * @param at seconds since the epoch
     * @return its status at {@code at}
     */
    public Status status(long at) {
        if (grant.expiredAt(at)) {
            return Status.EXPIRED;
        }
        return grant.effectiveAt() > at ? Status.PENDING : Status.ACTIVE;
    }

    /** @return what it can pay at {@code at}: the remaining amount while active, else 0 */
    public long availableMinor(long at) {
        return status(at) == Status.ACTIVE ? remainingMinor : 0;
    }
}
