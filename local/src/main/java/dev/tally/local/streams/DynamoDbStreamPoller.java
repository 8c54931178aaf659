package dev.tally.local.streams;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.local.PollerThread;
import dev.tally.local.lambda.HandlerException;
import dev.tally.local.lambda.LocalFunction;
import dev.tally.local.template.EventPattern;
import dev.tally.local.template.FunctionEvent;
import dev.tally.local.template.IntrinsicResolver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * A DynamoDB Streams event source mapping: reads a table's stream shard by shard and invokes a function with
 * {@link DynamodbEvent} batches, the way Lambda's stream poller does.
 *
 * <ul>
 *   <li>Shards are discovered with {@code DescribeStream} (again every second), and a child shard is read only once
 *       its parent is finished, so records of an item stay in order. A shard is read from {@code TRIM_HORIZON} (or,
 *       for shards that exist at start with {@code StartingPosition: LATEST}, from {@code LATEST}).</li>
 *   <li>{@code GetRecords} is called with {@code Limit = BatchSize} (at most 1,000); records that match none of the
 *       mapping's filter patterns ({@link EventPattern}) are skipped; the rest are delivered as one batch.
 *       {@code MaximumBatchingWindowInSeconds} is not applied (records are delivered as soon as they are read).</li>
 *   <li>A {@link StreamsEventResponse} with batch item failures (when {@code ReportBatchItemFailures} is on) retries
 *       from the first failed sequence number; a handler that throws retries the whole batch. After
 *       {@code MaximumRetryAttempts} retries (-1: forever) the batch is described in a JSON failure record, Lambda's
 *       format with {@code DDBStreamBatchInfo}, sent to the {@code OnFailure} queue if there is one, and skipped.
 *       {@code BisectBatchOnFunctionError} is not emulated.</li>
 * </ul>
 * Errors talking to the stream are logged and retried; they never end the thread.
 */
public final class DynamoDbStreamPoller extends PollerThread {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbStreamPoller.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration IDLE_WAIT = Duration.ofMillis(200);
    private static final Duration DESCRIBE_EVERY = Duration.ofSeconds(1);

    private final LocalFunction function;
    private final FunctionEvent.DynamoDb mapping;
    private final DynamoDbStreamsClient streams;
    private final SqsClient sqs;
    private final String streamArn;
    private final String onFailureQueueUrl;
    private final Clock clock;
    private final StreamRecordConverter converter;
    private final String name;
    private final Map<String, ShardState> shards = new LinkedHashMap<>();
    private volatile boolean delivering;
    private volatile PassResult lastPass = new PassResult(System.nanoTime(), false);
    private long lastDescribeNanos;
    private boolean firstDescribe = true;

    /**
     * A poller, not yet started.
     *
     * @param function the function to invoke
     * @param mapping the template's DynamoDB event
     * @param streams a DynamoDB Streams client (not closed here)
     * @param sqs an SQS client for the on-failure queue (not closed here)
     * @param streamArn the table's latest stream ARN
     * @param onFailureQueueUrl the on-failure queue's URL, or null
     * @param region reported as each record's {@code awsRegion}
     * @param clock stamps failure records
     */
    public DynamoDbStreamPoller(LocalFunction function, FunctionEvent.DynamoDb mapping, DynamoDbStreamsClient streams,
                                SqsClient sqs, String streamArn, String onFailureQueueUrl, String region, Clock clock) {
        this.function = Objects.requireNonNull(function, "function");
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.streams = Objects.requireNonNull(streams, "streams");
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.streamArn = Objects.requireNonNull(streamArn, "streamArn");
        this.onFailureQueueUrl = onFailureQueueUrl;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.converter = new StreamRecordConverter(streamArn, region);
        this.name = "ddb:" + mapping.tableLogicalId() + "->" + function.name();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    protected void pollOnce() {
        boolean sawRecords = pass();
        if (!sawRecords) {
            pause(IDLE_WAIT);
        }
    }

    @Override
    protected void pollFailed(RuntimeException e) {
        LOG.warn("{}: reading the stream failed, retrying in 1 s: {}", name, e.toString());
        lastPass = new PassResult(System.nanoTime(), false);
    }

    /** Reads every readable shard once; returns whether any record was read. */
    private boolean pass() {
        long start = System.nanoTime();
        if (firstDescribe || start - lastDescribeNanos >= DESCRIBE_EVERY.toNanos()) {
            describe();
            lastDescribeNanos = start;
        }
        boolean sawRecords = false;
        for (ShardState shard : new ArrayList<>(shards.values())) {
            if (!running()) {
                return true;
            }
            if (shard.finished || !parentFinished(shard)) {
                continue;
            }
            sawRecords |= read(shard);
        }
        lastPass = new PassResult(start, !sawRecords);
        return sawRecords;
    }

    private void describe() {
        List<Shard> found = new ArrayList<>();
        String exclusiveStart = null;
        do {
            String from = exclusiveStart;
            StreamDescription d = streams.describeStream(r -> r.streamArn(streamArn).exclusiveStartShardId(from))
                    .streamDescription();
            found.addAll(d.shards());
            exclusiveStart = d.lastEvaluatedShardId();
        } while (exclusiveStart != null);
        for (Shard s : found) {
            if (!shards.containsKey(s.shardId())) {
                ShardIteratorType start = firstDescribe && mapping.startingPosition().equals("LATEST")
                        ? ShardIteratorType.LATEST : ShardIteratorType.TRIM_HORIZON;
                shards.put(s.shardId(), new ShardState(s.shardId(), s.parentShardId(), start));
                LOG.debug("{}: shard {} (parent {})", name, s.shardId(), s.parentShardId());
            }
        }
        firstDescribe = false;
    }

    private boolean parentFinished(ShardState shard) {
        if (shard.parentId == null) {
            return true;
        }
        ShardState parent = shards.get(shard.parentId);
        return parent == null || parent.finished;
    }

    private boolean read(ShardState shard) {
        if (shard.iterator == null) {
            shard.iterator = iterator(shard);
        }
        GetRecordsResponse response;
        try {
            String it = shard.iterator;
            response = streams.getRecords(r -> r.shardIterator(it).limit(Math.min(mapping.batchSize(), 1000)));
        } catch (ExpiredIteratorException | TrimmedDataAccessException e) {
            LOG.debug("{}: shard {} iterator no longer valid ({}); getting a new one", name, shard.id, e.toString());
            shard.iterator = null;
            return true;
        }
        List<Record> records = response.records();
        if (!records.isEmpty()) {
            deliver(shard, records);
            shard.lastSequence = records.get(records.size() - 1).dynamodb().sequenceNumber();
        }
        shard.iterator = response.nextShardIterator();
        if (shard.iterator == null) {
            shard.finished = true;
            LOG.debug("{}: shard {} finished", name, shard.id);
        }
        return !records.isEmpty();
    }

    private String iterator(ShardState shard) {
        if (shard.lastSequence != null) {
            String seq = shard.lastSequence;
            return streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shard.id)
                    .shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(seq)).shardIterator();
        }
        return streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shard.id)
                .shardIteratorType(shard.startType)).shardIterator();
    }

    private void deliver(ShardState shard, List<Record> records) {
        List<Record> batch = new ArrayList<>();
        for (Record r : records) {
            if (matches(r)) {
                batch.add(r);
            }
        }
        if (batch.isEmpty()) {
            return;
        }
        delivering = true;
        try {
            deliverWithRetries(shard, batch);
        } finally {
            delivering = false;
        }
    }

    private boolean matches(Record r) {
        if (mapping.filters().isEmpty()) {
            return true;
        }
        var json = converter.toFilterJson(r);
        for (EventPattern p : mapping.filters()) {
            if (p.matches(json)) {
                return true;
            }
        }
        return false;
    }

    private void deliverWithRetries(ShardState shard, List<Record> batch) {
        List<Record> remaining = batch;
        int invocations = 0;
        while (running()) {
            DynamodbEvent event = new DynamodbEvent();
            event.setRecords(remaining.stream().map(converter::toLambda).toList());
            invocations++;
            String failure;
            try {
                Object result = function.invoke(event);
                int firstFailed = firstFailedIndex(result, remaining);
                if (firstFailed < 0) {
                    return;
                }
                failure = "batch item failure at sequence number "
                        + remaining.get(firstFailed).dynamodb().sequenceNumber();
                remaining = remaining.subList(firstFailed, remaining.size());
            } catch (HandlerException e) {
                failure = "handler threw " + e.getCause();
            }
            int retries = invocations - 1;
            if (mapping.maximumRetryAttempts() >= 0 && retries >= mapping.maximumRetryAttempts()) {
                discard(shard, remaining, invocations, failure);
                return;
            }
            LOG.warn("{}: {}; retrying {} record(s) (retry {} of {})", name, failure, remaining.size(), retries + 1,
                    mapping.maximumRetryAttempts() < 0 ? "unlimited" : mapping.maximumRetryAttempts());
            pause(Duration.ofMillis(Math.min(2000, 100L << Math.min(retries, 5))));
        }
    }

    /**
     * Index in {@code batch} from which to retry, or -1 when the batch succeeded. Only consulted with
     * ReportBatchItemFailures; an unknown or empty identifier means the whole batch failed, as in Lambda.
     */
    private int firstFailedIndex(Object result, List<Record> batch) {
        if (!mapping.reportBatchItemFailures() || result == null) {
            return -1;
        }
        StreamsEventResponse response;
        try {
            response = result instanceof StreamsEventResponse r ? r
                    : result instanceof String s ? JSON.readValue(s, StreamsEventResponse.class)
                    : JSON.convertValue(result, StreamsEventResponse.class);
        } catch (Exception e) {
            LOG.debug("{}: handler result is not a StreamsEventResponse: {}", name, e.toString());
            return -1;
        }
        if (response.getBatchItemFailures() == null || response.getBatchItemFailures().isEmpty()) {
            return -1;
        }
        Set<String> failed = new HashSet<>();
        for (StreamsEventResponse.BatchItemFailure f : response.getBatchItemFailures()) {
            if (f == null || f.getItemIdentifier() == null || f.getItemIdentifier().isEmpty()) {
                return 0;
            }
            failed.add(f.getItemIdentifier());
        }
        for (int i = 0; i < batch.size(); i++) {
            if (failed.contains(batch.get(i).dynamodb().sequenceNumber())) {
                return i;
            }
        }
        return 0;
    }

    private void discard(ShardState shard, List<Record> batch, int invocations, String failure) {
        ObjectNode record = failureRecord(shard.id, batch, invocations);
        if (onFailureQueueUrl == null) {
            LOG.error("{}: {}; retries exhausted, {} record(s) dropped (no OnFailure destination): {}", name, failure,
                    batch.size(), record);
            return;
        }
        try {
            sqs.sendMessage(r -> r.queueUrl(onFailureQueueUrl).messageBody(record.toString()));
            LOG.error("{}: {}; retries exhausted, {} record(s) skipped, failure record sent to {}", name, failure,
                    batch.size(), onFailureQueueUrl);
        } catch (RuntimeException e) {
            LOG.error("{}: could not send failure record {} to {}: {}", name, record, onFailureQueueUrl, e.toString());
        }
    }

    /** Lambda's on-failure record for a stream batch. */
    private ObjectNode failureRecord(String shardId, List<Record> batch, int invocations) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode request = root.putObject("requestContext");
        request.put("requestId", UUID.randomUUID().toString());
        request.put("functionArn", IntrinsicResolver.functionArn(function.name()));
        request.put("condition", "RetryAttemptsExhausted");
        request.put("approximateInvokeCount", invocations);
        ObjectNode response = root.putObject("responseContext");
        response.put("statusCode", 200);
        response.put("executedVersion", "$LATEST");
        response.put("functionError", "Unhandled");
        root.put("version", "1.0");
        root.put("timestamp", clock.instant().toString());
        ObjectNode info = root.putObject("DDBStreamBatchInfo");
        info.put("shardId", shardId);
        info.put("startSequenceNumber", batch.get(0).dynamodb().sequenceNumber());
        info.put("endSequenceNumber", batch.get(batch.size() - 1).dynamodb().sequenceNumber());
        info.put("approximateArrivalOfFirstRecord", arrival(batch.get(0)));
        info.put("approximateArrivalOfLastRecord", arrival(batch.get(batch.size() - 1)));
        info.put("batchSize", batch.size());
        info.put("streamArn", streamArn);
        return root;
    }

    private static String arrival(Record r) {
        Instant t = r.dynamodb().approximateCreationDateTime();
        return t == null ? null : t.toString();
    }

    @Override
    public boolean hasPolledSince(long nanos) {
        return lastPass.startNanos - nanos >= 0;
    }

    @Override
    public String busyReason() {
        if (delivering) {
            return name + ": delivering a batch";
        }
        return lastPass.empty ? null : name + ": records were read in the last pass";
    }

    @Override
    protected void started() {
        LOG.debug("{}: reading {}", name, streamArn);
    }

    @Override
    public String toString() {
        return name + " (batch " + mapping.batchSize() + ", " + mapping.startingPosition()
                + ", retries " + (mapping.maximumRetryAttempts() < 0 ? "unlimited" : mapping.maximumRetryAttempts())
                + (mapping.reportBatchItemFailures() ? ", ReportBatchItemFailures" : "")
                + (mapping.filters().isEmpty() ? "" : ", filters " + mapping.filters())
                + mapping.onFailureQueueLogicalId().map(q -> ", on failure " + q).orElse("") + ")";
    }

    private record PassResult(long startNanos, boolean empty) {
    }

    private static final class ShardState {
        final String id;
        final String parentId;
        final ShardIteratorType startType;
        String iterator;
        String lastSequence;
        boolean finished;

        ShardState(String id, String parentId, ShardIteratorType startType) {
            this.id = id;
            this.parentId = parentId;
            this.startType = startType;
        }
    }
}
