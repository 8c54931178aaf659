package dev.tally.stripesync;

import java.util.Objects;

/**
 * The Stripe sync state of one Tally invoice, kept apart from the immutable invoice (stripe-sync table, see
 * {@link StripeSyncStore}). Times are seconds since the epoch.
 *
 * @param invoiceId the Tally invoice id
 * @param status where the sync stands
 * @param stripeInvoiceId the Stripe invoice, {@code in_...}, once known; else null
 * @param attempts attempts made since the invoice was written or last resynced (each counted when it begins, so one
 *                 that was cut short by a timeout counts too)
 * @param keyGeneration which idempotency keys the next attempt uses: 0 for {@code tally:<invoice id>:<step>}, n for
 *                      {@code tally:<invoice id>:<step>:g<n>}; raised after Stripe answered an attempt with an error
 *                      it may have saved under the keys used (see {@link StripeFailure#keyMustChange()})
 * @param lastError why the last attempt failed, null after a success
 * @param lastAttemptAt when the last attempt began, null before the first
 * @param nextAttemptAt after a transient failure: not before this time does the stream's retry try again (it waits
 *                      until then); null otherwise (a {@code sync_failed} one waits for {@code tally invoices resync})
 * @param attemptOpenSince when the attempt in progress began; null when none is (one left set by a timeout or crash
 *                         is found by the next attempt)
 * @param createdAt when the state was first written
 * @param updatedAt when it was last written
 * @param version optimistic lock: the stored version this state was read at (0: not stored yet)
 */
public record SyncState(String invoiceId, SyncStatus status, String stripeInvoiceId, int attempts, int keyGeneration,
                        String lastError, Long lastAttemptAt, Long nextAttemptAt, Long attemptOpenSince,
                        long createdAt, long updatedAt, long version) {

    public SyncState {
        Objects.requireNonNull(invoiceId, "invoiceId");
        Objects.requireNonNull(status, "status");
    }

    /**
     * @param invoiceId Tally invoice id
     * @param now seconds since the epoch
     * @return the state of an invoice never attempted: {@link SyncStatus#PENDING}, nothing stored yet
     */
    public static SyncState initial(String invoiceId, long now) {
        return new SyncState(invoiceId, SyncStatus.PENDING, null, 0, 0, null, null, null, null, now, now, 0);
    }

    /** @return a copy with another status */
    public SyncState withStatus(SyncStatus newStatus) {
        return new SyncState(invoiceId, newStatus, stripeInvoiceId, attempts, keyGeneration, lastError, lastAttemptAt,
                nextAttemptAt, attemptOpenSince, createdAt, updatedAt, version);
    }

    /** @return a copy that knows its Stripe invoice, status {@link SyncStatus#DRAFT} */
    public SyncState withDraft(String stripeInvoice) {
        return new SyncState(invoiceId, SyncStatus.DRAFT, stripeInvoice, attempts, keyGeneration, lastError,
                lastAttemptAt, nextAttemptAt, attemptOpenSince, createdAt, updatedAt, version);
    }

    /** @return a copy with another last error */
    public SyncState withLastError(String error) {
        return new SyncState(invoiceId, status, stripeInvoiceId, attempts, keyGeneration, error, lastAttemptAt,
                nextAttemptAt, attemptOpenSince, createdAt, updatedAt, version);
    }

    /**
     * @param now seconds since the epoch
     * @return a copy with one more attempt, begun now and open
     */
    public SyncState beginAttempt(long now) {
        return new SyncState(invoiceId, status, stripeInvoiceId, attempts + 1, keyGeneration, lastError, now, null, now,
                createdAt, updatedAt, version);
    }

    /**
     * @param newStatus the status the attempt ends in
     * @param error why it failed, null on success
     * @param nextAttempt not-before time of the next attempt, or null
     * @param newKeys whether the next attempt must use new idempotency keys
     * @return a copy whose attempt is over
     */
    public SyncState endAttempt(SyncStatus newStatus, String error, Long nextAttempt, boolean newKeys) {
        return new SyncState(invoiceId, newStatus, stripeInvoiceId, attempts, keyGeneration + (newKeys ? 1 : 0), error,
                lastAttemptAt, nextAttempt, null, createdAt, updatedAt, version);
    }

    /** @return a copy whose attempt count starts again at 0 (an operator's resync opens a new round) */
    public SyncState newRound() {
        return new SyncState(invoiceId, status, stripeInvoiceId, 0, keyGeneration, lastError, lastAttemptAt, null,
                attemptOpenSince, createdAt, updatedAt, version);
    }

    /** @return a copy as stored: written at {@code now}, at {@code newVersion} */
    public SyncState stored(long now, long newVersion) {
        return new SyncState(invoiceId, status, stripeInvoiceId, attempts, keyGeneration, lastError, lastAttemptAt,
                nextAttemptAt, attemptOpenSince, createdAt, now, newVersion);
    }
}
