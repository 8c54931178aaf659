package dev.tally.invoice;

import java.util.Locale;

/**
 * Where an invoice is in its life, as Stripe names invoice statuses
 * (https://docs.stripe.com/invoicing/overview#invoice-statuses).
 *
 * <p>{@code DRAFT -> OPEN -> PAID | UNCOLLECTIBLE | VOID}. A draft may still be recomputed; from {@code OPEN}
 * (finalized) on, amounts and lines never change: a correction is an adjustment line on a later invoice or a credit
 * note, linked to what it corrects.
 */
public enum InvoiceStatus {
    /** Lines are being written; nothing is owed yet and Stripe has not seen it. */
    DRAFT,
    /** Finalized: immutable, owed, pushed to Stripe. */
    OPEN,
    /** Paid in full. */
    PAID,
    /** Written off: still finalized, not expected to be paid. */
    UNCOLLECTIBLE,
    /** Cancelled after finalization; kept for the record. */
    VOID;

    /** @return the lowercase wire name ({@code draft}, {@code open}, ...) */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param wireName a lowercase name as {@link #wireName()} gives
     * @return the status
     * @throws IllegalArgumentException for an unknown name
     */
    public static InvoiceStatus fromWire(String wireName) {
        return valueOf(wireName.toUpperCase(Locale.ROOT));
    }

    /** @return true once finalized: amounts and lines may no longer change */
    public boolean finalized() {
        return this != DRAFT;
    }
}
