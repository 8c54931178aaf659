package dev.tally.reconciliation;

import java.util.List;
import java.util.function.Consumer;

/**
 * Port: the subscriptions reconciliation walks. DynamoDB implements it in {@link DynamoDbBilledSubscriptions}.
 */
public interface BilledSubscriptions {

    /**
     * @param accountId account id
     * @return the account's subscriptions (reads the account's partition of the {@code by-account} index)
     */
    List<BilledSubscription> ofAccount(String accountId);

    /**
     * Visits every subscription, page by page (a full read of the subscriptions table: one read unit per 4 KB).
     *
     * @param each receives each subscription
     */
    void forEach(Consumer<BilledSubscription> each);
}
