package dev.tally.invoice;

import java.util.Locale;

/** What an invoice line prices. The vocabulary is closed: every line of every invoice has one of these. */
public enum LineType {
    /** A recurring base fee (per seat or flat), prorated to the second for a partial phase. */
    BASE_FEE,
    /** A metered price's usage in the line's period. */
    USAGE,
    /** Usage of an earlier, already finalized period that arrived after it was invoiced. */
    ADJUSTMENT,
    /** What brings the period's usage charges up to the plan's minimum commitment. */
    MINIMUM_TRUE_UP,
    /** Prepaid credits drawn from one credit grant (a negative amount). */
    CREDIT;

    /** @return the lowercase wire name ({@code base_fee}, {@code usage}, ...) */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param wireName a lowercase name as {@link #wireName()} gives
     * @return the type
     * @throws IllegalArgumentException for an unknown name
     */
    public static LineType fromWire(String wireName) {
        return valueOf(wireName.toUpperCase(Locale.ROOT));
    }
}
