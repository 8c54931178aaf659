package dev.tally.billingrun;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.tally.config.Env;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditStore;
import dev.tally.credit.LedgerEntry;
import dev.tally.dunning.DunningState;
import dev.tally.entitlement.DynamoDbEntitlementStore;
import dev.tally.entitlement.EntitlementServices;
import dev.tally.entitlement.PaymentImages;
import dev.tally.metrics.Metrics;
import dev.tally.testsupport.PaymentItems;
import dev.tally.invoice.InvoiceJob;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.DynamoDbFault;
import dev.tally.testsupport.DynamoDbFaultInterceptor;
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
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
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

    // ---------------------------------------------------------------------------------------------- credit expiry

    @Test
    void theRunExpiresWhatIsLeftOfGrantsWhoseExpiryHasComeAndWarnsOfThoseWithinTheWindow() {
        String account = TallyFixtures.uniqueId("org_credits");
        long run = RUN.getEpochSecond();
        CreditGrant expired = seedGrant(account, "cg_expired", 3_000, run - 600);          // expired 10 minutes ago
        CreditGrant atTheSecond = seedGrant(account, "cg_at_run", 1_000, run);            // expires at the run's second
        CreditGrant inSixDays = seedGrant(account, "cg_six_days", 2_000, run + 6 * 86_400);
        CreditGrant inEightDays = seedGrant(account, "cg_eight_days", 2_000, run + 8 * 86_400);
        CreditGrant usedUp = seedGrant(account, "cg_used_up", 500, run - 60);
        CreditGrant never = seedGrant(account, "cg_never", 700, null);
        assertThat(tables.creditStore().commit(List.of(LedgerEntry.drawdown(expired, 3_000, 1_200, "tin_a", run - 7_200),
                LedgerEntry.drawdown(usedUp, 500, 500, "tin_a", run - 7_200)))).isEqualTo(CreditStore.Outcome.APPLIED);

        assertThat(handler(Map.of()).handleRequest(scheduledAt(RUN), null)).isZero();

        assertThat(remaining(account)).containsExactlyInAnyOrderEntriesOf(Map.of("cg_expired", 0L, "cg_at_run", 0L,
                "cg_six_days", 2_000L, "cg_eight_days", 2_000L, "cg_used_up", 0L, "cg_never", 700L));
        List<LedgerEntry> expiries = entries(account, LedgerEntry.Type.EXPIRY);
        assertThat(expiries).containsExactlyInAnyOrder(LedgerEntry.expiry(expired, 1_800), LedgerEntry.expiry(atTheSecond, 1_000));
        assertThat(expiries).extracting(LedgerEntry::at).containsExactlyInAnyOrder(run - 600, run);
        assertThat(ledgerSumByGrant(account)).isEqualTo(remaining(account));
        assertThat(inIndex(account, false)).containsExactly("cg_eight_days");
        assertThat(inIndex(account, true)).containsExactly("cg_six_days");

        // The next run, an hour later, changes nothing (and the schedule may run the same time twice).
        handler(Map.of()).handleRequest(scheduledAt(RUN), null);
        handler(Map.of()).handleRequest(scheduledAt(RUN.plusSeconds(3_600)), null);
        assertThat(entries(account, LedgerEntry.Type.EXPIRY)).hasSize(2);
        assertThat(inIndex(account, true)).containsExactly("cg_six_days");
        assertThat(never.expiresAt()).isNull();
        assertThat(inEightDays.expiresAt()).isGreaterThan(inSixDays.expiresAt());
    }

    @Test
    void theWarningWindowComesFromTheEnvironment() {
        String account = TallyFixtures.uniqueId("org_window");
        seedGrant(account, "cg_in_two_days", 1_000, RUN.getEpochSecond() + 2 * 86_400);

        handler(Map.of("CREDIT_EXPIRY_WARNING_SECONDS", "86400")).handleRequest(scheduledAt(RUN), null);
        assertThat(inIndex(account, true)).isEmpty();
        handler(Map.of("CREDIT_EXPIRY_WARNING_SECONDS", "172800")).handleRequest(scheduledAt(RUN), null);
        assertThat(inIndex(account, true)).containsExactly("cg_in_two_days");
    }

    @Test
    void aGrantThatCannotBeExpiredFailsTheRunAfterEverythingElseWasDoneAndTheRetryExpiresIt() {
        String account = TallyFixtures.uniqueId("org_fault");
        long run = RUN.getEpochSecond();
        seedGrant(account, "cg_a", 1_000, run - 60);
        seedGrant(account, "cg_b", 1_000, run - 120);
        InvoiceJob february = job(seed("feb", ANCHOR, MID_FEB));
        DynamoDbFault fault = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems").onTable(tables.creditsTable)
                .where(r -> r instanceof TransactWriteItemsRequest t && t.transactItems().stream().anyMatch(i -> i.put() != null
                        && AttributeValue.fromS(account).equals(i.put().item().get("accountId"))
                        && AttributeValue.fromS("cg_a:expiry").equals(i.put().item().get("entryId")))).times(5));
        try {
            BillingRunHandler handler = handler(Map.of());
            assertThatThrownBy(() -> handler.handleRequest(scheduledAt(RUN), null)).isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("1 credit grants could not be expired or warned about (the run is retried)")
                    .hasMessageContaining(account + "/cg_a");
        } finally {
            DynamoDbFaultInterceptor.disarmAll();
        }
        assertThat(fault.fired()).isEqualTo(1);
        assertThat(receiveJobs(1)).as("the jobs were queued first").containsExactly(february);
        assertThat(remaining(account)).containsExactlyInAnyOrderEntriesOf(Map.of("cg_a", 1_000L, "cg_b", 0L));

        assertThat(handler(Map.of()).handleRequest(scheduledAt(RUN), null)).isEqualTo(1);
        receiveJobs(1);
        assertThat(remaining(account)).containsExactlyInAnyOrderEntriesOf(Map.of("cg_a", 0L, "cg_b", 0L));
    }

    // ------------------------------------------------------------------------------------------------ dunning clock

    @Test
    void theRunEntersTheDunningStepsThatAreDueOnceAndOnlyThose() {
        Map<String, String> env = backend().functionEnvironment("BillingRunFunction");
        var entitlements = EntitlementServices.create(Env.of(env), tables, Metrics.NONE, false);
        DynamoDbEntitlementStore store = new DynamoDbEntitlementStore(tables.client, env.get("ENTITLEMENTS_TABLE"));
        long run = RUN.getEpochSecond();
        String due = TallyFixtures.uniqueId("org_dunning_due");
        String notYet = TallyFixtures.uniqueId("org_dunning_later");
        for (String[] a : new String[][] {{due, Long.toString(run - 7 * 86_400)}, {notYet, Long.toString(run - 86_400)}}) {
            TallyFixtures.seedCustomer(tables, a[0], "team", ANCHOR, run); // its period is open: no invoice job
            long failedAt = Long.parseLong(a[1]);
            entitlements.onPayment(PaymentImages.fact(PaymentItems.item("in_" + a[0], a[0], "payment_failed", 1, failedAt, failedAt))
                    .orElseThrow(), failedAt);
        }

        // the schedule may run the same time twice: the step is entered once
        assertThat(handler(Map.of()).handleRequest(scheduledAt(RUN), null)).isZero();
        assertThat(handler(Map.of()).handleRequest(scheduledAt(RUN), null)).isZero();

        assertThat(store.find(due).orElseThrow().entitlements().dunningState()).isEqualTo(DunningState.RESTRICTED);
        assertThat(store.find(due).orElseThrow().history()).extracting(h -> h.causeId())
                .containsExactly("payment_failed:in_" + due + ":1", "days_elapsed:restricted:" + (run - 7 * 86_400));
        assertThat(store.find(notYet).orElseThrow().entitlements().dunningState()).isEqualTo(DunningState.PAST_DUE);
    }

    // -------------------------------------------------------------------------------------------------- helpers

    private CreditGrant seedGrant(String account, String grantId, long amount, Long expiresAt) {
        return TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant(grantId, account, "usd", amount, 50, ANCHOR, expiresAt));
    }

    /** What is left of each of the account's grants, by grant id. */
    private Map<String, Long> remaining(String account) {
        Map<String, Long> out = new java.util.TreeMap<>();
        tables.creditStore().grants(account).forEach(g -> out.put(g.grant().grantId(), g.remainingMinor()));
        return out;
    }

    /** The sum of each grant's ledger entries, by grant id. */
    private Map<String, Long> ledgerSumByGrant(String account) {
        Map<String, Long> out = new java.util.TreeMap<>();
        tables.creditStore().entries(account).forEach(e -> out.merge(e.grantId(), e.amountMinor(), Long::sum));
        return out;
    }

    private List<LedgerEntry> entries(String account, LedgerEntry.Type type) {
        return tables.creditStore().entries(account).stream().filter(e -> e.type() == type).toList();
    }

    /** The account's grants in the expiry index, warned or not yet. */
    private List<String> inIndex(String account, boolean warned) {
        return tables.creditStore().expiringBy(Long.MAX_VALUE / 2, warned).stream()
                .filter(g -> g.grant().accountId().equals(account)).map(g -> g.grant().grantId()).sorted().toList();
    }

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
