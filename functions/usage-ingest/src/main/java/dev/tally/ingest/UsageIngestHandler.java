package dev.tally.ingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.store.TallyTables;
import dev.tally.usage.UsageIngestService;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * SQS {@code usage} queue -> {@link UsageIngestService}, a whole batch at a time, with partial batch failures
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting):
 * only messages that failed transiently are returned for redelivery; rejected events are handled, not failed.
 * The backdating window is {@code USAGE_BACKDATING_WINDOW_SECONDS} (default 35 days).
 */
public final class UsageIngestHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final UsageIngestService service;

    /** Lambda's entry point: configuration from the process environment. */
    public UsageIngestHandler() {
        this(System.getenv(), Clock.systemUTC());
    }

    /**
     * @param environment the function's environment variables
     * @param clock clock for the time window checks
     */
    public UsageIngestHandler(Map<String, String> environment, Clock clock) {
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        TallyTables tables = new TallyTables(dynamoDb, env);
        this.service = new UsageIngestService(tables.usageStore(clock), tables,
                CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE)), clock,
                env.longValue("USAGE_BACKDATING_WINDOW_SECONDS", UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS));
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<UsageIngestService.Message> messages = event.getRecords().stream()
                .map(m -> new UsageIngestService.Message(m.getMessageId(), m.getBody())).toList();
        List<SQSBatchResponse.BatchItemFailure> failures = service.ingest(messages).stream()
                .filter(UsageIngestService.MessageResult::failed)
                .map(r -> new SQSBatchResponse.BatchItemFailure(r.messageId())).toList();
        return new SQSBatchResponse(failures);
    }
}
