package dev.tally.usage;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchStatementError;
import software.amazon.awssdk.services.dynamodb.model.BatchStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchStatementResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@link UsageStore} on two DynamoDB tables (template.yaml {@code UsageEventsTable} and {@code UsageBucketsTable}).
 *
 * <p><b>usage-events</b>: key {@code eventKey = <account>#<event id>}; one item per counted event, written by a
 * PartiQL {@code INSERT}, which fails with {@code DuplicateItem} when the key exists
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-reference.insert.html), 25 per
 * {@code BatchExecuteStatement} with an outcome per statement. Index {@code by-series-hour}
 * ({@code seriesHour}, {@code timestamp}) finds an hour's events for the edges of a range. Its stream (new images)
 * feeds the buckets.
 *
 * <p><b>usage-buckets</b>: key {@code seriesKey = <account>#<meter>}, {@code bucketKey = H#<hour>#<dimensions>}
 * for a bucket, {@code U#<hour>#<dimensions>#<value>} for a distinct value of a unique_count meter, and
 * {@code seriesKey = #batch#<sequence>}, {@code bucketKey = #} for the markers of applied stream records (expired
 * by TTL {@code expiresAt} after {@link #MARKER_TTL_SECONDS}, beyond the stream's 24-hour retention).
 *
 * <p>Every request asks for {@code ReturnConsumedCapacity=TOTAL}; {@link #meter(Consumer)} reports each answer, so
 * a benchmark can add up what DynamoDB says it charged.
 */
public final class DynamoDbUsageStore implements UsageStore {
    /** Name of the events table's time index. */
    public static final String BY_SERIES_HOUR = dev.tally.store.Indexes.BY_SERIES_HOUR;
    /** How long a batch marker is kept, in seconds: three days, well beyond a stream record's 24-hour life. */
    public static final long MARKER_TTL_SECONDS = 3 * 86_400;

    private final DynamoDbClient client;
    private final String eventsTable;
    private final String bucketsTable;
    private final Clock clock;
    private final String insertStatement;
    private volatile Consumer<RequestCost> meter = c -> { };

    /**
     * One DynamoDB request and what DynamoDB reported for it.
     *
     * @param operation the API operation, e.g. {@code BatchExecuteStatement}
     * @param writeUnits write capacity units reported (0 when DynamoDB reported none)
     * @param readUnits read capacity units reported
     * @param reported whether DynamoDB returned a consumed capacity at all
     */
    public record RequestCost(String operation, double writeUnits, double readUnits, boolean reported) {
    }

    /**
     * @param client DynamoDB client, built once per execution environment
     * @param eventsTable usage-events table name ({@code USAGE_EVENTS_TABLE})
     * @param bucketsTable usage-buckets table name ({@code USAGE_BUCKETS_TABLE})
     * @param clock source of {@code updatedAt} and marker expiry
     */
    public DynamoDbUsageStore(DynamoDbClient client, String eventsTable, String bucketsTable, Clock clock) {
        this.client = client;
        this.eventsTable = eventsTable;
        this.bucketsTable = bucketsTable;
        this.clock = clock;
        this.insertStatement = "INSERT INTO \"" + eventsTable + "\" VALUE {'eventKey': ?, 'eventId': ?, 'accountId': ?, "
                + "'meter': ?, 'quantity': ?, 'timestamp': ?, 'dimensions': ?, 'properties': ?, 'seriesHour': ?, "
                + "'receivedAt': ?, 'messageId': ?, 'uniqueValue': ?}";
    }

    /** Reports every request's consumed capacity to {@code meter} (for benchmarks). */
    public DynamoDbUsageStore meter(Consumer<RequestCost> meter) {
        this.meter = meter;
        return this;
    }

    @Override
    public List<InsertOutcome> insert(List<RecordedEvent> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<BatchStatementRequest> statements = new ArrayList<>(events.size());
        for (RecordedEvent e : events) {
            statements.add(BatchStatementRequest.builder().statement(insertStatement).parameters(
                    s(UsageKeys.eventKey(e.account(), e.eventId())), s(e.eventId()), s(e.account()), s(e.meter()),
                    n(e.quantity()), n(e.timestamp()), stringMap(e.dimensions()), s(PropertiesJson.write(e.properties())),
                    s(UsageKeys.seriesHour(e.account(), e.meter(), UsageKeys.hourStart(e.timestamp()))),
                    n(e.receivedAt()), s(e.messageId()),
                    e.uniqueValue() == null ? AttributeValue.fromNul(true) : s(e.uniqueValue())).build());
        }
        var response = client.batchExecuteStatement(r -> r.statements(statements).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
        report("BatchExecuteStatement", response.consumedCapacity());
        List<InsertOutcome> outcomes = new ArrayList<>(events.size());
        for (BatchStatementResponse r : response.responses()) {
            outcomes.add(outcome(r.error()));
        }
        return outcomes;
    }

    /** Classifies a statement's error (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchStatementError.html). */
    private static InsertOutcome outcome(BatchStatementError error) {
        if (error == null || error.code() == null) {
            return InsertOutcome.INSERTED;
        }
        return switch (error.codeAsString()) {
            case "DuplicateItem", "ConditionalCheckFailed" -> InsertOutcome.DUPLICATE;
            case "ValidationError", "ItemCollectionSizeLimitExceeded" ->
                    new InsertOutcome(InsertOutcome.Status.INVALID, error.codeAsString() + ": " + error.message());
            // ProvisionedThroughputExceeded, ThrottlingError, RequestLimitExceeded, TransactionConflict,
            // InternalServerError, ResourceNotFound, AccessDenied...: the event is fine, the store is not.
            default -> new InsertOutcome(InsertOutcome.Status.TRANSIENT, error.codeAsString() + ": " + error.message());
        };
    }

    @Override
    public boolean addOnce(String batchMarker, String lastSequence, List<UsageBucket> deltas) {
        long now = clock.instant().getEpochSecond();
        List<TransactWriteItem> items = new ArrayList<>(deltas.size() + 1);
        items.add(TransactWriteItem.builder().put(Put.builder().tableName(bucketsTable)
                .item(Map.of("seriesKey", s(markerKey(batchMarker)), "bucketKey", s("#"),
                        "lastSequence", s(lastSequence), "expiresAt", n(now + MARKER_TTL_SECONDS)))
                .conditionExpression("attribute_not_exists(seriesKey)").build()).build());
        for (UsageBucket d : deltas) {
            BucketKey k = d.key();
            items.add(TransactWriteItem.builder().update(Update.builder().tableName(bucketsTable)
                    .key(bucketItemKey(k))
                    .updateExpression("SET accountId = :a, meter = :m, hourStart = :h, dimensions = :d, updatedAt = :now "
                            + "ADD sumQuantity :sum, eventCount :count")
                    .expressionAttributeValues(Map.of(":a", s(k.account()), ":m", s(k.meter()), ":h", n(k.hourStart()),
                            ":d", stringMap(k.dimensions()), ":now", n(now),
                            ":sum", n(d.value().sum()), ":count", n(d.value().count())))
                    .build()).build());
        }
        try {
            var response = client.transactWriteItems(r -> r.transactItems(items).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
            report("TransactWriteItems", response.consumedCapacity());
            return true;
        } catch (TransactionCanceledException e) {
            var reasons = e.cancellationReasons();
            if (reasons != null && !reasons.isEmpty() && "ConditionalCheckFailed".equals(reasons.get(0).code())) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public Optional<String> appliedThrough(String batchMarker) {
        var item = client.getItem(r -> r.tableName(bucketsTable).consistentRead(true)
                .key(Map.of("seriesKey", s(markerKey(batchMarker)), "bucketKey", s("#")))
                .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
        report("GetItem", item.consumedCapacity() == null ? List.of() : List.of(item.consumedCapacity()));
        return item.hasItem() && item.item().containsKey("lastSequence")
                ? Optional.of(item.item().get("lastSequence").s()) : Optional.empty();
    }

    /** Only the parts a value carries are written: the caller passes a null maximum or latest when the meter needs none. */
    @Override
    public void raiseIdempotent(List<UsageBucket> values) {
        List<WriteRequest> uniques = new ArrayList<>();
        for (UsageBucket b : values) {
            BucketKey k = b.key();
            MeterValue v = b.value();
            if (v.max() != null) {
                conditionalSet(k, "SET maxQuantity = :v", "attribute_not_exists(maxQuantity) OR maxQuantity < :v",
                        Map.of(":v", n(v.max())));
            }
            if (v.lastTimestamp() != null) {
                conditionalSet(k, "SET lastTimestamp = :t, lastEventId = :i, lastQuantity = :q",
                        "attribute_not_exists(lastTimestamp) OR lastTimestamp < :t OR (lastTimestamp = :t AND lastEventId < :i)",
                        Map.of(":t", n(v.lastTimestamp()), ":i", s(v.lastEventId()), ":q", n(v.lastQuantity())));
            }
            for (String value : v.uniques()) {
                uniques.add(WriteRequest.builder().putRequest(PutRequest.builder().item(Map.of(
                        "seriesKey", s(UsageKeys.seriesKey(k.account(), k.meter())),
                        "bucketKey", s(UsageKeys.uniqueKey(k.hourStart(), k.dimensions(), value)),
                        "accountId", s(k.account()), "meter", s(k.meter()), "hourStart", n(k.hourStart()),
                        "dimensions", stringMap(k.dimensions()), "uniqueValue", s(value))).build()).build());
            }
        }
        for (int i = 0; i < uniques.size(); i += 25) {
            batchWrite(uniques.subList(i, Math.min(uniques.size(), i + 25)));
        }
    }

    private void conditionalSet(BucketKey k, String update, String condition, Map<String, AttributeValue> values) {
        try {
            var response = client.updateItem(UpdateItemRequest.builder().tableName(bucketsTable).key(bucketItemKey(k))
                    .updateExpression(update).conditionExpression(condition).expressionAttributeValues(values)
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build());
            report("UpdateItem", response.consumedCapacity() == null ? List.of() : List.of(response.consumedCapacity()));
        } catch (ConditionalCheckFailedException e) {
            report("UpdateItem", List.of()); // the stored value is already at least as large or as late: nothing to do
        }
    }

    private void batchWrite(List<WriteRequest> requests) {
        Map<String, List<WriteRequest>> pending = Map.of(bucketsTable, requests);
        for (int attempt = 1; !pending.isEmpty() && !pending.getOrDefault(bucketsTable, List.of()).isEmpty(); attempt++) {
            if (attempt > 8) {
                throw SdkClientException.create("usage-buckets: " + pending.get(bucketsTable).size()
                        + " distinct values still unprocessed after 8 BatchWriteItem attempts");
            }
            Map<String, List<WriteRequest>> request = pending;
            BatchWriteItemResponse response = client.batchWriteItem(r -> r.requestItems(request)
                    .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
            report("BatchWriteItem", response.consumedCapacity());
            pending = response.unprocessedItems();
            if (pending != null && !pending.isEmpty()) {
                dev.tally.store.Backoff.sleep(attempt);
            }
        }
    }

    @Override
    public List<UsageBucket> buckets(String account, String meter, long fromHour, long toHour) {
        if (fromHour >= toHour) {
            return List.of();
        }
        String series = UsageKeys.seriesKey(account, meter);
        Map<String, UsageBucket> buckets = new LinkedHashMap<>();
        // Bucket items (H#) and distinct values (U#) are two key ranges of the same partition.
        query(QueryRequest.builder().tableName(bucketsTable).consistentRead(true)
                .keyConditionExpression("seriesKey = :s AND bucketKey BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":s", s(series), ":from", s("H#" + UsageKeys.hour(fromHour)),
                        ":to", s("H#" + UsageKeys.hour(toHour - 1) + "#\uffff"))),
                item -> bucketFromItem(item).ifPresent(b -> buckets.put(item.get("bucketKey").s().substring(2), b)));
        query(QueryRequest.builder().tableName(bucketsTable).consistentRead(true)
                .keyConditionExpression("seriesKey = :s AND bucketKey BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":s", s(series), ":from", s("U#" + UsageKeys.hour(fromHour)),
                        ":to", s("U#" + UsageKeys.hour(toHour - 1) + "#\uffff"))), item -> {
            BucketKey key = new BucketKey(account, meter, num(item, "hourStart").longValueExact(), stringMap(item.get("dimensions")));
            String bucketKey = UsageKeys.bucketKey(key.hourStart(), key.dimensions()).substring(2);
            MeterValue unique = new MeterValue(BigDecimal.ZERO, 0, null, null, null, null, java.util.Set.of(item.get("uniqueValue").s()));
            buckets.merge(bucketKey, new UsageBucket(key, unique), (a, b) -> new UsageBucket(a.key(), a.value().merge(b.value())));
        });
        return List.copyOf(buckets.values());
    }

    @Override
    public List<RecordedEvent> events(String account, String meter, long from, long to) {
        if (from >= to) {
            return List.of();
        }
        long hour = UsageKeys.hourStart(from);
        if (UsageKeys.hourStart(to - 1) != hour) {
            throw new IllegalArgumentException("[" + from + ", " + to + ") spans more than one hour");
        }
        List<RecordedEvent> events = new ArrayList<>();
        query(QueryRequest.builder().tableName(eventsTable).indexName(BY_SERIES_HOUR)
                .keyConditionExpression("seriesHour = :sh AND #t BETWEEN :from AND :to")
                .expressionAttributeNames(Map.of("#t", "timestamp"))
                .expressionAttributeValues(Map.of(":sh", s(UsageKeys.seriesHour(account, meter, hour)),
                        ":from", n(from), ":to", n(to - 1))), item -> events.add(new RecordedEvent(account,
                item.get("eventId").s(), meter, num(item, "quantity"), num(item, "timestamp").longValueExact(),
                stringMap(item.get("dimensions")),
                item.containsKey("uniqueValue") && item.get("uniqueValue").s() != null ? item.get("uniqueValue").s() : null,
                Map.of(), 0, "")));
        return events;
    }

    /**
     * Reads a bucket item ({@code bucketKey} {@code H#...}), e.g. a stream record's image; distinct values and
     * markers are not buckets.
     *
     * @param item the item's attributes
     * @return the bucket with its sum, count, maximum and latest value (no distinct values); empty for other items
     */
    public static Optional<UsageBucket> bucketFromItem(Map<String, AttributeValue> item) {
        AttributeValue bucketKey = item.get("bucketKey");
        if (bucketKey == null || bucketKey.s() == null || !bucketKey.s().startsWith("H#") || !item.containsKey("accountId")) {
            return Optional.empty();
        }
        BucketKey key = new BucketKey(item.get("accountId").s(), item.get("meter").s(), num(item, "hourStart").longValueExact(),
                stringMap(item.get("dimensions")));
        MeterValue value = new MeterValue(num(item, "sumQuantity"), num(item, "eventCount").longValueExact(),
                item.containsKey("maxQuantity") ? num(item, "maxQuantity") : null,
                item.containsKey("lastTimestamp") ? num(item, "lastTimestamp").longValueExact() : null,
                item.containsKey("lastEventId") ? item.get("lastEventId").s() : null,
                item.containsKey("lastQuantity") ? num(item, "lastQuantity") : null, java.util.Set.of());
        return Optional.of(new UsageBucket(key, value));
    }

    /**
     * Reads an event log item, e.g. a stream record's new image.
     *
     * @param item the item's attributes
     * @return the event
     * @throws IllegalArgumentException if a required attribute is missing
     */
    public static RecordedEvent eventFromItem(Map<String, AttributeValue> item) {
        for (String required : List.of("accountId", "eventId", "meter", "quantity", "timestamp")) {
            if (!item.containsKey(required)) {
                throw new IllegalArgumentException("usage event item without " + required + ": " + item.keySet());
            }
        }
        AttributeValue unique = item.get("uniqueValue");
        AttributeValue messageId = item.get("messageId");
        return new RecordedEvent(item.get("accountId").s(), item.get("eventId").s(), item.get("meter").s(),
                num(item, "quantity"), num(item, "timestamp").longValueExact(), stringMap(item.get("dimensions")),
                unique == null || unique.s() == null ? null : unique.s(),
                Map.of(), num(item, "receivedAt").longValueExact(), messageId == null || messageId.s() == null ? "" : messageId.s());
    }

    private void query(QueryRequest.Builder request, Consumer<Map<String, AttributeValue>> each) {
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = client.query(request.exclusiveStartKey(start).returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build());
            report("Query", page.consumedCapacity() == null ? List.of() : List.of(page.consumedCapacity()));
            page.items().forEach(each);
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
    }

    private void report(String operation, List<ConsumedCapacity> capacities) {
        double write = 0;
        double read = 0;
        boolean reported = capacities != null && !capacities.isEmpty();
        if (reported) {
            for (ConsumedCapacity c : capacities) {
                double total = c.capacityUnits() == null ? 0 : c.capacityUnits();
                if (c.writeCapacityUnits() != null || c.readCapacityUnits() != null) {
                    write += c.writeCapacityUnits() == null ? 0 : c.writeCapacityUnits();
                    read += c.readCapacityUnits() == null ? 0 : c.readCapacityUnits();
                } else if (operation.equals("Query") || operation.equals("GetItem")) {
                    read += total;
                } else {
                    write += total;
                }
            }
        }
        meter.accept(new RequestCost(operation, write, read, reported));
    }

    private static Map<String, AttributeValue> bucketItemKey(BucketKey k) {
        return Map.of("seriesKey", s(UsageKeys.seriesKey(k.account(), k.meter())),
                "bucketKey", s(UsageKeys.bucketKey(k.hourStart(), k.dimensions())));
    }

    private static String markerKey(String batchMarker) {
        return "#batch#" + batchMarker;
    }

    private static BigDecimal num(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? BigDecimal.ZERO : new BigDecimal(v.n());
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }

    private static AttributeValue n(BigDecimal v) {
        return AttributeValue.fromN(v.toPlainString());
    }

    private static AttributeValue stringMap(Map<String, String> map) {
        Map<String, AttributeValue> m = new HashMap<>();
        map.forEach((k, v) -> m.put(k, s(v)));
        return AttributeValue.fromM(m);
    }

    private static Map<String, String> stringMap(AttributeValue value) {
        if (value == null || !value.hasM()) {
            return Map.of();
        }
        Map<String, String> m = new HashMap<>();
        value.m().forEach((k, v) -> m.put(k, v.s()));
        return m;
    }
}
