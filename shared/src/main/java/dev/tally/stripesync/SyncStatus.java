package dev.tally.stripesync;

import java.util.Arrays;
import java.util.Locale;

/**
 * Where the Stripe sync of one Tally invoice stands. Wire names ({@link #wireName()}) are what the stripe-sync table
 * stores and {@code tally invoices --status} takes.
 */
public enum SyncStatus {
    /** An attempt began; no Stripe invoice is known for the Tally invoice yet. */
    PENDING,
    /** The Stripe draft exists (its id is stored); items may be missing; not finalized yet. */
    DRAFT,
    /** Finalized in Stripe with Tally's total: done, Stripe collects it. */
    SYNCED,
    /** No API key: the requests were recorded, not sent (the local runtime's default). */
    RECORDED,
    /** Nothing to charge (a zero subtotal): not sent. */
    SKIPPED,
    /**
     * Given up: a permanent failure (bad input, a mismatch), or transient ones on every attempt the stream gave it.
     * The state holds the reason; {@code tally invoices resync ID} tries again.
     */
    SYNC_FAILED;

    /** @return the lowercase wire name ({@code pending}, {@code draft}, ..., {@code sync_failed}) */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return true when a stream delivery has nothing left to do (done, or given up until a resync) */
    public boolean terminal() {
        return this == SYNCED || this == RECORDED || this == SKIPPED || this == SYNC_FAILED;
    }

    /** @return true when the invoice needs nothing more in Stripe, whoever asks */
    public boolean done() {
        return this == SYNCED || this == RECORDED || this == SKIPPED;
    }

    /**
     * @param wireName a lowercase name as {@link #wireName()} gives
     * @return the status
     * @throws IllegalArgumentException for an unknown name (the message lists the known ones)
     */
    public static SyncStatus fromWire(String wireName) {
        for (SyncStatus s : values()) {
            if (s.wireName().equals(wireName)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown sync status " + wireName + " (one of "
                + String.join(", ", Arrays.stream(values()).map(SyncStatus::wireName).toList()) + ")");
    }
}
