package dev.tally.credit;

import java.util.Locale;
import java.util.Objects;

/**
 * An immutable entry of a credit grant's ledger: what changed the grant's remaining amount, by how much, and why.
 * A grant's remaining amount is the sum of its entries; {@link #remainingAfterMinor()} keeps the running total, so
 * each entry also says what it was written against ({@link #remainingBeforeMinor()}), and the store writes it only if
 * the grant still has exactly that (optimistic: a grant's remaining amount only ever falls after its grant entry, so
 * an equal value means nothing changed in between).
 *
 * <p>The entry id derives from its cause, so the same cause cannot be written twice: {@code <grant>:grant},
 * {@code <grant>:drawdown:<invoice id>}, {@code <grant>:expiry}, {@code <grant>:revocation:<reference>}.
 *
 * @param entryId deterministic from the cause (above)
 * @param accountId the account holding the grant
 * @param grantId the grant it changes
 * @param currency the grant's currency, lowercase ISO 4217
 * @param type what happened
 * @param amountMinor signed minor units: positive for {@link Type#GRANT}, negative for the others
 * @param remainingAfterMinor the grant's remaining amount after this entry, minor units, never negative
 * @param invoiceId the invoice that drew ({@link Type#DRAWDOWN} only, else null)
 * @param reference what caused a revocation, e.g. a Stripe refund {@code re_...} ({@link Type#REVOCATION} only)
 * @param description for people, e.g. the grant it draws from
 * @param at when it took effect, seconds since the epoch (an expiry: the grant's expiry time)
 */
public record LedgerEntry(String entryId, String accountId, String grantId, String currency, Type type,
                          long amountMinor, long remainingAfterMinor, String invoiceId, String reference,
                          String description, long at) {

    /** The kinds of ledger entry (closed: a grant's remaining amount changes in no other way). */
    public enum Type {
        /** The grant itself: {@code +amount}, once, when it is created. */
        GRANT,
        /** An invoice drew from the grant. */
        DRAWDOWN,
        /** The grant expired: what was left of it, at its expiry time. */
        EXPIRY,
        /** Unused credit taken back, e.g. after its purchase was refunded. */
        REVOCATION;

        /** @return the stored form, e.g. {@code drawdown} */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @param text the stored form
         * @return the type
         * @throws IllegalArgumentException if it names none
         */
        public static Type parse(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * @throws IllegalArgumentException if the sign does not fit the type, the running total would be negative, or
     *     a field the type needs is missing
     */
    public LedgerEntry {
        Objects.requireNonNull(entryId, "entryId");
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(type, "type");
        if (type == Type.GRANT ? amountMinor <= 0 : amountMinor >= 0) {
            throw new IllegalArgumentException(type.wire() + " entry " + entryId + " has the wrong sign: " + amountMinor);
        }
        if (remainingAfterMinor < 0 || remainingAfterMinor - amountMinor < 0) {
            throw new IllegalArgumentException("entry " + entryId + " would take grant " + grantId + " below zero");
        }
        if ((type == Type.DRAWDOWN) != (invoiceId != null)) {
            throw new IllegalArgumentException("a drawdown, and only a drawdown, names its invoice: " + entryId);
        }
        if ((type == Type.REVOCATION) != (reference != null)) {
            throw new IllegalArgumentException("a revocation, and only a revocation, names its cause: " + entryId);
        }
    }

    /** @return the grant's remaining amount this entry was written against, minor units */
    public long remainingBeforeMinor() {
        return remainingAfterMinor - amountMinor;
    }

    /**
     * @param grant a new grant
     * @return its {@link Type#GRANT} entry: {@code +amount}, at its creation
     */
    public static LedgerEntry granted(CreditGrant grant) {
        return new LedgerEntry(grant.grantId() + ":grant", grant.accountId(), grant.grantId(), grant.currency(), Type.GRANT,
                grant.amountMinor(), grant.amountMinor(), null, null, grant.describe(), grant.createdAt());
    }

    /**
     * @param grant the grant drawn from
     * @param remainingBeforeMinor what it has left, as read
     * @param amountMinor drawn, positive, at most {@code remainingBeforeMinor}
     * @param invoiceId the invoice that draws; an invoice draws from a grant once
     * @param at the invoice's time, seconds since the epoch
     * @return the {@link Type#DRAWDOWN} entry
     */
    public static LedgerEntry drawdown(CreditGrant grant, long remainingBeforeMinor, long amountMinor, String invoiceId, long at) {
        return new LedgerEntry(grant.grantId() + ":drawdown:" + invoiceId, grant.accountId(), grant.grantId(),
                grant.currency(), Type.DRAWDOWN, -amountMinor, remainingBeforeMinor - amountMinor, invoiceId, null,
                grant.describe(), at);
    }

    /**
     * @param grant a grant with an expiry
     * @param remainingBeforeMinor what it has left, positive
     * @return the {@link Type#EXPIRY} entry that takes it to zero, at the grant's expiry time
     */
    public static LedgerEntry expiry(CreditGrant grant, long remainingBeforeMinor) {
        Objects.requireNonNull(grant.expiresAt(), "the grant has no expiry");
        return new LedgerEntry(grant.grantId() + ":expiry", grant.accountId(), grant.grantId(), grant.currency(),
                Type.EXPIRY, -remainingBeforeMinor, 0, null, null, grant.describe() + " expired", grant.expiresAt());
    }

    /**
     * @param grant the grant taken back from
     * @param remainingBeforeMinor what it has left, as read
     * @param amountMinor taken back, positive, at most {@code remainingBeforeMinor}
     * @param reference the cause, e.g. a refund id {@code re_...}; a cause revokes from a grant once
     * @param reason for people
     * @param at seconds since the epoch
     * @return the {@link Type#REVOCATION} entry
     */
    public static LedgerEntry revocation(CreditGrant grant, long remainingBeforeMinor, long amountMinor, String reference,
                                         String reason, long at) {
        return new LedgerEntry(grant.grantId() + ":revocation:" + reference, grant.accountId(), grant.grantId(),
                grant.currency(), Type.REVOCATION, -amountMinor, remainingBeforeMinor - amountMinor, null, reference,
                reason, at);
    }
}
