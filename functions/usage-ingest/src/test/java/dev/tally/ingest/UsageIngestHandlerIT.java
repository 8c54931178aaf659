package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.store.UsageAggregateItem;
import dev.tally.store.UsageEventItem;
import dev.tally.store.UsageRejectionItem;
import dev.tally.testsupport.SqsMessages;
import dev.tally.testsupport.SqsMessages.QueuedMessage;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.DynamoDbFault;
import dev.tally.testsupport.DynamoDbFaultInterceptor;
import dev.tally.testsupport.FaultInjectingDynamoDb;
import dev.tally.testsupport.MutableClock;
import dev.tally.testsupport.TallyFixtures;
import dev.tally.usage.IngestOutcome;
import dev.tally.usage.RejectionReason;
import dev.tally.usage.UsageIngestService;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

/**
 * {@link UsageIngestHandler}, built with its real constructor from the template's environment, against DynamoDB on
 * an {@link AwsBackend}: usage events are counted exactly once whatever SQS does to them (redelivery, duplicates,
 * reordering, concurrent delivery, a crash between writes), and invalid ones are kept with a reason instead of being
 * retried. Every test has its own account, so the tables can be shared.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class UsageIngestHandlerIT {

    /** SnapStart priming (beforeCheckpoint) only reads, needs no secret, and runs against the real tables. */
    @Test
    void primingRunsWithoutSecretsOrWrites() {
        assertThatCode(handler::prime).doesNotThrowAnyException();
    }
    static final long ANCHOR = epoch("2026-01-01T00:00:00Z");
    static final long FEB = epoch("2026-02-01T00:00:00Z");
    static final long MAR = epoch("2026-03-01T00:00:00Z");
    static final long APR = epoch("2026-04-01T00:00:00Z");
    /** The handler's clock; the subscriptions' billing cursor is on February, so February and March are open. */
    static final Instant NOW = Instant.parse("2026-03-10T12:00:00Z");
    static final String BUILD = "build_minutes";
    static final String PULLS = "image_pulls";

    private final MutableClock clock = MutableClock.at(NOW);
    private Map<String, String> env;
    private TallyTables tables;
    private UsageIngestHandler handler;

    /** The backend to run against: a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        env = backend().functionEnvironment("UsageIngestFunction");
        tables = new TallyTables(backend().dynamoDb(), Env.of(env));
        handler = new UsageIngestHandler(env, clock);
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
    void disarmFaults() {
        DynamoDbFaultInterceptor.disarmAll();
    }

    // ------------------------------------------------------------------------------------------------- counting

    @Test
    void countsSingleObjectAndArrayBodiesExactly() {
        String account = customer();
        String e1 = eventId();
        String e2 = eventId();
        String e3 = eventId();
        String e4 = eventId();
        QueuedMessage single = msg(event(e1, account, BUILD, "12.5", FEB + 3_600));
        QueuedMessage array = msg(array(
                event(e2, account, BUILD, "0.25", FEB + 7_200),
                event(e3, account, BUILD, "7", FEB + 10_800),
                event(e4, account, PULLS, "3", FEB + 14_400)));

        SQSBatchResponse response = handler.handleRequest(sqs(single, array), null);

        assertThat(failures(response)).isEmpty();
        UsageAggregateItem build = aggregate(account, FEB, BUILD);
        assertThat(build.quantity).isEqualByComparingTo("19.75"); // 12.5 + 0.25 + 7
        assertThat(build.eventCount).isEqualTo(3L);
        assertThat(build.accountId).isEqualTo(account);
        assertThat(build.subscriptionId).isEqualTo("sub_" + account);
        assertThat(build.planId).as("carried for billing-alerts").isEqualTo("team");
        assertThat(build.periodStart).isEqualTo(FEB);
        assertThat(build.periodEnd).isEqualTo(MAR);
        UsageAggregateItem pulls = aggregate(account, FEB, PULLS);
        assertThat(pulls.quantity).isEqualByComparingTo("3");
        assertThat(pulls.eventCount).isEqualTo(1L);

        UsageEventItem first = eventRecord(e1);
        assertThat(first.accountId).isEqualTo(account);
        assertThat(first.meter).isEqualTo(BUILD);
        assertThat(first.quantity).isEqualByComparingTo("12.5");
        assertThat(first.timestamp).isEqualTo(FEB + 3_600);
        assertThat(first.periodStart).isEqualTo(FEB);
        assertThat(first.aggregateKey).isEqualTo(account + "#" + FEB + "#" + BUILD);
        assertThat(first.sourceMessageId).isEqualTo(single.id());
        assertThat(first.receivedAt).isEqualTo(NOW.getEpochSecond());
        assertThat(first.deliveries).isEqualTo(1L);
        assertThat(eventRecord(e2).quantity).isEqualByComparingTo("0.25");
        assertThat(eventRecord(e4).sourceMessageId).isEqualTo(array.id());
        assertThat(rejectionsOf(single.id(), array.id())).isEmpty();
    }

    @Test
    void aRedeliveredMessageCountsOnceAndItsDeliveriesAreCounted() {
        String account = customer();
        String e1 = eventId();
        String e2 = eventId();
        QueuedMessage message = msg(array(event(e1, account, BUILD, "1.5", FEB + 60), event(e2, account, BUILD, "2", FEB + 120)));

        for (int delivery = 1; delivery <= 3; delivery++) {
            assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();
        }

        UsageAggregateItem build = aggregate(account, FEB, BUILD);
        assertThat(build.quantity).isEqualByComparingTo("3.5");
        assertThat(build.eventCount).isEqualTo(2L);
        assertThat(eventRecord(e1).deliveries).isEqualTo(3L);
        assertThat(eventRecord(e2).deliveries).isEqualTo(3L);
    }

    @Test
    void theSameEventIdInAnotherMessageOrTwiceInOneArrayCountsOnce() {
        String account = customer();
        String id = eventId();
        String original = event(id, account, BUILD, "4.25", FEB + 60);
        // a producer retry may even change the payload: the id alone decides, the first arrival wins
        String retried = event(id, account, BUILD, "99", FEB + 61);
        QueuedMessage twiceInOneArray = msg(array(original, original));
        QueuedMessage inAnotherMessage = msg(retried);

        assertThat(failures(handler.handleRequest(sqs(twiceInOneArray), null))).isEmpty();
        assertThat(failures(handler.handleRequest(sqs(inAnotherMessage), null))).isEmpty();

        UsageAggregateItem build = aggregate(account, FEB, BUILD);
        assertThat(build.quantity).isEqualByComparingTo("4.25");
        assertThat(build.eventCount).isEqualTo(1L);
        UsageEventItem record = eventRecord(id);
        assertThat(record.deliveries).isEqualTo(3L);
        assertThat(record.quantity).isEqualByComparingTo("4.25");
        assertThat(record.sourceMessageId).isEqualTo(twiceInOneArray.id());
    }

    @Test
    void eventsOfOnePeriodSumTheSameInAnyOrder() {
        String inOrder = customer();
        String shuffled = customer();
        List<String> quantities = List.of("0.25", "1", "2.5", "0.75", "10", "0.125", "3", "0.001", "7.5", "12");
        List<Integer> order = new ArrayList<>(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        Collections.shuffle(order, new Random(42));

        List<String> ordered = new ArrayList<>();
        List<String> reordered = new ArrayList<>();
        for (int i = 0; i < quantities.size(); i++) {
            ordered.add(event(eventId(), inOrder, BUILD, quantities.get(i), FEB + 3_600L * i));
            int j = order.get(i);
            reordered.add(event(eventId(), shuffled, BUILD, quantities.get(j), FEB + 3_600L * j));
        }
        // in order, one event per message; out of order, across messages and inside an array, newest first
        List<QueuedMessage> orderedMessages = ordered.stream().map(UsageIngestHandlerIT::msg).toList();
        QueuedMessage firstHalf = msg(array(reordered.subList(0, 5).reversed().toArray(String[]::new)));
        QueuedMessage secondHalf = msg(array(reordered.subList(5, 10).toArray(String[]::new)));
        assertThat(failures(handler.handleRequest(sqs(orderedMessages.toArray(QueuedMessage[]::new)), null))).isEmpty();
        assertThat(failures(handler.handleRequest(sqs(secondHalf, firstHalf), null))).isEmpty();

        // 0.25 + 1 + 2.5 + 0.75 + 10 + 0.125 + 3 + 0.001 + 7.5 + 12 = 37.126
        assertThat(aggregate(inOrder, FEB, BUILD).quantity).isEqualByComparingTo("37.126");
        assertThat(aggregate(shuffled, FEB, BUILD).quantity).isEqualByComparingTo("37.126");
        assertThat(aggregate(shuffled, FEB, BUILD).eventCount).isEqualTo(10L);
    }

    @Test
    void eventsOfTwoBillingPeriodsGoToTwoAggregates() {
        String account = customer();
        // March events first, February's last second and March's first second on either side of the boundary
        QueuedMessage message = msg(array(
                event(eventId(), account, BUILD, "5", MAR + 86_400),
                event(eventId(), account, BUILD, "0.5", MAR - 1),
                event(eventId(), account, BUILD, "2", MAR),
                event(eventId(), account, BUILD, "1.25", FEB)));

        assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();

        UsageAggregateItem february = aggregate(account, FEB, BUILD);
        assertThat(february.periodKey).isEqualTo(account + "#" + FEB);
        assertThat(february.quantity).isEqualByComparingTo("1.75");
        assertThat(february.eventCount).isEqualTo(2L);
        assertThat(february.periodEnd).isEqualTo(MAR);
        UsageAggregateItem march = aggregate(account, MAR, BUILD);
        assertThat(march.periodKey).isEqualTo(account + "#" + MAR);
        assertThat(march.quantity).isEqualByComparingTo("7");
        assertThat(march.eventCount).isEqualTo(2L);
        assertThat(march.periodStart).isEqualTo(MAR);
        assertThat(march.periodEnd).isEqualTo(APR);
    }

    // ------------------------------------------------------------------------------------------------ rejection

    /** (account with a subscription from January, event id) to the message body. */
    interface Body extends BiFunction<String, String, String> {
    }

    Stream<Arguments> invalidEvents() {
        long soon = NOW.getEpochSecond();
        return Stream.of(
                Arguments.of("unknown account", RejectionReason.UNKNOWN_ACCOUNT,
                        (Body) (account, id) -> event(id, "nobody_" + id, BUILD, "1", FEB + 60)),
                Arguments.of("unknown meter", RejectionReason.UNKNOWN_METER,
                        (Body) (account, id) -> event(id, account, "gpu_seconds", "1", FEB + 60)),
                Arguments.of("negative quantity", RejectionReason.NEGATIVE_QUANTITY,
                        (Body) (account, id) -> event(id, account, BUILD, "-0.5", FEB + 60)),
                Arguments.of("timestamp 301 s after the clock", RejectionReason.TIMESTAMP_IN_FUTURE,
                        (Body) (account, id) -> event(id, account, BUILD, "1", soon + 301)),
                Arguments.of("malformed JSON", RejectionReason.MALFORMED_JSON,
                        (Body) (account, id) -> "{\"id\":\"" + id + "\",\"account\":\"" + account + "\",\"meter\":"),
                Arguments.of("missing quantity", RejectionReason.INVALID_FIELD,
                        (Body) (account, id) -> "{\"id\":\"" + id + "\",\"account\":\"" + account
                                + "\",\"meter\":\"build_minutes\",\"timestamp\":" + (FEB + 60) + "}"),
                Arguments.of("missing account", RejectionReason.INVALID_FIELD,
                        (Body) (account, id) -> "{\"id\":\"" + id + "\",\"meter\":\"build_minutes\",\"quantity\":1,"
                                + "\"timestamp\":" + (FEB + 60) + "}"),
                Arguments.of("before the subscription started", RejectionReason.NO_SUBSCRIPTION,
                        (Body) (account, id) -> event(id, account, BUILD, "1", ANCHOR - 86_400)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidEvents")
    void anInvalidEventIsKeptWithItsReasonAndNotRetried(String name, RejectionReason reason, Body body) {
        String account = customer();
        String id = eventId();
        QueuedMessage message = msg(body.apply(account, id));

        SQSBatchResponse response = handler.handleRequest(sqs(message), null);

        assertThat(failures(response)).as("a rejected event is handled, not retried").isEmpty();
        UsageRejectionItem rejection = rejection(message.id(), 0);
        assertThat(rejection).as("rejection of " + name).isNotNull();
        assertThat(rejection.reason).isEqualTo(reason.name());
        assertThat(rejection.detail).isNotBlank();
        assertThat(rejection.body).isEqualTo(message.body());
        assertThat(rejection.messageId).isEqualTo(message.id());
        assertThat(rejection.receivedAt).isEqualTo(NOW.getEpochSecond());
        // The id is kept whenever the body is a JSON object that names one, even if the event is otherwise invalid.
        assertThat(rejection.eventId).isEqualTo(reason == RejectionReason.MALFORMED_JSON ? null : id);
        assertThat(eventRecord(id)).isNull();
        assertThat(aggregate(account, FEB, BUILD)).isNull();
    }

    @Test
    void anAccountWithoutSubscriptionIsRejected() {
        String account = TallyFixtures.uniqueId("org");
        TallyFixtures.seedCustomer(tables, account, "team", ANCHOR, FEB);
        tables.subscriptions.deleteItem(r -> r.key(k -> k.partitionValue("sub_" + account)));
        QueuedMessage message = msg(event(eventId(), account, BUILD, "1", FEB + 60));

        assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();

        assertThat(rejection(message.id(), 0).reason).isEqualTo(RejectionReason.NO_SUBSCRIPTION.name());
        assertThat(rejection(message.id(), 0).accountId).isEqualTo(account);
    }

    @Test
    void aSubscriptionOnNoCatalogPlanBillsNoUsage() {
        String account = TallyFixtures.uniqueId("org");
        TallyFixtures.seedCustomer(tables, account, "team", ANCHOR, FEB);
        SubscriptionItem unpriced = TallyFixtures.subscription("sub_" + account, account, "team", ANCHOR, FEB);
        unpriced.planId = null; // the webhook found none of its prices in the catalog
        tables.subscriptions.putItem(unpriced);
        QueuedMessage message = msg(event(eventId(), account, BUILD, "1", FEB + 60));

        assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();

        assertThat(rejection(message.id(), 0).reason).isEqualTo(RejectionReason.NO_SUBSCRIPTION.name());
        assertThat(aggregate(account, FEB, BUILD)).isNull();
    }

    @Test
    void theFutureLimitIsFiveMinutesAfterTheInjectedClock() {
        String account = customer();
        long now = NOW.getEpochSecond();
        String atLimit = eventId();
        String late = eventId();
        QueuedMessage limit = msg(event(atLimit, account, BUILD, "1", now + 300));
        QueuedMessage tooEarly = msg(event(late, account, BUILD, "2", now + 600));

        assertThat(failures(handler.handleRequest(sqs(limit, tooEarly), null))).isEmpty();
        assertThat(eventRecord(atLimit)).isNotNull();
        assertThat(rejection(tooEarly.id(), 0).reason).isEqualTo(RejectionReason.TIMESTAMP_IN_FUTURE.name());

        // five minutes later the same event is acceptable: replayed (as `tally usage replay` does), it counts
        clock.advance(Duration.ofMinutes(5));
        assertThat(failures(handler.handleRequest(sqs(msg(tooEarly.body())), null))).isEmpty();

        UsageAggregateItem march = aggregate(account, MAR, BUILD);
        assertThat(march.quantity).isEqualByComparingTo("3");
        assertThat(march.eventCount).isEqualTo(2L);
    }

    @Test
    void aMixedArrayCountsTheValidEventsAndRejectsEachInvalidOne() {
        String account = customer();
        String valid1 = eventId();
        String valid2 = eventId();
        String unknownMeter = event(eventId(), account, "gpu_seconds", "1", FEB + 60);
        String negative = event(eventId(), account, BUILD, "-3", FEB + 60);
        QueuedMessage message = msg(array(
                event(valid1, account, BUILD, "1.5", FEB + 60),
                unknownMeter,
                event(valid2, account, PULLS, "250", FEB + 120),
                negative,
                "42",
                event(valid1, account, BUILD, "1.5", FEB + 60)));

        assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();

        assertThat(aggregate(account, FEB, BUILD).quantity).isEqualByComparingTo("1.5");
        assertThat(aggregate(account, FEB, BUILD).eventCount).isEqualTo(1L);
        assertThat(aggregate(account, FEB, PULLS).quantity).isEqualByComparingTo("250");
        assertThat(eventRecord(valid1).deliveries).isEqualTo(2L);
        assertThat(rejection(message.id(), 0)).isNull();
        assertThat(rejection(message.id(), 1).reason).isEqualTo(RejectionReason.UNKNOWN_METER.name());
        assertThat(rejection(message.id(), 1).body).isEqualTo(unknownMeter);
        assertThat(rejection(message.id(), 2)).isNull();
        assertThat(rejection(message.id(), 3).reason).isEqualTo(RejectionReason.NEGATIVE_QUANTITY.name());
        assertThat(rejection(message.id(), 3).body).isEqualTo(negative);
        assertThat(rejection(message.id(), 4).reason).isEqualTo(RejectionReason.MALFORMED_JSON.name());
        assertThat(rejection(message.id(), 4).body).isEqualTo("42");
        assertThat(rejection(message.id(), 5)).isNull();
        assertThat(rejectionsOf(message.id())).hasSize(3);
    }

    @Test
    void aRedeliveredInvalidMessageOverwritesItsOwnRejection() {
        String account = customer();
        QueuedMessage message = msg("not json at all");

        handler.handleRequest(sqs(message), null);
        handler.handleRequest(sqs(message), null);

        assertThat(rejectionsOf(message.id())).singleElement().satisfies(r -> {
            assertThat(r.rejectionId).isEqualTo(message.id() + "#0");
            assertThat(r.reason).isEqualTo(RejectionReason.MALFORMED_JSON.name());
            assertThat(r.body).isEqualTo("not json at all");
        });
        assertThat(aggregate(account, FEB, BUILD)).isNull();
    }

    @Test
    void aClosedPeriodTakesNoMoreUsage() {
        String account = customer();
        String before = eventId();
        assertThat(failures(handler.handleRequest(sqs(msg(event(before, account, BUILD, "10", FEB + 60))), null))).isEmpty();
        closePeriod(account, FEB);

        String late = eventId();
        String march = eventId();
        String january = eventId();
        QueuedMessage lateForFebruary = msg(event(late, account, BUILD, "5", FEB + 120));
        QueuedMessage forMarch = msg(event(march, account, BUILD, "1", MAR + 60));
        // January is before the subscription's billing cursor: already invoiced
        QueuedMessage forJanuary = msg(event(january, account, BUILD, "1", ANCHOR + 60));
        assertThat(failures(handler.handleRequest(sqs(lateForFebruary, forMarch, forJanuary), null))).isEmpty();

        assertThat(rejection(lateForFebruary.id(), 0).reason).isEqualTo(RejectionReason.PERIOD_CLOSED.name());
        assertThat(rejection(lateForFebruary.id(), 0).body).isEqualTo(lateForFebruary.body());
        assertThat(rejection(forJanuary.id(), 0).reason).isEqualTo(RejectionReason.PERIOD_CLOSED.name());
        assertThat(eventRecord(late)).isNull();
        assertThat(eventRecord(january)).isNull();
        UsageAggregateItem february = aggregate(account, FEB, BUILD);
        assertThat(february.quantity).isEqualByComparingTo("10");
        assertThat(february.eventCount).isEqualTo(1L);
        assertThat(aggregate(account, MAR, BUILD).quantity).isEqualByComparingTo("1");
        assertThat(aggregate(account, ANCHOR, BUILD)).isNull();
    }

    // --------------------------------------------------------------------------------------- crashes and faults

    @Test
    void aCrashAfterTheTransactionCommittedFailsTheMessageAndTheRedeliveryCountsNothingTwice() {
        String account = customer();
        String e1 = eventId();
        String e2 = eventId();
        QueuedMessage message = msg(array(event(e1, account, BUILD, "4.5", FEB + 60), event(e2, account, BUILD, "0.5", FEB + 120)));
        DynamoDbFault crash = DynamoDbFaultInterceptor.arm(
                DynamoDbFault.on("TransactWriteItems").onTable(tables.usageEvents.tableName()).afterCall());

        SQSBatchResponse first = handler.handleRequest(sqs(message), null);
        DynamoDbFaultInterceptor.disarmAll();

        assertThat(crash.fired()).isEqualTo(1);
        assertThat(failures(first)).containsExactly(message.id());
        // the first event's transaction committed before the crash; the second event was never reached
        assertThat(aggregate(account, FEB, BUILD).quantity).isEqualByComparingTo("4.5");
        assertThat(eventRecord(e1).deliveries).isEqualTo(1L);
        assertThat(eventRecord(e2)).isNull();

        SQSBatchResponse redelivery = handler.handleRequest(sqs(message), null);

        assertThat(failures(redelivery)).isEmpty();
        UsageAggregateItem build = aggregate(account, FEB, BUILD);
        assertThat(build.quantity).isEqualByComparingTo("5");
        assertThat(build.eventCount).isEqualTo(2L);
        assertThat(eventRecord(e1).deliveries).isEqualTo(2L);
        assertThat(eventRecord(e2).deliveries).isEqualTo(1L);
        assertThat(rejectionsOf(message.id())).isEmpty();
    }

    @Test
    void aFailureBeforeTheTransactionFailsTheMessageAndTheRedeliveryCountsItOnce() {
        String account = customer();
        String id = eventId();
        QueuedMessage message = msg(event(id, account, BUILD, "0.75", FEB + 60));
        DynamoDbFault crash = DynamoDbFaultInterceptor.arm(
                DynamoDbFault.on("TransactWriteItems").onTable(tables.usageAggregates.tableName()));

        SQSBatchResponse first = handler.handleRequest(sqs(message), null);
        DynamoDbFaultInterceptor.disarmAll();

        assertThat(crash.fired()).isEqualTo(1);
        assertThat(failures(first)).containsExactly(message.id());
        assertThat(eventRecord(id)).isNull();
        assertThat(aggregate(account, FEB, BUILD)).isNull();

        assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();

        assertThat(aggregate(account, FEB, BUILD).quantity).isEqualByComparingTo("0.75");
        assertThat(aggregate(account, FEB, BUILD).eventCount).isEqualTo(1L);
        assertThat(eventRecord(id).deliveries).isEqualTo(1L);
    }

    @Test
    void aServiceCrashingBetweenTwoEventsOfAMessageLeavesWorkThatTheRedeliveryFinishesOnce() {
        String account = customer();
        String e1 = eventId();
        String e2 = eventId();
        String e3 = eventId();
        QueuedMessage message = msg(array(event(e1, account, BUILD, "1", FEB + 60), event(e2, account, BUILD, "0.25", FEB + 120),
                event(e3, account, BUILD, "0.5", FEB + 180)));
        // the second event's transaction commits, then the process dies before the third
        DynamoDbFault crash = DynamoDbFault.on("TransactWriteItems").onTable(tables.usageAggregates.tableName())
                .onCall(2).afterCall();
        UsageIngestService crashing = service(FaultInjectingDynamoDb.wrap(backend().dynamoDb(), crash));

        assertThatThrownBy(() -> crashing.ingest(message.id(), message.body()))
                .isInstanceOf(SdkClientException.class).hasMessageStartingWith(DynamoDbFault.MESSAGE);
        assertThat(crash.fired()).isEqualTo(1);
        assertThat(aggregate(account, FEB, BUILD).quantity).isEqualByComparingTo("1.25");
        assertThat(eventRecord(e3)).isNull();

        assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();

        UsageAggregateItem build = aggregate(account, FEB, BUILD);
        assertThat(build.quantity).isEqualByComparingTo("1.75");
        assertThat(build.eventCount).isEqualTo(3L);
        assertThat(List.of(eventRecord(e1).deliveries, eventRecord(e2).deliveries, eventRecord(e3).deliveries))
                .containsExactly(2L, 2L, 1L);
    }

    @Test
    void aCrashWhileNotingADuplicateLosesNothingAndAddsNothing() {
        String account = customer();
        String id = eventId();
        QueuedMessage message = msg(event(id, account, BUILD, "2", FEB + 60));
        assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();
        DynamoDbFault crash = DynamoDbFault.on("UpdateItem").onTable(tables.usageEvents.tableName());
        UsageIngestService crashing = service(FaultInjectingDynamoDb.wrap(backend().dynamoDb(), crash));

        assertThatThrownBy(() -> crashing.ingest(message.id(), message.body()))
                .hasMessageStartingWith(DynamoDbFault.MESSAGE);
        assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();

        assertThat(crash.fired()).isEqualTo(1);
        assertThat(aggregate(account, FEB, BUILD).quantity).isEqualByComparingTo("2");
        assertThat(aggregate(account, FEB, BUILD).eventCount).isEqualTo(1L);
        assertThat(eventRecord(id).deliveries).isEqualTo(2L);
        assertThat(service(backend().dynamoDb()).ingest(message.id(), message.body()))
                .containsExactly(IngestOutcome.DUPLICATE);
    }

    @Test
    void onlyTheMessageThatFailedIsReportedForRedelivery() {
        String account = customer();
        String e1 = eventId();
        String e2 = eventId();
        String e3 = eventId();
        QueuedMessage m1 = msg(event(e1, account, BUILD, "1", FEB + 60));
        QueuedMessage m2 = msg(event(e2, account, BUILD, "10", FEB + 120));
        QueuedMessage m3 = msg(event(e3, account, BUILD, "100", FEB + 180));
        DynamoDbFault throttled = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems")
                .where(r -> e2.equals(eventIdOf(r))));

        SQSBatchResponse response = handler.handleRequest(sqs(m1, m2, m3), null);
        DynamoDbFaultInterceptor.disarmAll();

        assertThat(throttled.fired()).isEqualTo(1);
        assertThat(failures(response)).containsExactly(m2.id());
        assertThat(aggregate(account, FEB, BUILD).quantity).isEqualByComparingTo("101");
        assertThat(eventRecord(e2)).isNull();

        // SQS redelivers only the failed message
        assertThat(failures(handler.handleRequest(sqs(m2), null))).isEmpty();
        assertThat(aggregate(account, FEB, BUILD).quantity).isEqualByComparingTo("111");
        assertThat(aggregate(account, FEB, BUILD).eventCount).isEqualTo(3L);
    }

    @Test
    void transactionConflictsAreRetriedAndCountOnce() {
        String account = customer();
        String id = eventId();
        QueuedMessage message = msg(event(id, account, BUILD, "3.5", FEB + 60));
        // DynamoDB cancels a transaction that collides with another on the same aggregate: retried in the service
        DynamoDbFault conflicts = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems")
                .onTable(tables.usageAggregates.tableName()).times(3).throwing(UsageIngestHandlerIT::conflict));

        assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();

        assertThat(conflicts.fired()).isEqualTo(3);
        assertThat(aggregate(account, FEB, BUILD).quantity).isEqualByComparingTo("3.5");
        assertThat(aggregate(account, FEB, BUILD).eventCount).isEqualTo(1L);
        assertThat(eventRecord(id).deliveries).isEqualTo(1L);
    }

    @Test
    void conflictsThatOutlastTheRetriesFailTheMessageForRedelivery() {
        String account = customer();
        String id = eventId();
        QueuedMessage message = msg(event(id, account, BUILD, "3.5", FEB + 60));
        DynamoDbFault conflicts = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems")
                .onTable(tables.usageAggregates.tableName()).times(100).throwing(UsageIngestHandlerIT::conflict));

        SQSBatchResponse first = handler.handleRequest(sqs(message), null);
        DynamoDbFaultInterceptor.disarmAll();

        assertThat(conflicts.fired()).as("attempts before giving up").isEqualTo(8);
        assertThat(failures(first)).containsExactly(message.id());
        assertThat(eventRecord(id)).isNull();
        assertThat(failures(handler.handleRequest(sqs(message), null))).isEmpty();
        assertThat(aggregate(account, FEB, BUILD).quantity).isEqualByComparingTo("3.5");
        assertThat(eventRecord(id).deliveries).isEqualTo(1L);
    }

    /** What DynamoDB answers when an item of the transaction is being changed by another transaction. */
    static TransactionCanceledException conflict(String message) {
        return (TransactionCanceledException) TransactionCanceledException.builder()
                .message(message + ": Transaction cancelled, please refer cancellation reasons for specific reasons "
                        + "[None, TransactionConflict, None]")
                .cancellationReasons(CancellationReason.builder().code("None").build(),
                        CancellationReason.builder().code("TransactionConflict")
                                .message("Transaction is ongoing for the item").build(),
                        CancellationReason.builder().code("None").build())
                .statusCode(400)
                .build();
    }

    @Test
    void concurrentOverlappingDeliveriesCountEachDistinctEventOnce() throws Exception {
        String account = customer();
        int events = 200;
        List<String> ids = new ArrayList<>();
        List<String> bodies = new ArrayList<>();
        for (int i = 1; i <= events; i++) {
            String id = eventId();
            ids.add(id);
            // quantity i/100: 0.01, 0.02, ... 2.00
            bodies.add(event(id, account, BUILD, BigDecimal.valueOf(i, 2).toPlainString(), FEB + 60L * i));
        }
        // A: events 1..150 in order, 10 per message; B: events 51..200 newest first, 7 per message, each message
        // carrying its first event twice. Events 51..150 arrive from both, at the same time.
        Map<String, List<String>> eventsOfMessage = new ConcurrentHashMap<>();
        List<QueuedMessage> fromA = chunk(bodies.subList(0, 150), ids.subList(0, 150), 10, false, eventsOfMessage);
        List<QueuedMessage> fromB = chunk(bodies.subList(50, 200).reversed(), ids.subList(50, 200).reversed(), 7, true,
                eventsOfMessage);
        Map<String, AtomicInteger> arrivals = new ConcurrentHashMap<>();
        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> a = pool.submit(() -> deliverUntilHandled(fromA, start, eventsOfMessage, arrivals));
            Future<?> b = pool.submit(() -> deliverUntilHandled(fromB, start, eventsOfMessage, arrivals));
            a.get(60, TimeUnit.SECONDS);
            b.get(60, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }

        // sum of i/100 for i = 1..200 = 200 * 201 / 2 / 100 = 201
        UsageAggregateItem build = aggregate(account, FEB, BUILD);
        assertThat(build.quantity).isEqualByComparingTo("201");
        assertThat(build.eventCount).isEqualTo(200L);
        long deliveries = 0;
        for (int i = 0; i < events; i++) {
            UsageEventItem record = eventRecord(ids.get(i));
            assertThat(record).as("event %d", i + 1).isNotNull();
            assertThat(record.quantity).isEqualByComparingTo(BigDecimal.valueOf(i + 1, 2));
            // every arrival that was handled is one delivery; failed attempts were redelivered
            assertThat(record.deliveries).isLessThanOrEqualTo(arrivals.get(ids.get(i)).get());
            assertThat(record.deliveries).isGreaterThanOrEqualTo(i >= 50 && i < 150 ? 2L : 1L);
            deliveries += record.deliveries;
        }
        assertThat(deliveries).isGreaterThanOrEqualTo(300L + fromB.size());
    }

    private void deliverUntilHandled(List<QueuedMessage> messages, CyclicBarrier start, Map<String, List<String>> eventsOfMessage,
                                     Map<String, AtomicInteger> arrivals) {
        try {
            start.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        List<QueuedMessage> pending = messages;
        for (int round = 1; !pending.isEmpty(); round++) {
            assertThat(round).as("redelivery rounds").isLessThanOrEqualTo(20);
            List<QueuedMessage> failed = new ArrayList<>();
            for (int from = 0; from < pending.size(); from += 10) {
                List<QueuedMessage> batch = pending.subList(from, Math.min(pending.size(), from + 10));
                batch.forEach(m -> eventsOfMessage.get(m.id())
                        .forEach(id -> arrivals.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet()));
                List<String> failures = failures(handler.handleRequest(sqs(batch.toArray(QueuedMessage[]::new)), null));
                batch.stream().filter(m -> failures.contains(m.id())).forEach(failed::add);
            }
            pending = failed;
        }
    }

    private static List<QueuedMessage> chunk(List<String> bodies, List<String> ids, int size, boolean repeatFirst,
                                   Map<String, List<String>> eventsOfMessage) {
        List<QueuedMessage> messages = new ArrayList<>();
        for (int from = 0; from < bodies.size(); from += size) {
            int to = Math.min(bodies.size(), from + size);
            List<String> part = new ArrayList<>(bodies.subList(from, to));
            List<String> partIds = new ArrayList<>(ids.subList(from, to));
            if (repeatFirst) {
                part.add(part.get(0));
                partIds.add(partIds.get(0));
            }
            QueuedMessage m = msg(array(part.toArray(String[]::new)));
            eventsOfMessage.put(m.id(), partIds);
            messages.add(m);
        }
        return messages;
    }

    // -------------------------------------------------------------------------------------------------- helpers

    static QueuedMessage msg(String body) {
        return SqsMessages.message(body);
    }

    /** An SQS event as Lambda delivers it, from the recorded template, with these messages. */
    static SQSEvent sqs(QueuedMessage... messages) {
        return SqsMessages.event("events/sqs-usage.json", messages);
    }

    static List<String> failures(SQSBatchResponse response) {
        return SqsMessages.failures(response);
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

    private static String eventIdOf(SdkRequest request) {
        if (request instanceof TransactWriteItemsRequest t && t.transactItems().get(0).put() != null) {
            AttributeValue id = t.transactItems().get(0).put().item().get("eventId");
            return id == null ? null : id.s();
        }
        return null;
    }

    /** A new account with a team subscription since January whose billing cursor is on February. */
    private String customer() {
        String account = TallyFixtures.uniqueId("org");
        TallyFixtures.seedCustomer(tables, account, "team", ANCHOR, FEB);
        return account;
    }

    private UsageIngestService service(DynamoDbClient client) {
        return new UsageIngestService(new TallyTables(client, Env.of(env)),
                CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE), clock);
    }

    private void closePeriod(String account, long periodStart) {
        UsageAggregateItem header = new UsageAggregateItem();
        header.periodKey = UsageAggregateItem.periodKey(account, periodStart);
        header.meter = UsageAggregateItem.PERIOD_HEADER;
        header.accountId = account;
        header.periodStart = periodStart;
        header.closed = true;
        header.closedAt = NOW.getEpochSecond();
        tables.usageAggregates.putItem(header);
    }

    private UsageAggregateItem aggregate(String account, long periodStart, String meter) {
        return tables.usageAggregates.getItem(r -> r.consistentRead(true)
                .key(k -> k.partitionValue(UsageAggregateItem.periodKey(account, periodStart)).sortValue(meter)));
    }

    private UsageEventItem eventRecord(String id) {
        return tables.usageEvents.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(id)));
    }

    private UsageRejectionItem rejection(String messageId, int index) {
        return tables.usageRejections.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(messageId + "#" + index)));
    }

    private List<UsageRejectionItem> rejectionsOf(String... messageIds) {
        List<String> ids = List.of(messageIds);
        return tables.usageRejections.scan(r -> r.consistentRead(true)).items().stream()
                .filter(r -> ids.contains(r.messageId)).toList();
    }

    private static long epoch(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }
}
