package dev.tally.entitlement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.dunning.DunningState;
import dev.tally.dunning.DunningStatus;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link EntitlementStore} on the entitlements table (template.yaml {@code EntitlementsTable}, env
 * {@code ENTITLEMENTS_TABLE}): partition {@code accountId}, one item per account with
 * <ul>
 *   <li>{@code version} (N, optimistic lock), {@code entitlements} (S, {@link EntitlementsJson}), {@code dunningState}
 *       (S), {@code planId} (S), {@code updatedAt} (N);</li>
 *   <li>{@code dunning} (S, JSON: state, since, unpaid invoices and the newest fact time per invoice),
 *       {@code history} (S, JSON array of transitions with their causes), {@code outbox} (S, JSON array of events not
 *       yet known to be published);</li>
 *   <li>{@code dunningDue} = {@value #DUE} and {@code nextStepAt} (N) while a dunning step is ahead: the sparse index
 *       {@value #BY_DUNNING_DUE} that the hourly billing run queries for steps due.</li>
 * </ul>
 */
public final class DynamoDbEntitlementStore implements EntitlementStore {
    /** The sparse index of accounts with a dunning step ahead. */
    public static final String BY_DUNNING_DUE = "by-dunning-due";
    /** Hash key value of {@link #BY_DUNNING_DUE}. */
    public static final String DUE = "due";

    private final DynamoDbClient client;
    private final String table;

    /**
     * @param client DynamoDB client built once
     * @param table the entitlements table's name
     */
    public DynamoDbEntitlementStore(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
    }

    @Override
    public Optional<EntitlementRecord> find(String accountId) {
        Map<String, AttributeValue> item = client.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("accountId", AttributeValue.fromS(accountId)))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public boolean save(EntitlementRecord record, long expectedVersion, Long nextStepAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        Entitlements e = record.entitlements();
        item.put("accountId", AttributeValue.fromS(e.accountId()));
        item.put("version", AttributeValue.fromN(Long.toString(e.version())));
        item.put("entitlements", AttributeValue.fromS(EntitlementsJson.toJson(e)));
        item.put("dunningState", AttributeValue.fromS(e.dunningState().wire()));
        if (e.planId() != null) {
            item.put("planId", AttributeValue.fromS(e.planId()));
        }
        item.put("updatedAt", AttributeValue.fromN(Long.toString(e.updatedAt())));
        item.put("dunning", AttributeValue.fromS(dunningJson(record.dunning())));
        item.put("history", AttributeValue.fromS(historyJson(record.history())));
        item.put("outbox", AttributeValue.fromS(outboxJson(record.outbox())));
        if (nextStepAt != null) {
            item.put("dunningDue", AttributeValue.fromS(DUE));
            item.put("nextStepAt", AttributeValue.fromN(Long.toString(nextStepAt)));
        }
        try {
            if (expectedVersion == 0) {
                client.putItem(r -> r.tableName(table).item(item).conditionExpression("attribute_not_exists(accountId)"));
            } else {
                client.putItem(r -> r.tableName(table).item(item).conditionExpression("version = :v")
                        .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(expectedVersion)))));
            }
            return true;
        } catch (ConditionalCheckFailedException conflict) {
            return false;
        }
    }

    @Override
    public boolean clearOutbox(String accountId, long version) {
        try {
            client.updateItem(r -> r.tableName(table).key(Map.of("accountId", AttributeValue.fromS(accountId)))
                    .updateExpression("SET outbox = :empty").conditionExpression("version = :v")
                    .expressionAttributeValues(Map.of(":empty", AttributeValue.fromS("[]"),
                            ":v", AttributeValue.fromN(Long.toString(version)))));
            return true;
        } catch (ConditionalCheckFailedException changed) {
            return false;
        }
    }

    @Override
    public List<String> dueBy(long now) {
        List<String> accounts = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryRequest.Builder q = QueryRequest.builder().tableName(table).indexName(BY_DUNNING_DUE)
                    .keyConditionExpression("dunningDue = :due AND nextStepAt <= :now")
                    .expressionAttributeValues(Map.of(":due", AttributeValue.fromS(DUE), ":now", AttributeValue.fromN(Long.toString(now))));
            if (start != null) {
                q.exclusiveStartKey(start);
            }
            QueryResponse page = client.query(q.build());
            page.items().forEach(i -> accounts.add(i.get("accountId").s()));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return accounts;
    }

    /**
     * Reads an entitlements item (a table item, or a stream image converted with
     * {@link dev.tally.store.StreamImages#toSdk}).
     *
     * @param item the item's attributes
     * @return the record
     */
    public static EntitlementRecord fromItem(Map<String, AttributeValue> item) {
        try {
            Entitlements e = EntitlementsJson.fromJson(item.get("entitlements").s());
            JsonNode d = EntitlementsJson.JSON.readTree(item.get("dunning").s());
            Map<String, Long> unpaid = new LinkedHashMap<>();
            d.path("unpaid").properties().forEach(p -> unpaid.put(p.getKey(), p.getValue().longValue()));
            Map<String, Long> seen = new LinkedHashMap<>();
            d.path("seen").properties().forEach(p -> seen.put(p.getKey(), p.getValue().longValue()));
            DunningStatus status = new DunningStatus(DunningState.fromWire(d.get("state").asText()), d.get("since").asLong(), unpaid, seen);
            List<EntitlementRecord.HistoryEntry> history = new ArrayList<>();
            for (JsonNode h : EntitlementsJson.JSON.readTree(item.get("history").s())) {
                history.add(new EntitlementRecord.HistoryEntry(h.get("at").asLong(), h.get("from").asText(), h.get("to").asText(),
                        h.get("cause").asText(), h.get("cause_id").asText(), h.get("description").asText()));
            }
            List<EntitlementRecord.OutboxEvent> outbox = new ArrayList<>();
            AttributeValue outboxValue = item.get("outbox");
            for (JsonNode o : EntitlementsJson.JSON.readTree(outboxValue == null ? "[]" : outboxValue.s())) {
                outbox.add(new EntitlementRecord.OutboxEvent(o.get("id").asText(), o.get("detail_type").asText(),
                        o.get("detail").asText(), o.get("alert").asBoolean()));
            }
            return new EntitlementRecord(e, status, history, outbox);
        } catch (IOException ex) {
            throw new UncheckedIOException("entitlements item of " + item.get("accountId") + " is unreadable", ex);
        }
    }

    private static String dunningJson(DunningStatus s) {
        ObjectNode d = EntitlementsJson.JSON.createObjectNode().put("state", s.state().wire()).put("since", s.since());
        ObjectNode unpaid = d.putObject("unpaid");
        s.unpaid().forEach(unpaid::put);
        ObjectNode seen = d.putObject("seen");
        s.seen().forEach(seen::put);
        return d.toString();
    }

    private static String historyJson(List<EntitlementRecord.HistoryEntry> history) {
        ArrayNode a = EntitlementsJson.JSON.createArrayNode();
        history.forEach(h -> a.addObject().put("at", h.at()).put("from", h.from()).put("to", h.to()).put("cause", h.cause())
                .put("cause_id", h.causeId()).put("description", h.description()));
        return a.toString();
    }

    private static String outboxJson(List<EntitlementRecord.OutboxEvent> outbox) {
        ArrayNode a = EntitlementsJson.JSON.createArrayNode();
        outbox.forEach(o -> a.addObject().put("id", o.id()).put("detail_type", o.detailType()).put("detail", o.detailJson())
                .put("alert", o.alert()));
        return a.toString();
    }
}
