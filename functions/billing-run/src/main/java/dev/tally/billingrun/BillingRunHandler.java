package dev.tally.billingrun;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import dev.tally.lambda.Invocations;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;
import dev.tally.credit.CreditExpiry;
import dev.tally.entitlement.EntitlementService;
import dev.tally.entitlement.EntitlementServices;
import dev.tally.invoice.InvoiceJob;
import dev.tally.lambda.Primed;
import dev.tally.logging.LogContext;
import dev.tally.metrics.MetricNames;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * EventBridge Scheduler -> {@link BillingRunService}: queues one invoice job per closed account-period on
 * {@code INVOICE_JOBS_QUEUE_URL}; then {@link CreditExpiry}: expires the credit grants whose expiry has come and
 * marks those expiring within {@code CREDIT_EXPIRY_WARNING_SECONDS} (default 7 days) for a warning; then the dunning
 * clock ({@link EntitlementService#runClock}): the accounts whose next dunning step is due by the run's time enter it.
 * The run's time is the event's {@code time}, so a retried or replayed run sees the same cut-off. Returns the number
 * of jobs queued; fails (after queueing every job, trying every grant and every due account) when a grant could not
 * be expired or a dunning step not applied, so the run is retried.
 *
 * <p>SnapStart: {@link #prime()} serialises a sample job and reads a subscription and a credit grant that do not
 * exist.
 */
public final class BillingRunHandler implements RequestHandler<ScheduledEvent, Integer>, Primed {
    private final BillingRunService service;
    private final TallyTables tables;
    private final SqsInvoiceJobQueue queue;
    private final CreditExpiry expiry;
    private final EntitlementService entitlements;
    private final Clock clock;
    private final Metrics metrics;

    /** Lambda's entry point: configuration from the process environment; primed before a SnapStart snapshot. */
    public BillingRunHandler() {
        this(System.getenv(), Clock.systemUTC());
        Primed.register(this);
    }

    /**
     * @param environment the function's environment variables
     * @param clock fallback time when the event carries none
     */
    public BillingRunHandler(Map<String, String> environment, Clock clock) {
        this(environment, clock, EmfMetrics.create());
    }

    /**
     * @param environment the function's environment variables
     * @param clock fallback time when the event carries none
     * @param metrics where the function's figures go ({@link EmfMetrics} in Lambda, the local runtime's recorder)
     */
    public BillingRunHandler(Map<String, String> environment, Clock clock, Metrics metrics) {
        this.metrics = metrics;
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        SqsClient sqs = AwsClients.configure(SqsClient.builder(), env, "SQS").build();
        this.tables = new TallyTables(dynamoDb, env);
        this.service = new BillingRunService(tables, env.longValue("BILLING_GRACE_PERIOD_SECONDS", 3600));
        this.queue = new SqsInvoiceJobQueue(sqs, env.require("INVOICE_JOBS_QUEUE_URL"));
        this.expiry = new CreditExpiry(tables.creditStore(),
                env.longValue("CREDIT_EXPIRY_WARNING_SECONDS", CreditExpiry.DEFAULT_WARNING_SECONDS));
        this.entitlements = EntitlementServices.create(env, tables, metrics, true);
        this.clock = clock;
    }

    /** Round-trips a sample invoice job through JSON and reads a subscription that does not exist. */
    @Override
    public void prime() {
        InvoiceJob.fromJson(new InvoiceJob("priming", "priming", 0, 1).toJson());
        Primed.readNothing(tables.subscriptions);
        Primed.readNothing(tables.client, tables.creditsTable, "accountId", "entryKey");
        entitlements.current("priming", 0);
    }

    @Override
    public Integer handleRequest(ScheduledEvent event, Context context) {
        Instant runTime = event != null && event.getTime() != null
                ? Instant.ofEpochMilli(event.getTime().getMillis()) : clock.instant();
        // The scheduled time identifies the run: a retry of it has the same.
        try (LogContext.Scope ignored = LogContext.with(LogContext.CORRELATION_ID, "billing-run:" + runTime)) {
            return Invocations.handle(context, metrics, () -> run(runTime));
        }
    }

    private Integer run(Instant runTime) {
        List<InvoiceJob> jobs = service.run(runTime, queue::send);
        CreditExpiry.Result expired = expiry.run(runTime.getEpochSecond());
        List<String> dunning = entitlements.runClock(runTime.getEpochSecond());
        if (!expired.failures().isEmpty()) {
            throw new IllegalStateException(expired.failures().size() + " credit grants could not be expired or warned "
                    + "about (the run is retried): " + expired.failures());
        }
        if (!dunning.isEmpty()) {
            throw new IllegalStateException(dunning.size() + " accounts' dunning steps could not be applied (the run is "
                    + "retried): " + dunning);
        }
        metrics.increment(MetricNames.BILLING_RUNS_COMPLETED);
        return jobs.size();
    }
}
