package dev.tally.dunning;

import java.util.List;
import java.util.Objects;

/**
 * How an unpaid account escalates: each step is a state reached a number of days after the first payment failure
 * that is still unpaid, and what a restricted account's usage beyond its included quantities gets. From the catalog's
 * {@code dunning} (a catalog-wide default that a plan may override; docs/design.md, Entitlements and dunning).
 *
 * @param steps escalation steps in order: states strictly escalating (the first is {@link DunningState#PAST_DUE}), days
 *              not decreasing; never {@link DunningState#ACTIVE}
 * @param restrictedUsage what usage beyond the included quantities of a {@link DunningState#RESTRICTED} (or
 *                        {@link DunningState#SUSPENDED}) account gets
 */
public record DunningPolicy(List<Step> steps, RestrictedUsage restrictedUsage) {

    /** Seconds in a day of the billing clock. */
    public static final long DAY_SECONDS = 86_400;

    /**
     * The policy when the catalog states none: past due at the first failure, restricted after 7 days, suspended
     * after 21, usage beyond the included quantities flagged while restricted.
     */
    public static final DunningPolicy DEFAULT = new DunningPolicy(List.of(new Step(DunningState.PAST_DUE, 0),
            new Step(DunningState.RESTRICTED, 7), new Step(DunningState.SUSPENDED, 21)), RestrictedUsage.FLAG);

    /**
     * One escalation step.
     *
     * @param state the state reached
     * @param afterDays whole days after the first unpaid failure, 0 to 365
     */
    public record Step(DunningState state, int afterDays) {
        /** @throws IllegalArgumentException for {@code active} or days out of range */
        public Step {
            Objects.requireNonNull(state, "state");
            if (state == DunningState.ACTIVE) {
                throw new IllegalArgumentException("active is not a dunning step");
            }
            if (afterDays < 0 || afterDays > 365) {
                throw new IllegalArgumentException("after_days is 0 to 365, was " + afterDays);
            }
        }

        /** @return the step's delay in seconds */
        public long afterSeconds() {
            return afterDays * DAY_SECONDS;
        }
    }

    /** What a restricted account's usage beyond its included quantities gets. */
    public enum RestrictedUsage {
        /** Counted and billed, and flagged ({@code beyond_entitlement}) for the product and the billing team. */
        FLAG,
        /** Rejected by usage-ingest with reason {@code ACCOUNT_RESTRICTED} (kept, replayable). */
        REFUSE;

        /** @return {@code flag} or {@code refuse} */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** @throws IllegalArgumentException when the steps do not escalate (see the record's docs) */
    public DunningPolicy {
        steps = List.copyOf(steps);
        Objects.requireNonNull(restrictedUsage, "restrictedUsage");
        if (steps.isEmpty() || steps.getFirst().state() != DunningState.PAST_DUE) {
            throw new IllegalArgumentException("the first dunning step is past_due");
        }
        for (int i = 1; i < steps.size(); i++) {
            if (steps.get(i).state().ordinal() <= steps.get(i - 1).state().ordinal()) {
                throw new IllegalArgumentException("dunning steps escalate: " + steps.get(i).state().wire() + " after "
                        + steps.get(i - 1).state().wire());
            }
            if (steps.get(i).afterDays() < steps.get(i - 1).afterDays()) {
                throw new IllegalArgumentException("dunning step " + steps.get(i).state().wire()
                        + " comes no earlier than " + steps.get(i - 1).state().wire());
            }
        }
    }
}
