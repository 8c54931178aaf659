package dev.tally.stripesync;

import java.util.List;
import java.util.Optional;

/**
 * What the sync reads and writes in Tally's own tables: each invoice's {@link SyncState} (optimistically locked, so
 * two runners of one invoice never both write from the same read) and the Stripe customer of an account.
 * DynamoDB implements it in {@link DynamoDbStripeSyncStore}.
 */
public interface StripeSyncStore {

    /**
     * @param invoiceId Tally invoice id
     * @return its sync state (a strongly consistent read), empty if never written
     */
    Optional<SyncState> find(String invoiceId);

    /**
     * Writes a state on condition that the stored one is still at {@code state.version()} (absent when 0).
     *
     * @param state the state to write, at the version it was read at
     * @param now seconds since the epoch: its new {@code updatedAt}
     * @return the state as written, at version {@code state.version() + 1}
     * @throws ConcurrentSyncException when the stored state moved on meanwhile (another runner wrote it)
     */
    SyncState save(SyncState state, long now);

    /**
     * @param status a status
     * @return every invoice's state in that status (a full read of the states; there is no index by status)
     */
    List<SyncState> withStatus(SyncStatus status);

    /**
     * @param accountId Tally account id
     * @return the account's Stripe customer id ({@code cus_...}), empty when the account or its customer is unknown
     */
    Optional<String> stripeCustomerId(String accountId);

    /** The stored sync state moved on since it was read: another runner is syncing the invoice. Transient. */
    final class ConcurrentSyncException extends RuntimeException {
        /** @param message which invoice, at which version */
        public ConcurrentSyncException(String message) {
            super(message);
        }
    }
}
