package dev.tally.dunning;

import java.util.Locale;

/**
 * Where an account stands in dunning, in escalating order. The wire names (lowercase) are stored on the entitlements
 * item and published in events.
 */
public enum DunningState {
    /** Paid up: full access. */
    ACTIVE,
    /** A payment failed; grace period with full access. */
    PAST_DUE,
    /** Still unpaid after the grace period: usage beyond the included quantities is refused or flagged (per plan). */
    RESTRICTED,
    /** Still unpaid: no access. */
    SUSPENDED;

    /** @return the wire name, e.g. {@code past_due} */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param wire a wire name, e.g. {@code restricted}
     * @return the state
     * @throws IllegalArgumentException for an unknown name
     */
    public static DunningState fromWire(String wire) {
        for (DunningState s : values()) {
            if (s.wire().equals(wire)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown dunning state " + wire + " (active, past_due, restricted, suspended)");
    }
}
