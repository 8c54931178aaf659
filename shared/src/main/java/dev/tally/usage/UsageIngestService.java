package dev.tally.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.account.AccountDirectory;
import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Catalog;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.store.Transactions;
import dev.tally.store.UsageAggregateItem;
import dev.tally.store.UsageEventItem;
import dev.tally.store.UsageRejectionItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Counts usage events exactly once.
 *
 * <p>Each valid event is written in one DynamoDB transaction of three items:
 * <ol>
 *   <li>Put the event record keyed by its id, on condition it does not exist: a second delivery fails here and is a
 *       {@link IngestOutcome#DUPLICATE};</li>
 *   <li>Add its quantity to the account-meter-period aggregate;</li>
 *   <li>Check that the period's header is not {@code closed}: once the invoice generator has closed a period, no
 *       event can enter it ({@link RejectionReason#PERIOD_CLOSED}), and every event that entered before is in the
 *       totals it reads.</li>
 * </ol>
 * So a crash anywhere leaves either all of an event's effect or none, and a redelivery is harmless. An invalid event
 * is stored in the usage-rejections table with its reason and raw JSON, and counts as handled: retrying cannot fix
 * it. Only transient failures (throttling, an exhausted conflict retry) fail the message, so SQS redelivers it.
 */
public final class UsageIngestService {
    private static final Logger LOG = LoggerFactory.getLogger(UsageIngestService.class);

    /** How far ahead of the clock an event's timestamp may be, in seconds (clock skew allowance). */
    public static final long MAX_FUTURE_SKEW_SECONDS = 300;
    private static final int CONFLICT_RETRIES = 8;

    private final TallyTables tables;
    private final AccountDirectory directory;
    private final Catalog catalog;
    private final Clock clock;

    /**
     * @param tables bound tables
     * @param catalog the validated catalog
     * @param clock the clock used for the future-timestamp check and receipt times
     */
    public UsageIngestService(TallyTables tables, Catalog catalog, Clock clock) {
        this.tables = tables;
        this.directory = new AccountDirectory(tables);
        this.catalog = catalog;
        this.clock = clock;
    }

    /**
     * Processes one SQS message.
     *
     * @param messageId the SQS message id (names rejections, so a redelivered message overwrites its own)
     * @param body the message body: one usage event object or an array of them
     * @return the outcome of each event in order (one {@link IngestOutcome#REJECTED} for an unreadable body)
     * @throws RuntimeException on a transient storage failure; the caller reports the message as failed
     */
    public List<IngestOutcome> ingest(String messageId, String body) {
        List<JsonNode> nodes;
        try {
            nodes = UsageEventParser.split(body);
        } catch (UsageRejection r) {
            reject(messageId, 0, null, body, r);
            return List.of(IngestOutcome.REJECTED);
        }
        // Accounts and their subscriptions, read once per message rather than once per event.
        Map<String, Optional<List<SubscriptionItem>>> subscriptions = new HashMap<>();
        List<IngestOutcome> outcomes = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode node = nodes.get(i);
            try {
                outcomes.add(count(messageId, UsageEventParser.parse(node), subscriptions));
            } catch (UsageRejection r) {
                reject(messageId, i, node, UsageEventParser.toJson(node), r);
                outcomes.add(IngestOutcome.REJECTED);
            }
        }
        return outcomes;
    }

    private IngestOutcome count(String messageId, UsageEvent event, Map<String, Optional<List<SubscriptionItem>>> cache)
            throws UsageRejection {
        long now = clock.instant().getEpochSecond();
        if (event.timestamp() > now + MAX_FUTURE_SKEW_SECONDS) {
            throw new UsageRejection(RejectionReason.TIMESTAMP_IN_FUTURE,
                    "timestamp " + event.timestamp() + " is more than " + MAX_FUTURE_SKEW_SECONDS + " s after now (" + now + ")");
        }
        if (catalog.meter(event.meter()).isEmpty()) {
            throw new UsageRejection(RejectionReason.UNKNOWN_METER, "no meter " + event.meter() + " in catalog " + catalog.version());
        }
        List<SubscriptionItem> accountSubscriptions = cache.computeIfAbsent(event.account(),
                        a -> directory.account(a).map(found -> directory.subscriptionsOf(a)))
                .orElseThrow(() -> new UsageRejection(RejectionReason.UNKNOWN_ACCOUNT, "no account " + event.account()));
        SubscriptionItem sub = AccountDirectory.subscriptionAt(accountSubscriptions, event.timestamp())
                .orElseThrow(() -> new UsageRejection(RejectionReason.NO_SUBSCRIPTION,
                        "account " + event.account() + " has no billable subscription at " + event.timestamp()));
        BillingPeriod period = BillingPeriod.containing(sub.billingAnchor, sub.interval, sub.intervalCount, event.timestamp());
        if (sub.periodStart != null && period.start() < sub.periodStart) {
            throw new UsageRejection(RejectionReason.PERIOD_CLOSED,
                    "billing period starting " + period.start() + " has already been invoiced");
        }
        return write(messageId, event, sub, period);
    }

    private IngestOutcome write(String messageId, UsageEvent event, SubscriptionItem sub, BillingPeriod period)
            throws UsageRejection {
        String periodKey = UsageAggregateItem.periodKey(event.account(), period.start());
        UsageEventItem record = new UsageEventItem();
        record.eventId = event.id();
        record.accountId = event.account();
        record.meter = event.meter();
        record.quantity = event.quantity();
        record.timestamp = event.timestamp();
        record.periodStart = period.start();
        record.aggregateKey = periodKey + "#" + event.meter();
        record.properties = event.properties().isEmpty() ? null : UsageEventParser.toJson(event.properties());
        record.sourceMessageId = messageId;
        record.receivedAt = clock.instant().getEpochSecond();
        record.deliveries = 1L;

        String aggregatesTable = tables.usageAggregates.tableName();
        TransactWriteItemsRequest request = TransactWriteItemsRequest.builder().transactItems(
                TransactWriteItem.builder().put(Put.builder()
                        .tableName(tables.usageEvents.tableName())
                        .item(UsageEventItem.SCHEMA.itemToMap(record, true))
                        .conditionExpression("attribute_not_exists(eventId)").build()).build(),
                TransactWriteItem.builder().update(Update.builder()
                        .tableName(aggregatesTable)
                        .key(Map.of("periodKey", s(periodKey), "meter", s(event.meter())))
                        .updateExpression("SET accountId = :a, subscriptionId = :sub, planId = :plan, periodStart = :ps, periodEnd = :pe "
                                + "ADD quantity :q, eventCount :one")
                        .expressionAttributeValues(Map.of(
                                ":a", s(event.account()), ":sub", s(sub.subscriptionId), ":plan", s(sub.planId),
                                ":ps", n(period.start()), ":pe", n(period.end()),
                                ":q", AttributeValue.fromN(event.quantity().toPlainString()), ":one", n(1)))
                        .build()).build(),
                TransactWriteItem.builder().conditionCheck(ConditionCheck.builder()
                        .tableName(aggregatesTable)
                        .key(Map.of("periodKey", s(periodKey), "meter", s(UsageAggregateItem.PERIOD_HEADER)))
                        .conditionExpression("attribute_not_exists(closed) OR closed = :false")
                        .expressionAttributeValues(Map.of(":false", AttributeValue.fromBool(false)))
                        .build()).build())
                .build();
        for (int attempt = 1; ; attempt++) {
            try {
                tables.client.transactWriteItems(request);
                return IngestOutcome.COUNTED;
            } catch (TransactionCanceledException e) {
                if (Transactions.conditionFailed(e, 0)) {
                    noteDuplicate(event.id());
                    return IngestOutcome.DUPLICATE;
                }
                if (Transactions.conditionFailed(e, 2)) {
                    throw new UsageRejection(RejectionReason.PERIOD_CLOSED,
                            "billing period starting " + period.start() + " was closed for invoicing");
                }
                if (Transactions.conflict(e) && attempt < CONFLICT_RETRIES) {
                    backoff(attempt);
                    continue;
                }
                throw e;
            }
        }
    }

    private void noteDuplicate(String eventId) {
        tables.client.updateItem(UpdateItemRequest.builder()
                .tableName(tables.usageEvents.tableName())
                .key(Map.of("eventId", s(eventId)))
                .updateExpression("ADD deliveries :one")
                .conditionExpression("attribute_exists(eventId)")
                .expressionAttributeValues(Map.of(":one", n(1)))
                .build());
    }

    private void reject(String messageId, int index, JsonNode node, String json, UsageRejection r) {
        UsageRejectionItem item = new UsageRejectionItem();
        item.rejectionId = messageId + "#" + index;
        item.reason = r.reason().name();
        item.detail = r.getMessage();
        item.body = json;
        item.messageId = messageId;
        // Kept even when the event failed to parse, so the team can find it by id or account.
        item.eventId = node == null || !node.path("id").isTextual() ? null : node.path("id").asText();
        item.accountId = node == null || !node.path("account").isTextual() ? null : node.path("account").asText();
        item.receivedAt = clock.instant().getEpochSecond();
        tables.usageRejections.putItem(item);
        LOG.info("usage event rejected: message={} index={} reason={} detail={}", messageId, index, r.reason(), r.getMessage());
    }

    private static void backoff(int attempt) {
        try {
            Thread.sleep(Math.min(200L, 10L << attempt) + java.util.concurrent.ThreadLocalRandom.current().nextLong(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while retrying a transaction conflict", e);
        }
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
