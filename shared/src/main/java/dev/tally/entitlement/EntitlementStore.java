package dev.tally.entitlement;

import java.util.List;
import java.util.Optional;

/**
 * Port: the entitlements table (one item per account, versioned). Adapter:
 * {@link DynamoDbEntitlementStore}.
 */
public interface EntitlementStore {

    /**
     * @param accountId an account
     * @return its entitlements item (strongly consistent), empty when none was ever computed
     */
    Optional<EntitlementRecord> find(String accountId);

    /**
     * Writes the item if its stored version is still {@code expectedVersion} (0: the item must not exist).
     *
     * @param record the new item; its version is {@code expectedVersion + 1}
     * @param expectedVersion the version read
     * @param nextStepAt when the next dunning step falls due (the billing run's index), null for none
     * @return false when another writer got there first (re-read and retry)
     */
    boolean save(EntitlementRecord record, long expectedVersion, Long nextStepAt);

    /**
     * Empties the outbox if the item is still at {@code version}.
     *
     * @return false when the item changed meanwhile (its writer publishes)
     */
    boolean clearOutbox(String accountId, long version);

    /**
     * @param now the billing clock, seconds since the epoch
     * @return accounts whose next dunning step is due by {@code now} (sparse index {@code by-dunning-due})
     */
    List<String> dueBy(long now);
}
