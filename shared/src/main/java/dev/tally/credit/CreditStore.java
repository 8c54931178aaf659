package dev.tally.credit;

import java.util.List;
import java.util.Optional;

/**
 * Storage of credit grants and their ledger entries. A grant is stored with what is left of it; that amount changes
 * only in the same atomic write as the ledger entry that changes it, and only if it is still what the entry was
 * computed from ({@link LedgerEntry#remainingBeforeMinor()}), so it always equals the sum of the grant's entries and
 * never goes below zero. DynamoDB implements it in {@link DynamoDbCreditStore}.
 */
public interface CreditStore {

    /** How a {@link #commit} ended. */
    enum Outcome {
        /** Written now. */
        APPLIED,
        /** An entry with the same id (the same cause) was written before; nothing was written now. */
        ALREADY_APPLIED
    }

    /**
     * Records a new grant with its {@link LedgerEntry.Type#GRANT} entry, atomically.
     *
     * @param grant the grant
     * @return {@link Outcome#ALREADY_APPLIED} if the account already has a grant with its id (nothing written)
     * @throws RuntimeException on a transient failure (nothing was written)
     */
    Outcome create(CreditGrant grant);

    /**
     * @param accountId the account
     * @param grantId the grant
     * @return the grant and what is left of it (strongly consistent), empty if there is none
     */
    Optional<GrantBalance> grant(String accountId, String grantId);

    /**
     * @param accountId the account
     * @return every grant of the account, any currency, with what is left of it (strongly consistent)
     */
    List<GrantBalance> grants(String accountId);

    /**
     * @param accountId the account
     * @return every ledger entry of the account (strongly consistent), by grant
     */
    List<LedgerEntry> entries(String accountId);

    /**
     * Writes entries on distinct grants atomically: each only if its id is new and its grant still has
     * {@link LedgerEntry#remainingBeforeMinor()}, which then becomes {@link LedgerEntry#remainingAfterMinor()}.
     *
     * @param entries entries other than {@link LedgerEntry.Type#GRANT}, one per grant, at most 40
     * @return {@link Outcome#ALREADY_APPLIED} if one of them was written before (by the same cause)
     * @throws CreditConflictException if a grant's remaining amount changed since it was read: read again, re-plan
     * @throws IllegalArgumentException if two entries change the same grant, or one is a grant entry
     */
    Outcome commit(List<LedgerEntry> entries);

    /**
     * Grants whose unused remainder has not expired yet (or has not been warned about), by expiry time: an index of
     * the grants that have an expiry and something left, eventually consistent (read the grant again before
     * writing).
     *
     * @param until the latest expiry wanted, seconds since the epoch (inclusive)
     * @param warned false: grants not warned about yet; true: grants already warned about
     * @return the grants, soonest expiry first
     */
    List<GrantBalance> expiringBy(long until, boolean warned);

    /**
     * Records that a grant's coming expiry was announced, once.
     *
     * @param accountId the account
     * @param grantId the grant
     * @param at seconds since the epoch
     * @return true if recorded now; false if it was already, or the grant has nothing left to expire
     */
    boolean markExpiryWarned(String accountId, String grantId, long at);
}
