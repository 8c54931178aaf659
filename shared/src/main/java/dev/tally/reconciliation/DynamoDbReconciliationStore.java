package dev.tally.reconciliation;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@link ReconciliationStore} on the reconciliations table ({@code RECONCILIATIONS_TABLE}), key {@code runKey}:
 * {@code RUN#<run id>} holds each run's report as JSON (kept {@link #RETENTION_SECONDS}, then removed by the table's
 * TTL on {@code expiresAt}); {@code LATEST} a copy of the latest; {@code SCHEDULED} the end of the window the last
 * scheduled run covered. Reports are small (a mismatch is about 300 bytes; a report is cut at
 * {@link #MAX_STORED_MISMATCHES} mismatches to stay within DynamoDB's 400 KB item, the count stays exact).
 */
public final class DynamoDbReconciliationStore implements ReconciliationStore {
    /** How long a run's report is kept: 90 days. */
    public static final long RETENTION_SECONDS = 90L * 86_400;
    /** Most mismatches stored with a report. */
    public static final int MAX_STORED_MISMATCHES = 1000;
    private static final String LATEST = "LATEST";
    private static final String SCHEDULED = "SCHEDULED";

    private final DynamoDbClient client;
    private final String table;

    /**
     * @param client DynamoDB client
     * @param table the reconciliations table's name
     */
    public DynamoDbReconciliationStore(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
    }

    @Override
    public void save(ReconciliationReport report, Long scheduledThrough) {
        ReconciliationReport stored = report.mismatches().size() <= MAX_STORED_MISMATCHES ? report
                : new ReconciliationReport(report.runId(), report.trigger(), report.startedAt(), report.periodFrom(),
                report.periodTo(), report.accountId(), report.checked(), report.mismatches().subList(0, MAX_STORED_MISMATCHES));
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("report", AttributeValue.fromS(stored.toJsonString()));
        item.put("runId", AttributeValue.fromS(report.runId()));
        item.put("startedAt", n(report.startedAt()));
        item.put("mismatchCount", n(report.mismatches().size()));
        item.put("expiresAt", n(report.startedAt() + RETENTION_SECONDS));
        Map<String, AttributeValue> run = new HashMap<>(item);
        run.put("runKey", AttributeValue.fromS("RUN#" + report.runId()));
        client.putItem(r -> r.tableName(table).item(run));
        Map<String, AttributeValue> latest = new HashMap<>(item);
        latest.remove("expiresAt");
        latest.put("runKey", AttributeValue.fromS(LATEST));
        client.putItem(r -> r.tableName(table).item(latest));
        if (scheduledThrough != null) {
            client.putItem(r -> r.tableName(table).item(Map.of("runKey", AttributeValue.fromS(SCHEDULED),
                    "through", n(scheduledThrough), "runId", AttributeValue.fromS(report.runId()))));
        }
    }

    @Override
    public Optional<ReconciliationReport> latest() {
        GetItemResponse r = get(LATEST);
        return r.hasItem() && r.item().containsKey("report")
                ? Optional.of(ReconciliationReport.fromJson(r.item().get("report").s())) : Optional.empty();
    }

    @Override
    public OptionalLong scheduledThrough() {
        GetItemResponse r = get(SCHEDULED);
        return r.hasItem() && r.item().containsKey("through")
                ? OptionalLong.of(Long.parseLong(r.item().get("through").n())) : OptionalLong.empty();
    }

    private GetItemResponse get(String key) {
        return client.getItem(r -> r.tableName(table).consistentRead(true).key(Map.of("runKey", AttributeValue.fromS(key))));
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
