package dev.tally.stripesync;

import dev.tally.store.AccountItem;
import dev.tally.store.StripeSyncItem;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link StripeSyncStore} on DynamoDB: the state is the {@code STATE} item of the invoice's partition in the
 * stripe-sync table ({@link StripeSyncItem}), written with a condition on its {@code version} (absent for the first
 * write), so a writer that read an older state fails instead of overwriting
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ConditionExpressions.html). A state
 * written before versions existed reads as version 1. The customer comes from the accounts table. Stateless; safe to share across threads.
 */
public final class DynamoDbStripeSyncStore implements StripeSyncStore {
    private final TallyTables tables;

    /** @param tables the bound tables */
    public DynamoDbStripeSyncStore(TallyTables tables) {
        this.tables = tables;
    }

    @Override
    public Optional<SyncState> find(String invoiceId) {
        return Optional.ofNullable(tables.stripeSync.getItem(r -> r.consistentRead(true)
                .key(k -> k.partitionValue(invoiceId).sortValue(StripeSyncItem.STATE)))).map(DynamoDbStripeSyncStore::toState);
    }

    @Override
    public SyncState save(SyncState state, long now) {
        SyncState written = state.stored(now, state.version() + 1);
        Expression condition = state.version() == 0
                ? Expression.builder().expression("attribute_not_exists(invoiceId)").build()
                : Expression.builder().expression(state.version() == 1 ? "#v = :v OR attribute_not_exists(#v)" : "#v = :v")
                        .expressionNames(Map.of("#v", "version"))
                        .expressionValues(Map.of(":v", AttributeValue.fromN(Long.toString(state.version())))).build();
        try {
            tables.stripeSync.putItem(r -> r.item(toItem(written)).conditionExpression(condition));
        } catch (ConditionalCheckFailedException e) {
            throw new ConcurrentSyncException("the sync state of " + state.invoiceId() + " changed since it was read at "
                    + "version " + state.version() + ": another sync of it is running");
        }
        return written;
    }

    @Override
    public List<SyncState> withStatus(SyncStatus status) {
        Expression filter = Expression.builder().expression("recordKey = :state AND #s = :status")
                .expressionNames(Map.of("#s", "status"))
                .expressionValues(Map.of(":state", AttributeValue.fromS(StripeSyncItem.STATE),
                        ":status", AttributeValue.fromS(status.wireName()))).build();
        return tables.stripeSync.scan(r -> r.consistentRead(true).filterExpression(filter)).items().stream()
                .map(DynamoDbStripeSyncStore::toState).toList();
    }

    @Override
    public Optional<String> stripeCustomerId(String accountId) {
        AccountItem account = tables.accounts.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(accountId)));
        return Optional.ofNullable(account).map(a -> a.stripeCustomerId);
    }

    static SyncState toState(StripeSyncItem i) {
        long createdAt = i.createdAt == null ? 0 : i.createdAt;
        return new SyncState(i.invoiceId, SyncStatus.fromWire(i.status), i.stripeInvoiceId, intOf(i.attempts),
                intOf(i.keyGeneration), i.lastError, i.lastAttemptAt, i.nextAttemptAt, i.attemptOpenSince, createdAt,
                i.updatedAt == null ? createdAt : i.updatedAt, i.version == null ? 1 : i.version);
    }

    static StripeSyncItem toItem(SyncState s) {
        StripeSyncItem i = new StripeSyncItem();
        i.invoiceId = s.invoiceId();
        i.recordKey = StripeSyncItem.STATE;
        i.status = s.status().wireName();
        i.stripeInvoiceId = s.stripeInvoiceId();
        i.attempts = (long) s.attempts();
        i.keyGeneration = (long) s.keyGeneration();
        i.lastError = s.lastError();
        i.lastAttemptAt = s.lastAttemptAt();
        i.nextAttemptAt = s.nextAttemptAt();
        i.attemptOpenSince = s.attemptOpenSince();
        i.createdAt = s.createdAt();
        i.updatedAt = s.updatedAt();
        i.version = s.version();
        return i;
    }

    private static int intOf(Long value) {
        return value == null ? 0 : Math.toIntExact(value);
    }
}
