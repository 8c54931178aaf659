package dev.tally.billingrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.tally.config.Env;
import dev.tally.invoice.InvoiceJob;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.MutableClock;
import dev.tally.testsupport.TallyFixtures;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.joda.time.DateTime;
import org.joda.time.DateTimeZone;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequest;

/**
 * {@link BillingRunHandler}, built with its real constructor from the template's environment, against DynamoDB and
 * SQS on an {@link AwsBackend}: a run queues exactly one invoice job per subscription whose billing period ended at
 * least the grace period before the schedule's time, on the invoice-jobs queue.
 *
 * <p>The billing run reads every subscription of the work list, so each test starts from an empty subscriptions
 * table and an empty queue (tables and queues are shared by the tests of the class).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BillingRunHandlerIT {

    /** SnapStart priming (beforeCheckpoint) only reads, needs no secret, and runs against the real tables. */
    @Test
    void primingRunsWithoutSecretsOrWrites() {
        assertThatCode(handler(Map.of())::prime).doesNotThrowAnyException();
    }
    static final long ANCHOR = epoch("2026-01-01T00:00:00Z");
    static final long FEB = epoch("2026-02-01T00:00:00Z");
    static final long MAR = epoch("2026-03-01T00:00:00Z");
    static final long APR = epoch("2026-04-01T00:00:00Z");
    /** An instant inside every February period of these tests, whatever the anchor's time of day. */
    static final long MID_FEB = epoch("2026-02-14T12:00:00Z");
    /** The schedule's time, {@code cron(5 * * * ? *)}; with the template's one-hour grace the cut-off is 00:05. */
    static final Instant RUN = Instant.parse("2026-03-01T01:05:00Z");
    static final long CUTOFF = RUN.getEpochSecond() - 3_600;

    /** The handler's own clock, far from the run: only used when the event has no time. */
    private final MutableClock clock = MutableClock.at(Instant.parse("2026-01-10T00:00:00Z"));
    private TallyTables tables;
    private String queue;

    /** The backend to run against: a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        tables = new TallyTables(backend().dynamoDb(), Env.of(backend().functionEnvironment("BillingRunFunction")));
        queue = backend().queueUrl("InvoiceJobsQueue");
    }

    @AfterAll
    void close() {
        backend().close();
    }

    @BeforeEach
    void emptySubscriptionsAndQueue() {
        tables.subscriptions.scan().items().forEach(s -> tables.subscriptions.deleteItem(s));
        for (List<Message> batch = receive(0); !batch.isEmpty(); batch = receive(0)) {
            batch.forEach(this::delete);
        }
    }

    @Test
    void queuesExactlyOneJobPerSubscriptionWhosePeriodEndedBeforeTheGrace() {
        List<InvoiceJob> due = new ArrayList<>();
        due.add(job(seed("feb", ANCHOR, MID_FEB)));                               // ended 00:00, 65 min ago
        due.add(job(seed("mid_month", epoch("2026-01-15T00:00:00Z"), MID_FEB)));  // ended Feb 15
        due.add(job(seed("at_cutoff", epoch("2026-01-01T00:05:00Z"), MID_FEB)));  // ended 00:05 = cut-off
        seed("in_grace", epoch("2026-01-01T00:30:00Z"), MID_FEB);                 // ended 00:30, 35 min ago
        seed("running", ANCHOR, MAR);                                             // ends Apr 1
        SubscriptionItem unbilled = TallyFixtures.subscription("sub_unbilled", "org_unbilled", "team", ANCHOR, MID_FEB);
        unbilled.billingState = null;                                             // not billed by Tally
        tables.subscriptions.putItem(unbilled);
        SubscriptionItem finished = TallyFixtures.subscription("sub_finished", "org_finished", "team", ANCHOR, MID_FEB);
        finished.billingState = null;                                             // canceled, all invoiced
        finished.periodEnd = null;
        finished.endedAt = FEB + 86_400;
        tables.subscriptions.putItem(finished);

        Integer queued = handler(Map.of()).handleRequest(scheduledAt(RUN), null);

        assertThat(queued).isEqualTo(3);
        assertThat(receiveJobs(3)).containsExactlyInAnyOrderElementsOf(due);
        assertThat(due.get(2).periodEnd()).isEqualTo(CUTOFF);
    }

    @Test
    void aSecondRunQueuesTheSameJobsAgain() {
        InvoiceJob a = job(seed("a", ANCHOR, MID_FEB));
        InvoiceJob b = job(seed("b", ANCHOR, MID_FEB));
        BillingRunHandler handler = handler(Map.of());

        assertThat(handler.handleRequest(scheduledAt(RUN), null)).isEqualTo(2);
        assertThat(handler.handleRequest(scheduledAt(RUN.plusSeconds(3_600)), null)).isEqualTo(2);

        // the invoice generator recognises the repeated job (same account and period)
        assertThat(receiveJobs(4)).containsExactlyInAnyOrder(a, a, b, b);
    }

    @Test
    void theRunTimeIsTheScheduledEventsTimeAndTheClockOnlyAFallback() {
        InvoiceJob february = job(seed("feb", ANCHOR, MID_FEB));
        BillingRunHandler handler = handler(Map.of());

        // the clock says January 10th, when nothing had ended; the event says March 1st
        assertThat(handler.handleRequest(scheduledAt(RUN), null)).isEqualTo(1);
        assertThat(receiveJobs(1)).containsExactly(february);

        ScheduledEvent withoutTime = scheduledAt(RUN);
        withoutTime.setTime(null);
        assertThat(handler.handleRequest(withoutTime, null)).isZero();
        clock.set(RUN);
        assertThat(handler.handleRequest(withoutTime, null)).isEqualTo(1);
        assertThat(receiveJobs(1)).containsExactly(february);
    }

    @Test
    void theGraceComesFromTheEnvironment() {
        InvoiceJob endedAtMidnight = job(seed("midnight", ANCHOR, MID_FEB));  // ended 65 min before the run
        InvoiceJob endedAtHalfPast = job(seed("half_past", epoch("2026-01-01T00:30:00Z"), MID_FEB));  // 35 min

        assertThat(handler(Map.of("BILLING_GRACE_PERIOD_SECONDS", "0")).handleRequest(scheduledAt(RUN), null)).isEqualTo(2);
        assertThat(receiveJobs(2)).containsExactlyInAnyOrder(endedAtMidnight, endedAtHalfPast);
        assertThat(handler(Map.of("BILLING_GRACE_PERIOD_SECONDS", "7200")).handleRequest(scheduledAt(RUN), null)).isZero();
        assertThat(handler(Map.of("BILLING_GRACE_PERIOD_SECONDS", "3600")).handleRequest(scheduledAt(RUN), null)).isEqualTo(1);
        assertThat(receiveJobs(1)).containsExactly(endedAtMidnight);
    }

    @Test
    void aSubscriptionSeveralPeriodsBehindCatchesUpOnePeriodPerRun() {
        InvoiceJob january = job(seed("behind", ANCHOR, ANCHOR));

        assertThat(handler(Map.of()).handleRequest(scheduledAt(RUN), null)).isEqualTo(1);

        assertThat(receiveJobs(1)).containsExactly(january);
        assertThat(january.periodEnd()).isEqualTo(FEB);
    }

    @Test
    void nothingDueQueuesNothing() {
        seed("running", ANCHOR, MAR);

        assertThat(handler(Map.of()).handleRequest(scheduledAt(RUN), null)).isZero();

        assertThat(receiveJobs(0)).isEmpty();
    }

    @Test
    void moreThanTenDueSubscriptionsAllArrive() {
        List<InvoiceJob> due = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            due.add(job(seed("many" + i, ANCHOR, MID_FEB)));
        }
        seed("not_due", ANCHOR, MAR);

        assertThat(handler(Map.of()).handleRequest(scheduledAt(RUN), null)).isEqualTo(23);

        assertThat(receiveJobs(23)).containsExactlyInAnyOrderElementsOf(due);
    }

    @Test
    void jobsAreSentInBatchesOfAtMostTen() {
        List<InvoiceJob> due = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            due.add(job(seed("batch" + i, ANCHOR, MID_FEB)));
        }
        List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        SqsInvoiceJobQueue jobQueue = new SqsInvoiceJobQueue(recordingBatches(backend().sqs(), batchSizes), queue);

        List<InvoiceJob> sent = new BillingRunService(tables, 3_600).run(RUN, jobQueue::send);

        assertThat(sent).hasSize(23);
        assertThat(batchSizes).containsExactly(10, 10, 3);
        assertThat(receiveJobs(23)).containsExactlyInAnyOrderElementsOf(due);
    }

    // -------------------------------------------------------------------------------------------------- helpers

    private BillingRunHandler handler(Map<String, String> extraEnvironment) {
        return new BillingRunHandler(backend().functionEnvironment("BillingRunFunction", extraEnvironment), clock);
    }

    /** The EventBridge Scheduler event of the template's hourly schedule, at {@code time}. */
    static ScheduledEvent scheduledAt(Instant time) {
        ScheduledEvent event = EventLoader.loadScheduledEvent("events/scheduled-billing-run.json");
        event.setTime(new DateTime(time.toEpochMilli(), DateTimeZone.UTC));
        return event;
    }

    /** An active team subscription of a new account, its billing cursor on the period containing {@code cursor}. */
    private SubscriptionItem seed(String name, long anchor, long cursor) {
        String account = TallyFixtures.uniqueId("org_" + name);
        SubscriptionItem sub = TallyFixtures.subscription("sub_" + account, account, "team", anchor, cursor);
        tables.subscriptions.putItem(sub);
        return sub;
    }

    static InvoiceJob job(SubscriptionItem sub) {
        return new InvoiceJob(sub.subscriptionId, sub.accountId, sub.periodStart, sub.periodEnd);
    }

    /** Receives (and deletes) {@code expected} jobs, then checks that no other message is on the queue. */
    private List<InvoiceJob> receiveJobs(int expected) {
        List<InvoiceJob> jobs = new ArrayList<>();
        for (int poll = 0; poll < 30 && jobs.size() < expected; poll++) {
            for (Message m : receive(1)) {
                jobs.add(InvoiceJob.fromJson(m.body()));
                delete(m);
            }
        }
        assertThat(jobs).as("jobs on the queue").hasSize(expected);
        assertThat(receive(1)).as("messages beyond the expected jobs").isEmpty();
        return jobs;
    }

    private List<Message> receive(int waitSeconds) {
        return backend().sqs().receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10).waitTimeSeconds(waitSeconds))
                .messages();
    }

    private void delete(Message m) {
        backend().sqs().deleteMessage(r -> r.queueUrl(queue).receiptHandle(m.receiptHandle()));
    }

    /** An SQS client that records the number of entries of each SendMessageBatch call. */
    private static SqsClient recordingBatches(SqsClient delegate, List<Integer> batchSizes) {
        InvocationHandler recorder = (proxy, method, args) -> {
            boolean operation = args != null && args.length == 1 && args[0] instanceof SdkRequest;
            if (!operation && method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            if (operation && args[0] instanceof SendMessageBatchRequest request) {
                batchSizes.add(request.entries().size());
            }
            try {
                return method.invoke(delegate, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (SqsClient) Proxy.newProxyInstance(SqsClient.class.getClassLoader(), new Class<?>[] {SqsClient.class},
                recorder);
    }

    private static long epoch(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }
}
