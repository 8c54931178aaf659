package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.tally.buckets.UsageBucketsHandler;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.store.TallyTables;
import dev.tally.store.UsageRejectionItem;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.RecordingMetrics;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.DynamoDbFault;
import dev.tally.testsupport.DynamoDbFaultInterceptor;
import dev.tally.testsupport.FaultInjectingDynamoDb;
import dev.tally.testsupport.MutableClock;
import dev.tally.testsupport.SqsMessages;
import dev.tally.testsupport.SqsMessages.QueuedMessage;
import dev.tally.local.streams.StreamTail;
import dev.tally.testsupport.TallyFixtures;
import dev.tally.testsupport.UsagePipeline;
import dev.tally.usage.DynamoDbUsageStore;
import dev.tally.usage.IngestOutcome;
import dev.tally.usage.RejectionReason;
import dev.tally.usage.UsageIngestService;
import dev.tally.usage.UsageQuery;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * usage-ingest and usage-buckets, built with their real constructors from the template's environment, against
 * DynamoDB on an {@link AwsBackend}: each usage event is counted exactly once whatever SQS and the stream do to it
 * (redelivery, duplicates, reordering, concurrent delivery, a crash before or after any write), invalid events are
 * kept with a reason and never block the valid ones beside them, and a period's usage is exact to the second. Every
 * test has its own account, so the tables can be shared.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class UsageIngestHandlerIT {

    /** SnapStart priming (beforeCheckpoint) only reads, needs no secret, and runs against the real tables. */
    @Test
    void primingRunsWithoutSecretsOrWrites() {
        assertThatCode(handler::prime).doesNotThrowAnyException();
        assertThatCode(bucketsHandler::prime).doesNotThrowAnyException();
    }
    static final long FEB = epoch("2026-02-01T00:00:00Z");
    static final long MAR = epoch("2026-03-01T00:00:00Z");
    /** The handlers' clock: every February and March event is inside the 35-day backdating window. */
    static final Instant NOW = Instant.parse("2026-03-02T00:00:00Z");
    static final String BUILD = "build_minutes";
    static final String PULLS = "image_pulls";

    private final MutableClock clock = MutableClock.at(NOW);
    private final RecordingMetrics metrics = new RecordingMetrics();
    private Map<String, String> env;
    private TallyTables tables;
    private UsageIngestHandler handler;
    private UsageBucketsHandler bucketsHandler;
    private UsagePipeline pipeline;
    private UsageQuery usage;

    /** The backend to run against: a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        env = backend().functionEnvironment("UsageIngestFunction");
        tables = new TallyTables(backend().dynamoDb(), Env.of(env));
        handler = new UsageIngestHandler(env, clock, metrics);
        bucketsHandler = new UsageBucketsHandler(backend().functionEnvironment("UsageBucketsFunction"), clock);
        pipeline = new UsagePipeline(backend(), e -> handler.handleRequest(e, null), e -> bucketsHandler.handleRequest(e, null));
        usage = new UsageQuery(tables.usageStore(clock), CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE));
    }

    @AfterAll
    void close() {
        pipeline.close();
        backend().close();
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
    }

    @AfterEach
    void disarmFaults() {
        DynamoDbFaultInterceptor.disarmAll();
        pipeline.drain();
    }

    // ------------------------------------------------------------------------------------------------- counting

    @Test
    void countsSingleObjectAndArrayBodiesExactlyIntoHourlyBuckets() {
        String account = customer();
        QueuedMessage single = msg(event(eventId(), account, BUILD, "12.5", FEB + 3_600));
        QueuedMessage array = msg(array(
                event(eventId(), account, BUILD, "0.25", FEB + 3_700),
                event(eventId(), account, BUILD, "7", FEB + 10_800),
                event(eventId(), account, PULLS, "3", FEB + 14_400)));

        assertThat(pipeline.send(single, array)).isEmpty();

        assertThat(usage.quantity(account, BUILD, FEB, MAR)).isEqualByComparingTo("19.75");
        assertThat(usage.quantity(account, PULLS, FEB, MAR)).isEqualByComparingTo("3");
        assertThat(usage.rows(account, BUILD, FEB, MAR, UsageQuery.Granularity.HOUR, null)).containsExactly(
                new UsageQuery.UsageRow(FEB + 3_600, FEB + 7_200, "", new BigDecimal("12.75"), 2),
                new UsageQuery.UsageRow(FEB + 10_800, FEB + 14_400, "", new BigDecimal("7"), 1));
        assertThat(usage.rows(account, BUILD, FEB, MAR, UsageQuery.Granularity.DAY, null)).containsExactly(
                new UsageQuery.UsageRow(FEB, FEB + 86_400, "", new BigDecimal("19.75"), 3));
    }

    @Test
    void aRedeliveredMessageAndTheSameIdTwiceInABatchCountOnce() {
        String account = customer();
        String id = eventId();
        QueuedMessage first = msg(event(id, account, BUILD, "5", FEB + 60));
        QueuedMessage retry = msg(event(id, account, BUILD, "5", FEB + 60)); // a producer's retry: a new message
        long counted = metrics.total(MetricNames.USAGE_EVENTS_COUNTED, Map.of("meter", BUILD));
        long duplicates = metrics.total(MetricNames.USAGE_EVENTS_DUPLICATE, Map.of("meter", BUILD));
        assertThat(pipeline.send(first, retry, first)).isEmpty();
        assertThat(pipeline.send(first)).isEmpty();

        assertThat(usage.quantity(account, BUILD, FEB, MAR)).isEqualByComparingTo("5");
        assertThat(metrics.total(MetricNames.USAGE_EVENTS_COUNTED, Map.of("meter", BUILD)) - counted).isEqualTo(1);
        assertThat(metrics.total(MetricNames.USAGE_EVENTS_DUPLICATE, Map.of("meter", BUILD)) - duplicates).isEqualTo(3);
        assertThat(service(backend().dynamoDb()).ingest(retry.id(), retry.body())).containsExactly(IngestOutcome.DUPLICATE);
    }

    @Test
    void eventIdsAreUniquePerAccountSoTwoCustomersNeverCollide() {
        String acme = customer();
        String globex = customer();
        String id = eventId();
        assertThat(pipeline.send(msg(array(event(id, acme, BUILD, "2", FEB + 60), event(id, globex, BUILD, "3", FEB + 60))))).isEmpty();

        assertThat(usage.quantity(acme, BUILD, FEB, MAR)).isEqualByComparingTo("2");
        assertThat(usage.quantity(globex, BUILD, FEB, MAR)).isEqualByComparingTo("3");
    }

    @Test
    void aPeriodIsExactToTheSecondAcrossPartialHours() {
        String account = customer();
        long hour = FEB + 5 * 3_600;
        assertThat(pipeline.send(msg(array(
                event(eventId(), account, BUILD, "1", hour - 1),
                event(eventId(), account, BUILD, "2", hour + 1_000),
                event(eventId(), account, BUILD, "4", hour + 1_001),
                event(eventId(), account, BUILD, "8", hour + 3_600 + 10),
                event(eventId(), account, BUILD, "16", hour + 7_200 + 1_999))))).isEmpty();

        // [hour + 1001, hour + 7200 + 1999): a partial hour, a whole hour, a partial hour
        assertThat(usage.quantity(account, BUILD, hour + 1_001, hour + 7_200 + 1_999)).isEqualByComparingTo("12");
        assertThat(usage.quantity(account, BUILD, hour + 1_001, hour + 7_200 + 2_000)).isEqualByComparingTo("28");
        // inside one hour
        assertThat(usage.quantity(account, BUILD, hour + 1_000, hour + 1_001)).isEqualByComparingTo("2");
        // a plan change at hour + 1001 splits the period with nothing lost or counted twice
        assertThat(usage.quantity(account, BUILD, FEB, hour + 1_001).add(usage.quantity(account, BUILD, hour + 1_001, MAR)))
                .isEqualByComparingTo(usage.quantity(account, BUILD, FEB, MAR)).isEqualByComparingTo("31");
    }

    @Test
    void lateEventsWithinTheBackdatingWindowCountInTheirOwnHour() {
        String account = customer();
        assertThat(pipeline.send(msg(event(eventId(), account, BUILD, "3", FEB + 3_600 + 5)))).isEmpty();
        clock.set(NOW.plusSeconds(86_400)); // a day later, an event for the same February hour arrives
        assertThat(pipeline.send(msg(event(eventId(), account, BUILD, "4", FEB + 3_600 + 10)))).isEmpty();

        assertThat(usage.rows(account, BUILD, FEB, MAR, UsageQuery.Granularity.HOUR, null)).containsExactly(
                new UsageQuery.UsageRow(FEB + 3_600, FEB + 7_200, "", new BigDecimal("7"), 2));
    }

    // ------------------------------------------------------------------------------------------------ rejection

    /** (account, event id) to the message body. */
    interface Body extends BiFunction<String, String, String> {
    }

    Stream<Arguments> invalidEvents() {
        long now = NOW.getEpochSecond();
        return Stream.of(
                Arguments.of("unknown account", RejectionReason.UNKNOWN_ACCOUNT,
                        (Body) (account, id) -> event(id, "nobody_" + id, BUILD, "1", FEB + 60)),
                Arguments.of("unknown meter", RejectionReason.UNKNOWN_METER,
                        (Body) (account, id) -> event(id, account, "gpu_seconds", "1", FEB + 60)),
                Arguments.of("negative quantity", RejectionReason.NEGATIVE_QUANTITY,
                        (Body) (account, id) -> event(id, account, BUILD, "-0.5", FEB + 60)),
                Arguments.of("-1 sent as an unsigned 64-bit integer", RejectionReason.QUANTITY_ABOVE_MAXIMUM,
                        (Body) (account, id) -> event(id, account, BUILD, "18446744073709551615", FEB + 60)),
                Arguments.of("timestamp 301 s after the clock", RejectionReason.TIMESTAMP_IN_FUTURE,
                        (Body) (account, id) -> event(id, account, BUILD, "1", now + 301)),
                Arguments.of("timestamp 35 days and 1 s before the clock", RejectionReason.TIMESTAMP_TOO_OLD,
                        (Body) (account, id) -> event(id, account, BUILD, "1", now - 35 * 86_400 - 1)),
                Arguments.of("malformed JSON", RejectionReason.MALFORMED_JSON,
                        (Body) (account, id) -> "{\"id\":\"" + id + "\",\"account\":\"" + account + "\",\"meter\":"),
                Arguments.of("missing quantity", RejectionReason.INVALID_FIELD,
                        (Body) (account, id) -> "{\"id\":\"" + id + "\",\"account\":\"" + account
                                + "\",\"meter\":\"build_minutes\",\"timestamp\":" + (FEB + 60) + "}"),
                Arguments.of("an item above DynamoDB's 400 KB", RejectionReason.ITEM_TOO_LARGE,
                        (Body) (account, id) -> "{\"id\":\"" + id + "\",\"account\":\"" + account + "\",\"meter\":\"build_minutes\","
                                + "\"quantity\":1,\"timestamp\":" + (FEB + 60) + ",\"properties\":{\"blob\":\"" + "x".repeat(420_000) + "\"}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidEvents")
    void anInvalidEventIsKeptWithItsReasonAndNeverBlocksTheValidOneBesideIt(String name, RejectionReason reason, Body body) {
        String account = customer();
        String id = eventId();
        QueuedMessage message = msg("[" + body.apply(account, id) + "," + event(eventId(), account, BUILD, "2", FEB + 120) + "]");
        if (reason == RejectionReason.MALFORMED_JSON) {
            message = msg(body.apply(account, id));
        }

        long rejected = metrics.total(MetricNames.USAGE_EVENTS_REJECTED);
        assertThat(pipeline.send(message)).as("a rejected event is handled, not retried").isEmpty();
        assertThat(metrics.total(MetricNames.USAGE_EVENTS_REJECTED) - rejected).isEqualTo(1);

        UsageRejectionItem rejection = rejection(message.id(), 0);
        assertThat(rejection).as("rejection of " + name).isNotNull();
        assertThat(rejection.reason).isEqualTo(reason.name());
        assertThat(rejection.detail).isNotBlank();
        assertThat(rejection.receivedAt).isEqualTo(NOW.getEpochSecond());
        assertThat(rejection.eventId).isEqualTo(reason == RejectionReason.MALFORMED_JSON ? null : id);
        if (reason == RejectionReason.MALFORMED_JSON) {
            assertThat(rejection.bodyText()).isEqualTo(message.body());
        } else {
            assertThat(rejection.bodyText()).isEqualTo(body.apply(account, id));
            assertThat(usage.quantity(account, BUILD, FEB, MAR)).as("the valid event beside it").isEqualByComparingTo("2");
        }
    }

    @Test
    void anOversizedEventIsKeptCompressedAndCanBeReadBack() {
        String account = customer();
        String id = eventId();
        String big = "{\"id\":\"" + id + "\",\"account\":\"" + account + "\",\"meter\":\"build_minutes\",\"quantity\":1,"
                + "\"timestamp\":" + (FEB + 60) + ",\"properties\":{\"blob\":\"" + "ab".repeat(300_000) + "\"}}";
        QueuedMessage message = msg(big);
        assertThat(pipeline.send(message)).isEmpty();
        UsageRejectionItem rejection = rejection(message.id(), 0);
        assertThat(rejection.reason).isEqualTo("ITEM_TOO_LARGE");
        assertThat(rejection.body).isNull();
        assertThat(rejection.bodyGzip.asByteArray().length).isLessThan(100_000);
        assertThat(rejection.bodyText()).isEqualTo(big);
    }

    // ------------------------------------------------------------------------------------------ crash and retry

    @Test
    void aCrashAfterTheInsertCommittedFailsTheMessageAndTheRedeliveryCountsNothingTwice() {
        String account = customer();
        QueuedMessage message = msg(array(event(eventId(), account, BUILD, "1", FEB + 60), event(eventId(), account, BUILD, "2", FEB + 61)));
        DynamoDbFault crash = DynamoDbFault.on("BatchExecuteStatement").afterCall().times(3);
        UsageIngestService crashing = service(FaultInjectingDynamoDb.wrap(backend().dynamoDb(), crash));

        assertThat(crashing.ingest(List.of(new UsageIngestService.Message(message.id(), message.body()))).get(0).failed()).isTrue();
        assertThat(crash.fired()).isEqualTo(3);
        assertThat(pipeline.send(message)).isEmpty();

        assertThat(usage.quantity(account, BUILD, FEB, MAR)).isEqualByComparingTo("3");
        assertThat(usage.value(account, BUILD, FEB, MAR, d -> true).count()).isEqualTo(2);
    }

    @Test
    void aFailureBeforeTheInsertFailsOnlyThatMessageAndTheRedeliveryCountsItOnce() {
        String account = customer();
        QueuedMessage message = msg(event(eventId(), account, BUILD, "4", FEB + 60));
        DynamoDbFault fail = DynamoDbFault.on("BatchExecuteStatement").beforeCall().times(3);
        UsageIngestService failing = service(FaultInjectingDynamoDb.wrap(backend().dynamoDb(), fail));

        List<UsageIngestService.MessageResult> results = failing.ingest(List.of(new UsageIngestService.Message(message.id(), message.body())));
        assertThat(results.get(0).outcomes()).containsExactly(IngestOutcome.RETRY);
        pipeline.drain();
        assertThat(usage.quantity(account, BUILD, FEB, MAR)).isEqualByComparingTo("0");

        assertThat(pipeline.send(message)).isEmpty();
        assertThat(usage.quantity(account, BUILD, FEB, MAR)).isEqualByComparingTo("4");
    }

    @Test
    void aBucketBatchDeliveredAgainAfterItsTransactionCommittedAddsNothing() {
        String account = customer();
        try (StreamTail tail = UsagePipeline.streamTail(backend(), "UsageEventsTable")) {
            assertThat(failures(handler.handleRequest(sqs(msg(array(
                    event(eventId(), account, BUILD, "1.5", FEB + 60), event(eventId(), account, PULLS, "10", FEB + 61),
                    event(eventId(), account, BUILD, "2.5", FEB + 7_200)))), null))).isEmpty();
            List<DynamodbEvent> batches = tail.poll();
            for (DynamodbEvent batch : batches) {
                // Lambda delivers the batch, the function dies after committing, Lambda delivers it again, twice
                bucketsHandler.handleRequest(batch, null);
                bucketsHandler.handleRequest(batch, null);
                bucketsHandler.handleRequest(batch, null);
            }
        }
        assertThat(usage.quantity(account, BUILD, FEB, MAR)).isEqualByComparingTo("4");
        assertThat(usage.quantity(account, PULLS, FEB, MAR)).isEqualByComparingTo("10");
    }

    @Test
    void aBucketRetryThatCarriesMoreRecordsAppliesOnlyTheNewOnes() {
        String account = customer();
        try (StreamTail tail = UsagePipeline.streamTail(backend(), "UsageEventsTable")) {
            handler.handleRequest(sqs(msg(array(event(eventId(), account, BUILD, "1", FEB + 60), event(eventId(), account, BUILD, "2", FEB + 61)))), null);
            List<DynamodbEvent.DynamodbStreamRecord> first = new ArrayList<>();
            tail.poll().forEach(b -> first.addAll(b.getRecords()));
            handler.handleRequest(sqs(msg(event(eventId(), account, BUILD, "4", FEB + 62))), null);
            List<DynamodbEvent.DynamodbStreamRecord> more = new ArrayList<>(first);
            tail.poll().forEach(b -> more.addAll(b.getRecords()));
            assertThat(more).hasSize(3);

            bucketsHandler.handleRequest(batch(first), null);
            bucketsHandler.handleRequest(batch(more), null); // the retry starts at the same record and goes further
        }
        assertThat(usage.quantity(account, BUILD, FEB, MAR)).isEqualByComparingTo("7");
        assertThat(usage.value(account, BUILD, FEB, MAR, d -> true).count()).isEqualTo(3);
    }

    @Test
    void aBucketTransactionThatFailsIsReportedAtItsFirstRecordAndTheRetryCountsOnce() {
        String account = customer();
        try (StreamTail tail = UsagePipeline.streamTail(backend(), "UsageEventsTable")) {
            handler.handleRequest(sqs(msg(array(event(eventId(), account, BUILD, "1", FEB + 60), event(eventId(), account, BUILD, "2", FEB + 61)))), null);
            List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
            tail.poll().forEach(b -> records.addAll(b.getRecords()));
            DynamoDbFault crash = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems").afterCall());
            var response = bucketsHandler.handleRequest(batch(records), null);
            DynamoDbFaultInterceptor.disarmAll();
            assertThat(crash.fired()).isEqualTo(1);
            assertThat(response.getBatchItemFailures()).hasSize(1);
            assertThat(response.getBatchItemFailures().get(0).getItemIdentifier()).isEqualTo(records.get(0).getDynamodb().getSequenceNumber());

            bucketsHandler.handleRequest(batch(records), null);
        }
        assertThat(usage.quantity(account, BUILD, FEB, MAR)).isEqualByComparingTo("3");
    }

    @Test
    void aHotAccountAndMeterWithEightConcurrentConsumersFailsNoMessageAndCountsEveryEventOnce() throws Exception {
        String account = customer();
        int consumers = 8;
        int perConsumer = 25;
        List<List<QueuedMessage>> work = new ArrayList<>();
        List<QueuedMessage> all = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            List<QueuedMessage> mine = new ArrayList<>();
            for (int m = 0; m < perConsumer; m++) {
                List<String> events = new ArrayList<>();
                for (int e = 0; e < 4; e++) {
                    events.add(event(eventId(), account, BUILD, "0.25", FEB + 3_600 + c * 100 + m));
                }
                QueuedMessage message = msg(array(events.toArray(String[]::new)));
                mine.add(message);
                all.add(message);
            }
            work.add(mine);
        }
        CyclicBarrier start = new CyclicBarrier(consumers);
        ExecutorService pool = Executors.newFixedThreadPool(consumers);
        List<Future<List<String>>> results = new ArrayList<>();
        try {
            for (List<QueuedMessage> mine : work) {
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    List<String> failed = new ArrayList<>();
                    for (int from = 0; from < mine.size(); from += 10) {
                        failed.addAll(failures(handler.handleRequest(sqs(mine.subList(from, Math.min(mine.size(), from + 10))
                                .toArray(QueuedMessage[]::new)), null)));
                    }
                    return failed;
                }));
            }
            for (Future<List<String>> r : results) {
                assertThat(r.get(60, TimeUnit.SECONDS)).as("failed receives").isEmpty();
            }
        } finally {
            pool.shutdownNow();
        }
        // and every message again, concurrently with nothing: all duplicates
        assertThat(pipeline.send(all.subList(0, 10).toArray(QueuedMessage[]::new))).isEmpty();
        pipeline.drain();

        // 8 * 25 * 4 = 800 events of 0.25
        assertThat(usage.quantity(account, BUILD, FEB, MAR)).isEqualByComparingTo("200");
        assertThat(usage.value(account, BUILD, FEB, MAR, d -> true).count()).isEqualTo(800);
    }

    // -------------------------------------------------------------------------------------------------- helpers

    static QueuedMessage msg(String body) {
        return SqsMessages.message(body);
    }

    static SQSEvent sqs(QueuedMessage... messages) {
        return SqsMessages.event("events/sqs-usage.json", messages);
    }

    static List<String> failures(SQSBatchResponse response) {
        return SqsMessages.failures(response);
    }

    static DynamodbEvent batch(List<DynamodbEvent.DynamodbStreamRecord> records) {
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(records);
        return event;
    }

    /** A usage event as compact JSON; {@code quantity} is the JSON number text, written as is. */
    static String event(String id, String account, String meter, String quantity, long timestamp) {
        return "{\"id\":\"" + id + "\",\"account\":\"" + account + "\",\"meter\":\"" + meter + "\",\"quantity\":"
                + quantity + ",\"timestamp\":" + timestamp + "}";
    }

    static String array(String... events) {
        return "[" + String.join(",", events) + "]";
    }

    static String eventId() {
        return TallyFixtures.uniqueId("evt");
    }

    private String customer() {
        String account = TallyFixtures.uniqueId("org");
        TallyFixtures.seedCustomer(tables, account, "team", FEB, FEB);
        return account;
    }

    private UsageIngestService service(DynamoDbClient client) {
        TallyTables t = new TallyTables(client, Env.of(env));
        return new UsageIngestService(new DynamoDbUsageStore(client, t.usageEventsTable, t.usageBucketsTable, clock), t,
                CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE), clock, UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS,
                metrics);
    }

    private UsageRejectionItem rejection(String messageId, int index) {
        return tables.usageRejections.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(messageId + "#" + index)));
    }

    private static long epoch(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }
}
