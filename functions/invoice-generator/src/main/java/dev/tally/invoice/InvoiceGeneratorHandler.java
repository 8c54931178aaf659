package dev.tally.invoice;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.usage.UsageIngestService;
import dev.tally.usage.UsageQuery;
import dev.tally.config.Env;
import dev.tally.lambda.Invocations;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;
import dev.tally.lambda.Batches;
import dev.tally.lambda.Primed;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.Map;

/**
 * SQS {@code invoice-jobs} -> {@link InvoiceService}. A job that fails is returned as a batch item failure and
 * retried; after five receives SQS moves it to the dead-letter queue for the billing team
 * ({@code tally dlq redrive}).
 *
 * <p>SnapStart: {@link #prime()} parses a sample job and reads an invoice and a credit grant that do not exist.
 */
public final class InvoiceGeneratorHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Primed {
    private final InvoiceService service;
    private final TallyTables tables;
    private final Metrics metrics;

    /** Lambda's entry point: configuration from the process environment; primed before a SnapStart snapshot. */
    public InvoiceGeneratorHandler() {
        this(System.getenv(), Clock.systemUTC());
        Primed.register(this);
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of invoice creation times
     */
    public InvoiceGeneratorHandler(Map<String, String> environment, Clock clock) {
        this(environment, clock, EmfMetrics.create());
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of invoice creation times
     * @param metrics where the function's figures go ({@link EmfMetrics} in Lambda, the local runtime's recorder)
     */
    public InvoiceGeneratorHandler(Map<String, String> environment, Clock clock, Metrics metrics) {
        this.metrics = metrics;
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        this.tables = new TallyTables(dynamoDb, env);
        Catalog catalog = CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE));
        this.service = new InvoiceService(tables, new DynamoDbInvoiceStore(tables),
                new InvoiceCalculator(catalog, new UsageQuery(tables.usageStore(clock), catalog)), catalog, clock,
                env.longValue("BILLING_GRACE_PERIOD_SECONDS", 3600),
                env.longValue("USAGE_BACKDATING_WINDOW_SECONDS", UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS), metrics);
    }

    /** Parses a sample job and reads items that do not exist from the tables an invoice run reads. */
    @Override
    public void prime() {
        InvoiceJob.fromJson(new InvoiceJob("priming", "priming", 0, 1).toJson());
        Primed.readNothing(tables.invoices);
        Primed.readNothing(tables.invoiceLines);
        Primed.readNothing(tables.client, tables.creditsTable, "accountId", "entryKey");
        Primed.readNothing(tables.subscriptions);
        Primed.readNothing(tables.client, tables.usageBucketsTable, "seriesKey", "bucketKey");
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Invocations.handle(context, metrics,
                () -> Batches.sqs(event, message -> service.invoice(InvoiceJob.fromJson(message.getBody()))));
    }
}
