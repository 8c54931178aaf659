package dev.tally.dunning;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An account's dunning standing, kept on its entitlements item.
 *
 * @param state the current state
 * @param since when it was entered, seconds since the epoch (0 for an account never in dunning)
 * @param unpaid Stripe invoice id -> when its first failed attempt happened (seconds since the epoch), for every
 *               invoice whose payment failed and that is neither paid nor voided
 * @param seen Stripe invoice id -> {@code stripeUpdatedAt} of the newest payment fact applied, for order-safety (the
 *             {@value #SEEN_LIMIT} newest are kept)
 */
public record DunningStatus(DunningState state, long since, Map<String, Long> unpaid, Map<String, Long> seen) {

    /** How many invoices' newest fact times are remembered. */
    public static final int SEEN_LIMIT = 50;

    /** An account that never failed a payment. */
    public static final DunningStatus ACTIVE = new DunningStatus(DunningState.ACTIVE, 0, Map.of(), Map.of());

    /** Copies the maps (sorted, unmodifiable). */
    public DunningStatus {
        Objects.requireNonNull(state, "state");
        unpaid = Collections.unmodifiableMap(new TreeMap<>(unpaid));
        seen = Collections.unmodifiableMap(new TreeMap<>(seen));
    }

    /** @return the earliest first failure of the unpaid invoices, null when none is unpaid */
    public Long firstUnpaidFailureAt() {
        return unpaid.values().stream().min(Long::compare).orElse(null);
    }
}
