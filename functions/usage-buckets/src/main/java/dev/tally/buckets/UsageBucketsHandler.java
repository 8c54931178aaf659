package dev.tally.buckets;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.lambda.Invocations;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;
import dev.tally.lambda.Primed;
import dev.tally.logging.LogContext;
import dev.tally.store.StreamImages;
import dev.tally.store.TallyTables;
import dev.tally.usage.DynamoDbUsageStore;
import dev.tally.usage.UsageBucketService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The usage-events table's stream (new events only) -> {@link UsageBucketService}. A failed run is reported as the
 * batch item failure at its first record (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html),
 * so Lambda retries from a run boundary and the run's marker makes the retry exact.
 *
 * <p>SnapStart: {@link #prime()} reads a usage event item and a batch marker that do not exist (nothing is written).
 */
public final class UsageBucketsHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse>, Primed {
    private static final Logger LOG = LoggerFactory.getLogger(UsageBucketsHandler.class);
    private final UsageBucketService service;
    private final TallyTables tables;
    private final Metrics metrics;

    /** Lambda's entry point: configuration from the process environment; primed before a SnapStart snapshot. */
    public UsageBucketsHandler() {
        this(System.getenv(), Clock.systemUTC());
        Primed.register(this);
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of bucket update times
     */
    public UsageBucketsHandler(Map<String, String> environment, Clock clock) {
        this(environment, clock, EmfMetrics.create());
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of bucket update times
     * @param metrics where the function's figures go ({@link EmfMetrics} in Lambda, the local runtime's recorder)
     */
    public UsageBucketsHandler(Map<String, String> environment, Clock clock, Metrics metrics) {
        this.metrics = metrics;
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        this.tables = new TallyTables(dynamoDb, env);
        this.service = new UsageBucketService(tables.usageStore(clock),
                CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE)));
    }

    /** Reads a sample event item shape and a marker that do not exist: the request path without data. */
    @Override
    public void prime() {
        DynamoDbUsageStore.eventFromItem(java.util.Map.of(
                "accountId", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("priming"),
                "eventId", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("priming"),
                "meter", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("priming"),
                "quantity", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN("1"),
                "timestamp", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN("0")));
        tables.usageStore(Clock.systemUTC()).appliedThrough("priming");
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return Invocations.handle(context, metrics, () -> apply(event));
    }

    private StreamsEventResponse apply(DynamodbEvent event) {
        List<UsageBucketService.StreamedEvent> records = new ArrayList<>(event.getRecords().size());
        for (DynamodbEvent.DynamodbStreamRecord record : event.getRecords()) {
            if (record.getDynamodb().getNewImage() == null || !"INSERT".equals(record.getEventName())) {
                continue; // the event log is insert-only; anything else is not usage
            }
            records.add(new UsageBucketService.StreamedEvent(record.getDynamodb().getSequenceNumber(),
                    DynamoDbUsageStore.eventFromItem(StreamImages.toSdk(record.getDynamodb().getNewImage()))));
        }
        try {
            int applied = service.apply(records);
            if (!records.isEmpty()) {
                try (LogContext.Scope ignored = LogContext.with(LogContext.CORRELATION_ID, records.get(0).sequenceNumber())) {
                    LOG.info("usage buckets: {} of {} new usage events applied (records {}..{})", applied, records.size(),
                            records.get(0).sequenceNumber(), records.get(records.size() - 1).sequenceNumber());
                }
            }
            return StreamsEventResponse.builder().withBatchItemFailures(List.of()).build();
        } catch (UsageBucketService.RunFailedException e) {
            LOG.warn("usage buckets: {}; Lambda retries from that record", e.getMessage());
            return StreamsEventResponse.builder().withBatchItemFailures(
                    List.of(new StreamsEventResponse.BatchItemFailure(e.firstSequenceNumber()))).build();
        }
    }
}
