package dev.tally.entitlement;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Port: the state entitlements derive from, other than payments. Adapter: {@link TallyEntitlementInputs} (accounts,
 * subscriptions and credits tables).
 */
public interface EntitlementInputs {

    /** @return true when Tally knows the account (the accounts table has it) */
    boolean accountExists(String accountId);

    /**
     * @param now seconds since the epoch
     * @return the plan id of the subscription that bills the account at {@code now}, empty without one
     */
    Optional<String> planId(String accountId, long now);

    /**
     * @return Stripe's active entitlement features (lookup keys) for the account's customer, as stripe-webhook stores
     *         them from {@code entitlements.active_entitlement_summary.updated}; empty when none
     */
    List<String> stripeFeatures(String accountId);

    /**
     * @param now seconds since the epoch
     * @return currency -> prepaid credit available now, minor units
     */
    Map<String, Long> prepaidMinor(String accountId, long now);
}
