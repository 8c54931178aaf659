package dev.tally.billingrun;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import dev.tally.invoice.InvoiceJob;
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
 */
public final class BillingRunHandler implements RequestHandler<ScheduledEvent, Integer> {
    private final BillingRunService service;
    private final SqsInvoiceJobQueue queue;
    private final Clock clock;

    /** Lambda's entry point: configuration from the process environment. */
    public BillingRunHandler() {
        this(System.getenv(), Clock.systemUTC());
    }

    /**
     * @param environment the function's environment variables
     * @param clock fallback time when the event carries none
     */
    public BillingRunHandler(Map<String, String> environment, Clock clock) {
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        SqsClient sqs = AwsClients.configure(SqsClient.builder(), env, "SQS").build();
        this.service = new BillingRunService(new TallyTables(dynamoDb, env), env.longValue("BILLING_GRACE_PERIOD_SECONDS", 3600));
        this.queue = new SqsInvoiceJobQueue(sqs, env.require("INVOICE_JOBS_QUEUE_URL"));
        this.clock = clock;
    }

    @Override
    public Integer handleRequest(ScheduledEvent event, Context context) {
        Instant runTime = event != null && event.getTime() != null
                ? Instant.ofEpochMilli(event.getTime().getMillis()) : clock.instant();
        List<InvoiceJob> jobs = service.run(runTime, queue::send);
        return jobs.size();
    }
}
