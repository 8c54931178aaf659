package dev.tally.reconciliation;

import dev.tally.store.Indexes;
import dev.tally.store.PhaseItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.subscription.Phase;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;

import java.util.List;
import java.util.function.Consumer;

/** {@link BilledSubscriptions} on the subscriptions table. */
public final class DynamoDbBilledSubscriptions implements BilledSubscriptions {
    private final TallyTables tables;

    /** @param tables bound tables */
    public DynamoDbBilledSubscriptions(TallyTables tables) {
        this.tables = tables;
    }

    @Override
    public List<BilledSubscription> ofAccount(String accountId) {
        return tables.subscriptions.index(Indexes.BY_ACCOUNT)
                .query(r -> r.queryConditional(QueryConditional.keyEqualTo(k -> k.partitionValue(accountId))))
                .stream().flatMap(p -> p.items().stream()).map(DynamoDbBilledSubscriptions::toDomain).toList();
    }

    @Override
    public void forEach(Consumer<BilledSubscription> each) {
        tables.subscriptions.scan().items().forEach(s -> each.accept(toDomain(s)));
    }

    /** The subscription as the invoice generator reads it (a record without phases has one, from its start). */
    static BilledSubscription toDomain(SubscriptionItem s) {
        List<Phase> phases = PhaseItem.toDomain(s.phases);
        if (phases.isEmpty() && s.planId != null && s.createdAt != null) {
            phases = List.of(new Phase(s.planId, 1, s.createdAt, s.endedAt));
        }
        return new BilledSubscription(s.subscriptionId, s.accountId, phases, s.billingAnchor,
                s.interval == null ? "month" : s.interval, s.intervalCount == null ? 1 : s.intervalCount,
                s.periodStart, s.periodEnd, s.endedAt);
    }
}
