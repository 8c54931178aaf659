package dev.tally.billingrun;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import dev.tally.invoice.InvoiceJob;
import dev.tally.lambda.Primed;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * EventBridge Scheduler -> {@link BillingRunService}: queues one invoice job per closed account-period on
 * {@code INVOICE_JOBS_QUEUE_URL}. The run's time is the event's {@code time}, so a retried or replayed run sees the
 * same cut-off. Returns the number of jobs queued.
 *
 * <p>SnapStart: {@link #prime()} serialises a sample job and reads a subscription that does not exist.
 */
public final class BillingRunHandler implements RequestHandler<ScheduledEvent, Integer>, Primed {
    private final BillingRunService service;
    private final TallyTables tables;
    private final SqsInvoiceJobQueue queue;
    private final Clock clock;

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
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        SqsClient sqs = AwsClients.configure(SqsClient.builder(), env, "SQS").build();
        this.tables = new TallyTables(dynamoDb, env);
        this.service = new BillingRunService(tables, env.longValue("BILLING_GRACE_PERIOD_SECONDS", 3600));
        this.queue = new SqsInvoiceJobQueue(sqs, env.require("INVOICE_JOBS_QUEUE_URL"));
        this.clock = clock;
    }

    /** Round-trips a sample invoice job through JSON and reads a subscription that does not exist. */
    @Override
    public void prime() {
        InvoiceJob.fromJson(new InvoiceJob("priming", "priming", 0, 1).toJson());
        Primed.readNothing(tables.subscriptions);
    }

    @Override
    public Integer handleRequest(ScheduledEvent event, Context context) {
        Instant runTime = event != null && event.getTime() != null
                ? Instant.ofEpochMilli(event.getTime().getMillis()) : clock.instant();
        List<InvoiceJob> jobs = service.run(runTime, queue::send);
        return jobs.size();
    }
}
