package dev.tally.ingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.lambda.Batches;
import dev.tally.store.TallyTables;
import dev.tally.usage.UsageIngestService;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.Map;

/**
 * SQS {@code usage} queue -> {@link UsageIngestService}, with partial batch failures
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting):
 * only messages that failed transiently are returned for redelivery; rejected events are handled, not failed.
 */
public final class UsageIngestHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private final UsageIngestService service;

    /** Lambda's entry point: configuration from the process environment. */
    public UsageIngestHandler() {
        this(System.getenv(), Clock.systemUTC());
    }

    /**
     * @param environment the function's environment variables
     * @param clock clock for the future-timestamp check
     */
    public UsageIngestHandler(Map<String, String> environment, Clock clock) {
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        this.service = new UsageIngestService(new TallyTables(dynamoDb, env),
                CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE)), clock);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Batches.sqs(event, message -> service.ingest(message.getMessageId(), message.getBody()));
    }
}
