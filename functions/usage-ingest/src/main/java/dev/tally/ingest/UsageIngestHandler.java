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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * SQS {@code usage} queue -> {@link UsageIngestService}, with partial batch failures
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting):
 * only messages that failed transiently are returned for redelivery; rejected events are handled, not failed.
 */
public final class UsageIngestHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final Logger LOG = LoggerFactory.getLogger(UsageIngestHandler.class);

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
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage message : event.getRecords()) {
            try {
                service.ingest(message.getMessageId(), message.getBody());
            } catch (RuntimeException e) {
                LOG.warn("usage message {} failed, SQS will redeliver it: {}", message.getMessageId(), e.toString());
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }
}
