package dev.tally.subscription;

/**
 * The part of a phase that falls inside a billing period: {@code [start, end)}, seconds since the epoch, with the
 * share of the period it covers.
 *
 * @param phase the phase
 * @param start slice start, inclusive (the later of phase start and period start)
 * @param end slice end, exclusive (the earlier of phase end and period end)
 * @param periodStart the billing period's start
 * @param periodEnd the billing period's end (its full length, even when the subscription ended inside it)
 */
public record PhaseSlice(Phase phase, long start, long end, long periodStart, long periodEnd) {

    public PhaseSlice {
        if (end <= start || periodEnd <= periodStart) {
            throw new IllegalArgumentException("empty slice " + start + ".." + end + " of period " + periodStart + ".." + periodEnd);
        }
    }

    /** @return the slice's length in seconds */
    public long seconds() {
        return end - start;
    }

    /** @return the full billing period's length in seconds */
    public long periodSeconds() {
        return periodEnd - periodStart;
    }

    /** @return true when the slice covers the whole billing period */
    public boolean wholePeriod() {
        return start == periodStart && end == periodEnd;
    }
}
