package dev.tally.ingest;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.lambda.Invocations;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;
import dev.tally.lambda.Primed;
import dev.tally.store.TallyTables;
import dev.tally.usage.UsageEventParser;
import dev.tally.usage.UsageIngestService;
import dev.tally.usage.UsageRejection;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * SQS {@code usage} queue -> {@link UsageIngestService}, a whole batch at a time, with partial batch failures
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting):
 * only messages that failed transiently are returned for redelivery; rejected events are handled, not failed.
 * The backdating window is {@code USAGE_BACKDATING_WINDOW_SECONDS} (default 35 days).
 *
 * <p>SnapStart: {@link #prime()} splits a sample message and reads an account and a usage event that do not exist
 * (nothing is written).
 */
public final class UsageIngestHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Primed {
    private static final String PRIMING_MESSAGE =
            "[{\"id\":\"priming\",\"account\":\"priming\",\"meter\":\"priming\",\"quantity\":1,\"timestamp\":0}]";

    private final UsageIngestService service;
    private final TallyTables tables;
    private final Metrics metrics;

    /** Lambda's entry point: configuration from the process environment; primed before a SnapStart snapshot. */
    public UsageIngestHandler() {
        this(System.getenv(), Clock.systemUTC());
        Primed.register(this);
    }

    /**
     * @param environment the function's environment variables
     * @param clock clock for the time window checks
     */
    public UsageIngestHandler(Map<String, String> environment, Clock clock) {
        this(environment, clock, EmfMetrics.create());
    }

    /**
     * @param environment the function's environment variables
     * @param clock clock for the time window checks
     * @param metrics where the function's figures go ({@link EmfMetrics} in Lambda, the local runtime's recorder)
     */
    public UsageIngestHandler(Map<String, String> environment, Clock clock, Metrics metrics) {
        this.metrics = metrics;
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        this.tables = new TallyTables(dynamoDb, env);
        this.service = new UsageIngestService(tables.usageStore(clock), tables,
                CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE)), clock,
                env.longValue("USAGE_BACKDATING_WINDOW_SECONDS", UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS), metrics);
    }

    /** Parses a sample message and reads items that do not exist from the tables ingestion reads first. */
    @Override
    public void prime() {
        try {
            UsageEventParser.split(PRIMING_MESSAGE);
        } catch (UsageRejection e) {
            throw new IllegalStateException("the priming message does not parse", e);
        }
        Primed.readNothing(tables.accounts);
        Primed.readNothing(tables.client, tables.usageEventsTable, "eventKey");
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        return Invocations.handle(context, metrics, () -> ingest(event));
    }

    private SQSBatchResponse ingest(SQSEvent event) {
        List<UsageIngestService.Message> messages = event.getRecords().stream()
                .map(m -> new UsageIngestService.Message(m.getMessageId(), m.getBody())).toList();
        List<SQSBatchResponse.BatchItemFailure> failures = service.ingest(messages).stream()
                .filter(UsageIngestService.MessageResult::failed)
                .map(r -> new SQSBatchResponse.BatchItemFailure(r.messageId())).toList();
        return new SQSBatchResponse(failures);
    }
}
