package dev.tally.alerts;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.config.Env;
import dev.tally.store.AlertItem;
import dev.tally.store.CreditEntryItem;
import dev.tally.store.TallyTables;
import dev.tally.usage.BucketKey;
import dev.tally.usage.MeterValue;
import dev.tally.usage.UsageBucket;
import dev.tally.usage.UsageKeys;
import dev.tally.testsupport.StreamEvents;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.MutableClock;
import dev.tally.testsupport.TallyFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * {@link BillingAlertsHandler} built with its real constructor on the template's environment ({@code TALLY_LOCAL=true}:
 * the alert record in the alerts table is the delivery), driven with stream records of the usage-aggregates and
 * credits tables. Runs once per backend (subclasses); each test uses its own account ids.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BillingAlertsHandlerIT {

    /** SnapStart priming (beforeCheckpoint) only reads, needs no secret, and runs against the real tables. */
    @Test
    void primingRunsWithoutSecretsOrWrites() {
        assertThatCode(handler::prime).doesNotThrowAnyException();
    }
    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    static final long ANCHOR = Instant.parse("2026-09-15T00:00:00Z").getEpochSecond();
    static final long PERIOD_START = Instant.parse("2026-11-15T00:00:00Z").getEpochSecond();
    static final long PERIOD_END = Instant.parse("2026-12-15T00:00:00Z").getEpochSecond();
    static final long NEXT_PERIOD_END = Instant.parse("2027-01-15T00:00:00Z").getEpochSecond();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = MutableClock.at(NOW);
    private Map<String, String> env;
    private BillingAlertsHandler handler;
    private TallyTables tables;
    private StreamEvents aggregateStream;
    private StreamEvents creditStream;

    /** The backend to run against, a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        env = backend().functionEnvironment("BillingAlertsFunction");
        assertThat(Env.of(env).local()).as("alerts are recorded, not put on EventBridge").isTrue();
        handler = new BillingAlertsHandler(env, clock);
        tables = new TallyTables(backend().dynamoDb(), Env.of(env));
        aggregateStream = new StreamEvents(tables.usageBucketsTable, backend().region().id());
        creditStream = new StreamEvents(tables.credits.tableName(), backend().region().id());
    }

    @AfterAll
    void close() {
        backend().close();
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
    }

    // ------------------------------------------------------------------ usage thresholds

    @Test
    void usageCrossingHalfOfTheIncludedQuantityRaisesOneAlert() {
        String account = teamCustomer();

        StreamsEventResponse response = handle(usageChange(account, "build_minutes", "700", "800"));

        assertThat(response.getBatchItemFailures()).isEmpty();
        String id = "usage:" + account + ":build_minutes:" + PERIOD_START + ":0.5";
        assertThat(alertIds(account)).containsExactly(id);
        AlertItem alert = alert(id);
        assertThat(alert.type).isEqualTo("usage.threshold_crossed");
        assertThat(alert.accountId).isEqualTo(account);
        assertThat(alert.status).isEqualTo("published");
        assertThat(alert.createdAt).isEqualTo(NOW.getEpochSecond());
        JsonNode detail = json(alert.detail);
        assertThat(detail.get("alert_id").asText()).isEqualTo(id);
        assertThat(detail.get("type").asText()).isEqualTo("usage.threshold_crossed");
        assertThat(detail.get("account").asText()).isEqualTo(account);
        assertThat(detail.get("meter").asText()).isEqualTo("build_minutes");
        assertThat(detail.get("period_start").asLong()).isEqualTo(PERIOD_START);
        assertThat(detail.get("period_end").asLong()).isEqualTo(PERIOD_END);
        assertThat(detail.get("threshold").asText()).isEqualTo("0.5");
        assertThat(new BigDecimal(detail.get("included_quantity").asText())).isEqualByComparingTo("1500");
        assertThat(new BigDecimal(detail.get("quantity").asText())).isEqualByComparingTo("800");
    }

    @Test
    void jumpAcrossSeveralThresholdsRaisesOneAlertForEach() {
        String account = teamCustomer();

        assertThat(handle(usageChange(account, "build_minutes", "100", "1600")).getBatchItemFailures()).isEmpty();

        String prefix = "usage:" + account + ":build_minutes:" + PERIOD_START + ":";
        assertThat(alertIds(account)).containsExactlyInAnyOrder(prefix + "0.5", prefix + "0.8", prefix + "1");
        assertThat(alerts(account)).allSatisfy(a -> {
            assertThat(a.type).isEqualTo("usage.threshold_crossed");
            assertThat(a.status).isEqualTo("published");
        });
    }

    @Test
    void redeliveredRecordRaisesNothingNew() {
        String account = teamCustomer();
        DynamodbEvent.DynamodbStreamRecord record = usageChange(account, "build_minutes", "700", "800");
        assertThat(handle(record).getBatchItemFailures()).isEmpty();

        clock.advance(Duration.ofMinutes(2));
        StreamsEventResponse again = handle(record);

        assertThat(again.getBatchItemFailures()).isEmpty();
        String id = "usage:" + account + ":build_minutes:" + PERIOD_START + ":0.5";
        assertThat(alertIds(account)).containsExactly(id);
        assertThat(alert(id).status).isEqualTo("published");
        assertThat(alert(id).createdAt).as("the alert was not raised again").isEqualTo(NOW.getEpochSecond());
    }

    @Test
    void changeThatCrossesNoThresholdRaisesNothingUntilOneIsReachedExactly() {
        String account = teamCustomer();

        assertThat(handle(usageChange(account, "build_minutes", "800", "900"), usageChange(account, "build_minutes", "0", "749"))
                .getBatchItemFailures()).isEmpty();
        assertThat(alerts(account)).isEmpty();

        // 80 % of 1500 is 1200: reaching it exactly reaches it, and 50 % on the way, neither raised before.
        assertThat(handle(usageChange(account, "build_minutes", "1199", "1200")).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).containsExactlyInAnyOrder("usage:" + account + ":build_minutes:" + PERIOD_START + ":0.8",
                "usage:" + account + ":build_minutes:" + PERIOD_START + ":0.5");
    }

    @Test
    void theSameCrossingInTheNextPeriodIsANewAlert() {
        String account = teamCustomer();
        assertThat(handle(usageChange(account, "build_minutes", "700", "800")).getBatchItemFailures()).isEmpty();

        assertThat(handle(usageChange(account, "build_minutes", PERIOD_END + 3_600, "700", "800")).getBatchItemFailures()).isEmpty();

        assertThat(alertIds(account)).containsExactlyInAnyOrder(
                "usage:" + account + ":build_minutes:" + PERIOD_START + ":0.5",
                "usage:" + account + ":build_minutes:" + PERIOD_END + ":0.5");
    }

    @Test
    void usageIsThePeriodsTotalOverAllItsBuckets() {
        String account = teamCustomer();
        // 500 minutes on the first day of the period, then an hour on the fifth day goes from 0 to 300: 800 in all
        assertThat(handle(usageChange(account, "build_minutes", PERIOD_START + 3_600, "0", "500")).getBatchItemFailures()).isEmpty();
        assertThat(alerts(account)).isEmpty();
        assertThat(handle(usageChange(account, "build_minutes", PERIOD_START + 4 * 86_400, "0", "300")).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).containsExactly("usage:" + account + ":build_minutes:" + PERIOD_START + ":0.5");
        assertThat(new BigDecimal(json(alert("usage:" + account + ":build_minutes:" + PERIOD_START + ":0.5").detail)
                .get("quantity").asText())).isEqualByComparingTo("800");
    }

    @Test
    void markerAndDistinctValueRecordsRaiseNothing() {
        String account = teamCustomer();
        Map<String, AttributeValue> marker = Map.of("seriesKey", AttributeValue.fromS("#batch#1"), "bucketKey", AttributeValue.fromS("#"),
                "lastSequence", AttributeValue.fromS("1"));
        Map<String, AttributeValue> unique = new HashMap<>(bucketImage(account, "build_minutes", PERIOD_START + 3_600, "5"));
        unique.put("bucketKey", AttributeValue.fromS("U#" + UsageKeys.hour(PERIOD_START + 3_600) + "##user_1"));

        assertThat(handle(
                aggregateStream.record("INSERT", Map.of("seriesKey", marker.get("seriesKey"), "bucketKey", marker.get("bucketKey")),
                        marker, null, StreamViewType.NEW_AND_OLD_IMAGES, NOW),
                aggregateStream.record("INSERT", Map.of("seriesKey", unique.get("seriesKey"), "bucketKey", unique.get("bucketKey")),
                        unique, null, StreamViewType.NEW_AND_OLD_IMAGES, NOW)).getBatchItemFailures()).isEmpty();

        assertThat(alerts(account)).isEmpty();
    }

    @Test
    void meterWithoutIncludedQuantityRaisesNothing() {
        String account = teamCustomer();

        assertThat(handle(usageChange(account, "storage_gb_hours", "0", "50000")).getBatchItemFailures()).isEmpty();

        assertThat(alerts(account)).isEmpty();
    }

    // ------------------------------------------------------------------ prepaid credit balance

    @Test
    void fallingCreditBalanceRaisesLowThenExhaustedAndANewGrantRearms() {
        String account = TallyFixtures.uniqueId("acct");
        String prefix10k = "credits:" + account + ":usd:10000:";

        // 60 % of 10000 consumed: past the 50 % mark only.
        assertThat(handle(balanceChange(account, 10_000, 10_000, 4_000, 10_000)).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).containsExactly(prefix10k + "0.5");
        AlertItem low = alert(prefix10k + "0.5");
        assertThat(low.type).isEqualTo("credits.balance_low");
        assertThat(low.status).isEqualTo("published");
        JsonNode detail = json(low.detail);
        assertThat(detail.get("account").asText()).isEqualTo(account);
        assertThat(detail.get("currency").asText()).isEqualTo("usd");
        assertThat(detail.get("balance_minor").asLong()).isEqualTo(4_000L);
        assertThat(detail.get("granted_minor").asLong()).isEqualTo(10_000L);
        assertThat(detail.get("threshold").asText()).isEqualTo("0.5");

        // Down to zero: past 80 %, and exhausted.
        assertThat(handle(balanceChange(account, 4_000, 10_000, 0, 10_000)).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).containsExactlyInAnyOrder(prefix10k + "0.5", prefix10k + "0.8", prefix10k + "1");
        assertThat(alert(prefix10k + "0.8").type).isEqualTo("credits.balance_low");
        assertThat(alert(prefix10k + "1").type).isEqualTo("credits.balance_exhausted");
        assertThat(json(alert(prefix10k + "1").detail).get("balance_minor").asLong()).isZero();

        // A new grant of 20000 raises nothing by itself...
        assertThat(handle(balanceChange(account, 0, 10_000, 20_000, 30_000)).getBatchItemFailures()).isEmpty();
        assertThat(alerts(account)).hasSize(3);

        // ...and re-arms the thresholds: half of the 30000 granted is consumed again, a new alert id.
        assertThat(handle(balanceChange(account, 20_000, 30_000, 14_000, 30_000)).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).hasSize(4).contains("credits:" + account + ":usd:30000:0.5");
        assertThat(alert("credits:" + account + ":usd:30000:0.5").type).isEqualTo("credits.balance_low");
    }

    @Test
    void grantAndLedgerEntriesAreNotBalances() {
        String account = TallyFixtures.uniqueId("acct");
        CreditEntryItem grant = creditEntry(account, CreditEntryItem.GRANT_PREFIX + "cs_test_" + account, 10_000);
        CreditEntryItem ledger = creditEntry(account, CreditEntryItem.LEDGER_PREFIX + "drawdown:tin_x", -9_000);

        assertThat(handle(creditRecord("INSERT", null, grant), creditRecord("INSERT", null, ledger)).getBatchItemFailures()).isEmpty();

        assertThat(alerts(account)).isEmpty();
    }

    // ------------------------------------------------------------------ failures

    @Test
    void malformedImageIsReportedAndLaterRecordsAreLeftForTheRetry() {
        String account = teamCustomer();
        DynamodbEvent.DynamodbStreamRecord first = usageChange(account, "build_minutes", "700", "800");
        Map<String, AttributeValue> broken = new HashMap<>(bucketImage(account, "image_pulls", PERIOD_START + 3_600, "1"));
        broken.put("eventCount", AttributeValue.fromN("1.5"));
        DynamodbEvent.DynamodbStreamRecord malformed = aggregateStream.record("MODIFY", keys(broken), broken,
                bucketImage(account, "image_pulls", PERIOD_START + 3_600, "0"), StreamViewType.NEW_AND_OLD_IMAGES, NOW);
        DynamodbEvent.DynamodbStreamRecord after = usageChange(account, "image_pulls", "2000", "4500");

        StreamsEventResponse response = handle(first, malformed, after);

        assertThat(response.getBatchItemFailures()).extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly(malformed.getDynamodb().getSequenceNumber());
        assertThat(alertIds(account)).containsExactly("usage:" + account + ":build_minutes:" + PERIOD_START + ":0.5");
    }

    @Test
    void failingSubscriptionLookupIsReported() {
        Map<String, String> broken = new HashMap<>(env);
        broken.put("SUBSCRIPTIONS_TABLE", "tally-no-such-table");
        BillingAlertsHandler misconfigured = new BillingAlertsHandler(broken, clock);
        String account = teamCustomer();
        DynamodbEvent.DynamodbStreamRecord record = usageChange(account, "build_minutes", "700", "800");

        StreamsEventResponse response = misconfigured.handleRequest(StreamEvents.batch(record), null);

        assertThat(response.getBatchItemFailures()).extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly(record.getDynamodb().getSequenceNumber());
        assertThat(alerts(account)).isEmpty();

        // The retry, on a working function, raises the alert.
        assertThat(handle(record).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).hasSize(1);
    }

    // ------------------------------------------------------------------ helpers

    /** An account on the team plan (subscription {@code sub_<account>}, cursor on the November period). */
    String teamCustomer() {
        String account = TallyFixtures.uniqueId("acct");
        TallyFixtures.seedCustomer(tables, account, "team", ANCHOR, PERIOD_START);
        return account;
    }

    StreamsEventResponse handle(DynamodbEvent.DynamodbStreamRecord... records) {
        return handler.handleRequest(StreamEvents.batch(records), null);
    }

    /** What the store holds per (account, meter, hour), so that a change can be written as a delta. */
    private final Map<String, BigDecimal> stored = new HashMap<>();
    private static final java.util.concurrent.atomic.AtomicLong MARKERS = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());

    /** A change of the account's bucket in the first hour of the November period. */
    DynamodbEvent.DynamodbStreamRecord usageChange(String account, String meter, String from, String to) {
        return usageChange(account, meter, PERIOD_START + 3_600, from, to);
    }

    /**
     * Writes the bucket of {@code hour} so that it holds {@code to} (as usage-buckets would) and returns the stream
     * record of its change from {@code from}.
     */
    DynamodbEvent.DynamodbStreamRecord usageChange(String account, String meter, long hour, String from, String to) {
        String key = account + "|" + meter + "|" + hour;
        BigDecimal current = stored.getOrDefault(key, BigDecimal.ZERO);
        BigDecimal target = new BigDecimal(to);
        if (target.compareTo(current) != 0) {
            String marker = String.format("%040d", MARKERS.incrementAndGet());
            tables.usageStore(clock).addOnce(marker, marker, List.of(new UsageBucket(new BucketKey(account, meter, hour, Map.of()),
                    new MeterValue(target.subtract(current), 1, null, null, null, null, java.util.Set.of()))));
            stored.put(key, target);
        }
        Map<String, AttributeValue> after = bucketImage(account, meter, hour, to);
        return aggregateStream.record("MODIFY", keys(after), after, bucketImage(account, meter, hour, from),
                StreamViewType.NEW_AND_OLD_IMAGES, clock.instant());
    }

    static Map<String, AttributeValue> bucketImage(String account, String meter, long hour, String sum) {
        return Map.of("seriesKey", AttributeValue.fromS(UsageKeys.seriesKey(account, meter)),
                "bucketKey", AttributeValue.fromS(UsageKeys.bucketKey(hour, Map.of())),
                "accountId", AttributeValue.fromS(account), "meter", AttributeValue.fromS(meter),
                "hourStart", AttributeValue.fromN(Long.toString(hour)), "dimensions", AttributeValue.fromM(Map.of()),
                "sumQuantity", AttributeValue.fromN(sum), "eventCount", AttributeValue.fromN("7"));
    }

    static Map<String, AttributeValue> keys(Map<String, AttributeValue> image) {
        return Map.of("seriesKey", image.get("seriesKey"), "bucketKey", image.get("bucketKey"));
    }

    static CreditEntryItem balance(String account, long balanceMinor, long grantedMinor) {
        CreditEntryItem b = new CreditEntryItem();
        b.accountId = account;
        b.entryKey = CreditEntryItem.BALANCE_PREFIX + "usd";
        b.currency = "usd";
        b.balanceMinor = balanceMinor;
        b.grantedMinor = grantedMinor;
        b.createdAt = ANCHOR;
        return b;
    }

    static CreditEntryItem creditEntry(String account, String entryKey, long amountMinor) {
        CreditEntryItem e = new CreditEntryItem();
        e.accountId = account;
        e.entryKey = entryKey;
        e.currency = "usd";
        e.amountMinor = amountMinor;
        e.sourceId = entryKey;
        e.createdAt = NOW.getEpochSecond();
        return e;
    }

    DynamodbEvent.DynamodbStreamRecord balanceChange(String account, long fromBalance, long fromGranted, long toBalance, long toGranted) {
        return creditRecord("MODIFY", balance(account, fromBalance, fromGranted), balance(account, toBalance, toGranted));
    }

    DynamodbEvent.DynamodbStreamRecord creditRecord(String eventName, CreditEntryItem before, CreditEntryItem after) {
        return creditStream.record(eventName, Map.of(
                        "accountId", AttributeValue.fromS(after.accountId), "entryKey", AttributeValue.fromS(after.entryKey)),
                CreditEntryItem.SCHEMA.itemToMap(after, true),
                before == null ? null : CreditEntryItem.SCHEMA.itemToMap(before, true),
                StreamViewType.NEW_AND_OLD_IMAGES, clock.instant());
    }

    AlertItem alert(String alertId) {
        AlertItem alert = tables.alerts.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(alertId)));
        assertThat(alert).as("alert " + alertId).isNotNull();
        return alert;
    }

    List<AlertItem> alerts(String account) {
        return tables.alerts.scan(r -> r.consistentRead(true).filterExpression(Expression.builder()
                        .expression("accountId = :a").putExpressionValue(":a", AttributeValue.fromS(account)).build()))
                .items().stream().toList();
    }

    List<String> alertIds(String account) {
        return alerts(account).stream().map(a -> a.alertId).toList();
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
