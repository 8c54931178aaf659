package dev.tally.entitlement;

import dev.tally.catalog.Plan;
import dev.tally.catalog.UsageLimit;
import dev.tally.dunning.DunningPolicy;
import dev.tally.dunning.DunningState;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What an account may use now: its plan's features (and those Stripe Entitlements reports active for the customer),
 * its quantity limits per meter, whether prepaid credit remains, and its dunning state. Derived by
 * {@link EntitlementService} from the catalog, the account's subscription, its credit balances and its payments;
 * stored on the account's entitlements item; read by products through {@link EntitlementsClient}, {@code GET
 * /entitlements/{account}} and {@code tally entitlements ACCOUNT}.
 *
 * @param accountId the account
 * @param planId the plan of the subscription that bills the account now; null without one
 * @param features feature lookup keys, sorted: the plan's and Stripe's active entitlement features
 * @param limits the plan's limits per meter, in catalog order, each with what usage beyond it gets now
 * @param prepaidMinor currency (lowercase ISO 4217) -> prepaid credit available now, minor units; only currencies
 *                     with a balance above zero
 * @param dunningState where the account stands in dunning
 * @param dunningSince when it entered that state, seconds since the epoch (0 when never in dunning)
 * @param nextDunningStepAt when the next dunning step falls due unless paid, seconds since the epoch; null when none
 * @param restrictedUsage what usage beyond the included quantities gets while restricted or suspended (the plan's
 *                        dunning policy)
 * @param version the entitlements item's version: 1 for the first, one more per change
 * @param updatedAt when they were last computed, seconds since the epoch on the billing clock
 */
public record Entitlements(String accountId, String planId, List<String> features, List<MeterLimit> limits,
                           Map<String, Long> prepaidMinor, DunningState dunningState, long dunningSince,
                           Long nextDunningStepAt, DunningPolicy.RestrictedUsage restrictedUsage, long version,
                           long updatedAt) {

    /** What usage of a meter beyond its included quantity gets. */
    public enum Beyond {
        /** Counted and billed as overage (or drawn from prepaid credit). */
        ALLOWED,
        /** Counted and billed, and flagged as beyond the entitlement. */
        FLAGGED,
        /** Rejected with reason {@code ACCOUNT_RESTRICTED} (kept, replayable). */
        REFUSED;

        /** @return {@code allowed}, {@code flagged} or {@code refused} */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * A quantity limit as it applies now.
     *
     * @param meter the meter id
     * @param quantityPerPeriod included per billing period, in the meter's unit
     * @param overageAllowed the plan allows usage beyond it as overage
     * @param beyondIncluded what usage beyond it gets now (dunning and prepaid credit considered)
     */
    public record MeterLimit(String meter, BigDecimal quantityPerPeriod, boolean overageAllowed, Beyond beyondIncluded) {
    }

    /** Copies and sorts the collections. */
    public Entitlements {
        Objects.requireNonNull(accountId, "accountId");
        features = List.copyOf(new TreeSet<>(features));
        limits = List.copyOf(limits);
        prepaidMinor = Collections.unmodifiableMap(new TreeMap<>(prepaidMinor));
        Objects.requireNonNull(dunningState, "dunningState");
        Objects.requireNonNull(restrictedUsage, "restrictedUsage");
    }

    /**
     * Derives an account's entitlements.
     *
     * @param accountId the account
     * @param plan its plan now, null without a subscription
     * @param stripeFeatures Stripe's active entitlement features (lookup keys) for the customer, possibly empty
     * @param prepaidMinor currency -> available prepaid credit in minor units (zero balances are dropped)
     * @param dunningState the dunning state
     * @param dunningSince when it was entered, seconds since the epoch
     * @param nextDunningStepAt when the next step falls due, null when none
     * @param catalogPolicy the policy when the account has no plan (the catalog's)
     * @param version the version these will be stored under
     * @param now the billing clock, seconds since the epoch
     * @return the entitlements
     */
    public static Entitlements derive(String accountId, Plan plan, List<String> stripeFeatures, Map<String, Long> prepaidMinor,
                                      DunningState dunningState, long dunningSince, Long nextDunningStepAt,
                                      DunningPolicy catalogPolicy, long version, long now) {
        DunningPolicy policy = plan == null ? catalogPolicy : plan.dunning();
        Map<String, Long> balances = new TreeMap<>();
        prepaidMinor.forEach((currency, minor) -> {
            if (minor != null && minor > 0) {
                balances.put(currency, minor);
            }
        });
        TreeSet<String> features = new TreeSet<>(stripeFeatures);
        List<MeterLimit> limits = List.of();
        if (plan != null) {
            features.addAll(plan.features());
            limits = plan.limits().stream().map(l -> new MeterLimit(l.meter(), l.quantityPerPeriod(), l.overageAllowed(),
                    beyond(l, dunningState, policy.restrictedUsage(), !balances.isEmpty()))).toList();
        }
        return new Entitlements(accountId, plan == null ? null : plan.id(), List.copyOf(features), limits, balances,
                dunningState, dunningSince, nextDunningStepAt, policy.restrictedUsage(), version, now);
    }

    private static Beyond beyond(UsageLimit limit, DunningState state, DunningPolicy.RestrictedUsage restricted, boolean prepaid) {
        if (state == DunningState.RESTRICTED || state == DunningState.SUSPENDED) {
            return restricted == DunningPolicy.RestrictedUsage.REFUSE ? Beyond.REFUSED : Beyond.FLAGGED;
        }
        return limit.overageAllowed() || prepaid ? Beyond.ALLOWED : Beyond.FLAGGED;
    }

    /** @return true unless the account is suspended */
    public boolean accessAllowed() {
        return dunningState != DunningState.SUSPENDED;
    }

    /**
     * @param lookupKey a feature lookup key, e.g. {@code sso}
     * @return true when the account has the feature and is not suspended
     */
    public boolean hasFeature(String lookupKey) {
        return accessAllowed() && features.contains(lookupKey);
    }

    /** @return true when some prepaid credit remains, in any currency */
    public boolean prepaidBalanceRemains() {
        return !prepaidMinor.isEmpty();
    }

    /**
     * @param meterId a meter id
     * @return the limit on the meter, empty when the plan sets none
     */
    public Optional<MeterLimit> limit(String meterId) {
        return limits.stream().filter(l -> l.meter().equals(meterId)).findFirst();
    }

    /**
     * What usage of a meter beyond its included quantity gets now. A meter without a limit: allowed, except while
     * restricted or suspended, when the plan's {@code restricted_usage} applies.
     *
     * @param meterId a meter id
     * @return allowed, flagged or refused
     */
    public Beyond usageBeyondIncluded(String meterId) {
        return limit(meterId).map(MeterLimit::beyondIncluded).orElseGet(() ->
                dunningState == DunningState.RESTRICTED || dunningState == DunningState.SUSPENDED
                        ? (restrictedUsage == DunningPolicy.RestrictedUsage.REFUSE ? Beyond.REFUSED : Beyond.FLAGGED)
                        : Beyond.ALLOWED);
    }

    /** @return the same entitlements under another version and time (to compare what products see) */
    public Entitlements at(long newVersion, long newUpdatedAt) {
        return new Entitlements(accountId, planId, features, limits, prepaidMinor, dunningState, dunningSince,
                nextDunningStepAt, restrictedUsage, newVersion, newUpdatedAt);
    }
}
