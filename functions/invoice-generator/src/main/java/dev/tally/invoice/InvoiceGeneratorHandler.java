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
import dev.tally.lambda.Batches;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.Map;

/**
 * SQS {@code invoice-jobs} -> {@link InvoiceService}. A job that fails is returned as a batch item failure and
 * retried; after five receives SQS moves it to the dead-letter queue for the billing team
 * ({@code tally dlq redrive}).
 */
public final class InvoiceGeneratorHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final InvoiceService service;

    /** Lambda's entry point: configuration from the process environment. */
    public InvoiceGeneratorHandler() {
        this(System.getenv(), Clock.systemUTC());
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of invoice creation times
     */
    public InvoiceGeneratorHandler(Map<String, String> environment, Clock clock) {
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        TallyTables tables = new TallyTables(dynamoDb, env);
        Catalog catalog = CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE));
        this.service = new InvoiceService(tables, new UsageQuery(tables.usageStore(clock), catalog), catalog, clock,
                env.longValue("USAGE_BACKDATING_WINDOW_SECONDS", UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS));
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Batches.sqs(event, message -> service.invoice(InvoiceJob.fromJson(message.getBody())));
    }
}
