package dev.tally.alerts;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.invoice.InvoiceCalculator;
import dev.tally.invoice.InvoiceService;
import dev.tally.metrics.Metrics;
import dev.tally.testsupport.DynamoDbFault;
import dev.tally.testsupport.FaultInjectingDynamoDb;
import dev.tally.usage.UsageIngestService;
import dev.tally.usage.UsageQuery;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.RecordingMetrics;
import dev.tally.testsupport.RecordingAlertPublisher;
import dev.tally.store.AlertItem;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditStore;
import dev.tally.credit.LedgerEntry;
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
import org.junit.jupiter.api.AfterEach;
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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    /** Every event the handler publishes, each checked against its detail-type's JSON Schema. */
    private final RecordingAlertPublisher publisher = new RecordingAlertPublisher();
    private final RecordingMetrics metrics = new RecordingMetrics();
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
        handler = new BillingAlertsHandler(env, clock, publisher, metrics);
        tables = new TallyTables(backend().dynamoDb(), Env.of(env));
        aggregateStream = new StreamEvents(tables.usageBucketsTable, backend().region().id());
        creditStream = new StreamEvents(tables.creditsTable, backend().region().id());
    }

    @AfterAll
    void close() {
        backend().close();
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
    }

    @AfterEach
    void everyPublishedDetailValidatesAgainstItsSchema() {
        assertThat(publisher.schemaProblems()).isEmpty();
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
        String overage = "overage:" + account + ":build_minutes:" + PERIOD_START;
        assertThat(alertIds(account)).containsExactlyInAnyOrder(prefix + "0.5", prefix + "0.8", prefix + "1", overage);
        assertThat(alerts(account)).allSatisfy(a -> {
            assertThat(a.type).isEqualTo(a.alertId.equals(overage) ? "usage.overage_started" : "usage.threshold_crossed");
            assertThat(a.status).isEqualTo("published");
        });
        JsonNode detail = json(alert(overage).detail);
        assertThat(detail.get("schema_version").asInt()).isEqualTo(1);
        assertThat(detail.get("price").asText()).isEqualTo("team_build_minutes_v1");
        assertThat(detail.get("included_quantity").asText()).isEqualTo("1500");
        assertThat(detail.get("quantity").asText()).isEqualTo("1600");
        assertThat(metrics.total(MetricNames.ALERTS_RAISED, Map.of("type", "usage.overage_started"))).isEqualTo(1);
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

    @Test
    void accountSettingsReplaceThePlansSharesAndSpendIsRaisedOncePerAmountPerPeriod() {
        String account = teamCustomer();
        new DynamoDbAlertStore(tables).saveSettings(new AlertSettings(account, List.of(new BigDecimal("0.9")),
                List.of(2_000L, 1_000_000L), null, null, NOW.getEpochSecond()));

        // 800 of 1500 is past the plan's 50 % but not the account's 90 %; the preview already bills the base fees
        DynamodbEvent.DynamodbStreamRecord record = usageChange(account, "build_minutes", "0", "800");
        assertThat(handle(record, record).getBatchItemFailures()).isEmpty();

        String spend = "spend:" + account + ":sub_" + account + ":" + PERIOD_START + ":usd:2000";
        assertThat(alertIds(account)).containsExactly(spend);
        JsonNode detail = json(alert(spend).detail);
        assertThat(detail.get("type").asText()).isEqualTo("spend.threshold_crossed");
        assertThat(detail.get("subscription").asText()).isEqualTo("sub_" + account);
        assertThat(detail.get("period_start").asLong()).isEqualTo(PERIOD_START);
        assertThat(detail.get("period_end").asLong()).isEqualTo(PERIOD_END);
        assertThat(detail.get("currency").asText()).isEqualTo("usd");
        assertThat(detail.get("threshold_minor").asLong()).isEqualTo(2_000L);
        assertThat(detail.get("spend_minor").asLong()).isEqualTo(previewSubtotal(account)).isBetween(2_000L, 1_000_000L);
        assertThat(detail.get("configured_by").asText()).isEqualTo("account");

        assertThat(handle(usageChange(account, "build_minutes", "800", "1400")).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).containsExactlyInAnyOrder(spend,
                "usage:" + account + ":build_minutes:" + PERIOD_START + ":0.9");
        assertThat(publisher.published()).filteredOn(p -> p.detailJson().contains(account)).hasSize(2);
    }

    @Test
    void thePlansSpendAmountFromTheCatalogIsRaisedWhenTheOpenPeriodsChargesReachIt() {
        String account = teamCustomer();
        // Team storage: 1.00 USD per started 1000 GB-hours, nothing included: 250 000 GB-hours bill 250.00 USD
        assertThat(handle(usageChange(account, "storage_gb_hours", "0", "100000")).getBatchItemFailures()).isEmpty();
        assertThat(previewSubtotal(account)).isLessThan(20_000L);
        assertThat(alertIds(account)).as("below the plan's 200.00 USD").isEmpty();

        assertThat(handle(usageChange(account, "storage_gb_hours", "100000", "250000")).getBatchItemFailures()).isEmpty();

        String id = "spend:" + account + ":sub_" + account + ":" + PERIOD_START + ":usd:20000";
        assertThat(alertIds(account)).containsExactly(id);
        JsonNode detail = json(alert(id).detail);
        assertThat(detail.get("configured_by").asText()).isEqualTo("plan");
        assertThat(detail.get("spend_minor").asLong()).isEqualTo(previewSubtotal(account)).isGreaterThanOrEqualTo(25_000L);
    }

    @Test
    void onceEveryAmountOfTheOpenPeriodIsPublishedThePeriodIsNotRatedAgain() {
        String account = teamCustomer();
        new DynamoDbAlertStore(tables).saveSettings(new AlertSettings(account, List.of(), List.of(2_000L), null, "usd", NOW.getEpochSecond()));
        java.util.concurrent.atomic.AtomicInteger previews = new java.util.concurrent.atomic.AtomicInteger();
        PeriodSpend preview = new InvoicePreviewSpend(invoices(tables, CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE)));
        AlertService service = service(tables, id -> {
            previews.incrementAndGet();
            return preview.current(id);
        });
        usageChange(account, "storage_gb_hours", "0", "10");
        UsageBucket bucket = new UsageBucket(new BucketKey(account, "storage_gb_hours", PERIOD_START + 3_600, Map.of()),
                new MeterValue(BigDecimal.TEN, 1, null, null, null, null, java.util.Set.of()));

        assertThat(service.onUsageBucket(bucket)).containsExactly("spend:" + account + ":sub_" + account + ":" + PERIOD_START + ":usd:2000");
        assertThat(service.onUsageBucket(bucket)).isEmpty();
        assertThat(service.onUsageBucket(bucket)).isEmpty();

        assertThat(previews).hasValue(1);
    }

    // ------------------------------------------------------------------ once under redelivery and crashes

    @Test
    void aRefusedPublishLeavesTheAlertPendingAndTheRetryPublishesTheFirstDetailOnce() {
        String account = teamCustomer();
        DynamodbEvent.DynamodbStreamRecord record = usageChange(account, "build_minutes", "0", "800");
        String id = "usage:" + account + ":build_minutes:" + PERIOD_START + ":0.5";
        publisher.refuseNext(1);

        assertThat(handle(record).getBatchItemFailures()).extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly(record.getDynamodb().getSequenceNumber());
        assertThat(alert(id).status).as("recorded, not lost").isEqualTo("pending");
        String recorded = alert(id).detail;

        clock.advance(Duration.ofMinutes(5));
        DynamodbEvent.DynamodbStreamRecord more = usageChange(account, "build_minutes", "800", "900");
        assertThat(handle(record, more).getBatchItemFailures()).isEmpty();
        assertThat(handle(record, more).getBatchItemFailures()).as("the same batch redelivered").isEmpty();

        assertThat(alert(id).status).isEqualTo("published");
        assertThat(publisher.published()).filteredOn(p -> p.detailJson().contains(id)).extracting(RecordingAlertPublisher.Published::detailJson)
                .containsExactly(recorded);
        assertThat(json(recorded).get("raised_at").asLong()).isEqualTo(NOW.getEpochSecond());
        assertThat(json(recorded).get("quantity").asText()).as("the detail first computed").isEqualTo("800");
        assertThat(metrics.total(MetricNames.ALERTS_RAISED, Map.of("type", "usage.threshold_crossed"))).isPositive();
    }

    @Test
    void aCrashBetweenRecordAndPublishIsRepairedByTheRetryAndACrashAfterThePublishRepeatsOnlyItsAlertId() {
        String account = teamCustomer();
        usageChange(account, "build_minutes", "0", "800");
        UsageBucket bucket = new UsageBucket(new BucketKey(account, "build_minutes", PERIOD_START + 3_600, Map.of()),
                new MeterValue(new BigDecimal("800"), 1, null, null, null, null, java.util.Set.of()));
        String id = "usage:" + account + ":build_minutes:" + PERIOD_START + ":0.5";

        // crash after the record is written, before anything is published
        DynamoDbFault afterRecord = DynamoDbFault.on("PutItem").onTable(tables.alerts.tableName()).afterCall().times(1);
        assertThatThrownBy(() -> service(afterRecord).onUsageBucket(bucket)).hasMessageContaining(DynamoDbFault.MESSAGE);
        assertThat(alert(id).status).isEqualTo("pending");
        assertThat(publisher.published()).filteredOn(p -> p.detailJson().contains(id)).isEmpty();

        // the retry publishes, then crashes before the mark: EventBridge has it, the record still says pending
        DynamoDbFault beforeMark = DynamoDbFault.on("UpdateItem").onTable(tables.alerts.tableName()).beforeCall().times(1);
        assertThatThrownBy(() -> service(beforeMark).onUsageBucket(bucket)).hasMessageContaining(DynamoDbFault.MESSAGE);
        assertThat(alert(id).status).isEqualTo("pending");

        // the next retry publishes the same detail again (EventBridge's at-least-once window), then never again
        assertThat(service().onUsageBucket(bucket)).containsExactly(id);
        assertThat(service().onUsageBucket(bucket)).isEmpty();
        assertThat(alert(id).status).isEqualTo("published");
        List<String> details = publisher.published().stream().map(RecordingAlertPublisher.Published::detailJson)
                .filter(d -> d.contains(id)).toList();
        assertThat(details).hasSize(2).allMatch(d -> d.equals(alert(id).detail));
    }

        // ------------------------------------------------------------------ prepaid credit balance and expiry

    @Test
    void aBalanceAtOrBelowTheAccountsAmountIsLowOnceAndZeroIsExhausted() {
        String account = TallyFixtures.uniqueId("acct");
        new DynamoDbAlertStore(tables).saveSettings(new AlertSettings(account, List.of(new BigDecimal("0.8")), List.of(),
                2_500L, "usd", NOW.getEpochSecond()));
        CreditGrant grant = TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_only", account, "usd", 10_000, 50, ANCHOR, null));
        String base = "credits:" + account + ":usd:10000:";

        assertThat(handle(entryRecord(drawdown(grant, 10_000, 7_000, "tin_1"))).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).as("3000 left: above 2500 and above 20 %").isEmpty();

        DynamodbEvent.DynamodbStreamRecord second = entryRecord(drawdown(grant, 3_000, 500, "tin_2"));
        assertThat(handle(second, second).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).as("2500 left: the amount reached, 75 % consumed").containsExactly(base + "minor:2500");
        JsonNode low = json(alert(base + "minor:2500").detail);
        assertThat(low.get("threshold_minor").asLong()).isEqualTo(2_500L);
        assertThat(low.get("balance_minor").asLong()).isEqualTo(2_500L);
        assertThat(low.has("threshold")).isFalse();

        assertThat(handle(entryRecord(drawdown(grant, 2_500, 2_500, "tin_3"))).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).containsExactlyInAnyOrder(base + "minor:2500", base + "0.8", base + "exhausted");
        assertThat(json(alert(base + "exhausted").detail).get("type").asText()).isEqualTo("credits.balance_exhausted");
    }

    @Test
    void drawdownsRaiseLowThenExhaustedAndANewGrantRearms() {
        String account = TallyFixtures.uniqueId("acct");
        String prefix10k = "credits:" + account + ":usd:10000:";
        CreditGrant first = TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_first", account, "usd", 10_000, 50, ANCHOR, null));

        // 60 % of 10000 drawn: past the 50 % mark only.
        assertThat(handle(entryRecord(drawdown(first, 10_000, 6_000, "tin_1"))).getBatchItemFailures()).isEmpty();
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
        assertThat(handle(entryRecord(drawdown(first, 4_000, 4_000, "tin_2"))).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).containsExactlyInAnyOrder(prefix10k + "0.5", prefix10k + "0.8", prefix10k + "exhausted");
        assertThat(alert(prefix10k + "0.8").type).isEqualTo("credits.balance_low");
        assertThat(alert(prefix10k + "exhausted").type).isEqualTo("credits.balance_exhausted");
        assertThat(json(alert(prefix10k + "exhausted").detail).get("balance_minor").asLong()).isZero();

        // A new grant of 20000 raises nothing by itself...
        CreditGrant second = TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_second", account, "usd", 20_000, 50, ANCHOR, null));
        assertThat(handle(entryRecord(LedgerEntry.granted(second))).getBatchItemFailures()).isEmpty();
        assertThat(alerts(account)).hasSize(3);

        // ...and re-arms the thresholds: 16000 of the 30000 active is consumed, a new alert id.
        assertThat(handle(entryRecord(drawdown(second, 20_000, 6_000, "tin_3"))).getBatchItemFailures()).isEmpty();
        assertThat(alertIds(account)).hasSize(4).contains("credits:" + account + ":usd:30000:0.5");
        assertThat(json(alert("credits:" + account + ":usd:30000:0.5").detail).get("balance_minor").asLong()).isEqualTo(14_000L);
    }

    @Test
    void anExpiryRaisesCreditGrantExpiredOnceAndTheBalanceLeftIsCheckedWithoutIt() {
        String account = TallyFixtures.uniqueId("acct");
        long expiresAt = NOW.getEpochSecond() - 3_600;
        CreditGrant promo = TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_promo", account, "usd", 3_000, 50, ANCHOR, expiresAt));
        CreditGrant bought = TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_bought", account, "usd", 1_000, 50, ANCHOR, null));
        drawdown(promo, 3_000, 500, "tin_1");
        LedgerEntry expiry = LedgerEntry.expiry(promo, 2_500);
        assertThat(tables.creditStore().commit(List.of(expiry))).isEqualTo(CreditStore.Outcome.APPLIED);
        DynamodbEvent.DynamodbStreamRecord record = entryRecord(expiry);

        assertThat(handle(record).getBatchItemFailures()).isEmpty();
        assertThat(handle(record).getBatchItemFailures()).as("redelivered").isEmpty();

        String id = "credit_grant_expired:" + account + ":cg_promo";
        assertThat(alertIds(account)).containsExactly(id);
        AlertItem expired = alert(id);
        assertThat(expired.type).isEqualTo("credits.grant_expired");
        JsonNode detail = json(expired.detail);
        assertThat(detail.get("grant_id").asText()).isEqualTo("cg_promo");
        assertThat(detail.get("currency").asText()).isEqualTo("usd");
        assertThat(detail.get("expired_minor").asLong()).isEqualTo(2_500L);
        assertThat(detail.get("expired_at").asLong()).isEqualTo(expiresAt);
        assertThat(detail.get("description").asText()).isEqualTo(promo.describe() + " expired");
        // the 1000 bought is all that is active, and all of it is left: no balance alert
        assertThat(bought.amountMinor()).isEqualTo(1_000L);
    }

    @Test
    void aGrantMarkedWarnedRaisesCreditGrantExpiringOnceAndOtherGrantChangesNothing() {
        String account = TallyFixtures.uniqueId("acct");
        long expiresAt = NOW.getEpochSecond() + 5 * 86_400;
        CreditGrant promo = TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_soon", account, "usd", 3_000, 50, ANCHOR, expiresAt));
        Map<String, AttributeValue> open = rawItem(account, "GRANT#cg_soon");
        assertThat(tables.creditStore().markExpiryWarned(account, "cg_soon", NOW.getEpochSecond())).isTrue();
        Map<String, AttributeValue> warned = rawItem(account, "GRANT#cg_soon");
        assertThat(tables.creditStore().markExpiryWarned(account, "cg_soon", NOW.getEpochSecond())).as("once").isFalse();
        DynamodbEvent.DynamodbStreamRecord marked = creditStream.record("MODIFY", keys(warned), warned, open,
                StreamViewType.NEW_AND_OLD_IMAGES, NOW);
        // a drawdown on the warned grant changes it again: warned before and after, no new warning
        DynamodbEvent.DynamodbStreamRecord drawnAfter = creditStream.record("MODIFY", keys(warned), warned, warned,
                StreamViewType.NEW_AND_OLD_IMAGES, NOW);

        assertThat(handle(marked, drawnAfter, marked).getBatchItemFailures()).isEmpty();

        String id = "credit_grant_expiring:" + account + ":cg_soon";
        assertThat(alertIds(account)).containsExactly(id);
        JsonNode detail = json(alert(id).detail);
        assertThat(alert(id).type).isEqualTo("credits.grant_expiring");
        assertThat(detail.get("grant_id").asText()).isEqualTo("cg_soon");
        assertThat(detail.get("remaining_minor").asLong()).isEqualTo(3_000L);
        assertThat(detail.get("amount_minor").asLong()).isEqualTo(3_000L);
        assertThat(detail.get("expires_at").asLong()).isEqualTo(expiresAt);
        assertThat(detail.get("source").asText()).isEqualTo("purchase");
        assertThat(detail.get("description").asText()).isEqualTo(promo.describe());
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

    /** The service as the handler builds it, on tables whose DynamoDB client fails as {@code faults} say. */
    AlertService service(DynamoDbFault... faults) {
        TallyTables faulty = new TallyTables(FaultInjectingDynamoDb.wrap(backend().dynamoDb(), faults), Env.of(env));
        Catalog catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
        return service(faulty, new InvoicePreviewSpend(invoices(faulty, catalog)));
    }

    AlertService service(TallyTables on, PeriodSpend spend) {
        Catalog catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
        return new AlertService(on, new DynamoDbAlertStore(on), new UsageQuery(on.usageStore(clock), catalog), spend,
                catalog, publisher, metrics, AlertService.parseShares("0.5,0.8,1.0"), clock);
    }

    /** The subtotal {@code tally invoices preview} shows for the account's subscription now. */
    long previewSubtotal(String account) {
        Catalog catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
        return invoices(tables, catalog).preview("sub_" + account).orElseThrow().subtotalMinor();
    }

    InvoiceService invoices(TallyTables on, Catalog catalog) {
        return new InvoiceService(on, new DynamoDbInvoiceStore(on), new InvoiceCalculator(catalog, new UsageQuery(on.usageStore(clock), catalog)),
                catalog, clock, 3600, UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS, Metrics.NONE);
    }

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
        return image.containsKey("entryKey") ? Map.of("accountId", image.get("accountId"), "entryKey", image.get("entryKey"))
                : Map.of("seriesKey", image.get("seriesKey"), "bucketKey", image.get("bucketKey"));
    }

    /** Writes a drawdown of {@code amount} from {@code grant}, which has {@code before} left, and returns it. */
    LedgerEntry drawdown(CreditGrant grant, long before, long amount, String invoiceId) {
        LedgerEntry entry = LedgerEntry.drawdown(grant, before, amount, invoiceId, NOW.getEpochSecond());
        assertThat(tables.creditStore().commit(List.of(entry))).isEqualTo(CreditStore.Outcome.APPLIED);
        return entry;
    }

    /** The stream record of a ledger entry's insert, with the item as stored. */
    DynamodbEvent.DynamodbStreamRecord entryRecord(LedgerEntry entry) {
        Map<String, AttributeValue> item = rawItem(entry.accountId(), "LEDGER#" + entry.entryId());
        return creditStream.record("INSERT", keys(item), item, null, StreamViewType.NEW_AND_OLD_IMAGES, clock.instant());
    }

    Map<String, AttributeValue> rawItem(String account, String entryKey) {
        Map<String, AttributeValue> item = backend().dynamoDb().getItem(r -> r.tableName(tables.creditsTable).consistentRead(true)
                .key(Map.of("accountId", AttributeValue.fromS(account), "entryKey", AttributeValue.fromS(entryKey)))).item();
        assertThat(item).as(entryKey + " of " + account).isNotEmpty();
        return item;
    }

    AlertItem alert(String alertId) {
        AlertItem alert = tables.alerts.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(alertId)));
        assertThat(alert).as("alert " + alertId).isNotNull();
        return alert;
    }

    List<AlertItem> alerts(String account) {
        return tables.alerts.scan(r -> r.consistentRead(true).filterExpression(Expression.builder()
                        .expression("accountId = :a").putExpressionValue(":a", AttributeValue.fromS(account)).build()))
                .items().stream().filter(DynamoDbAlertStore::isAlert).toList();
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
