package dev.tally.testsupport;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;

import dev.tally.local.streams.StreamRedelivery;
import dev.tally.local.streams.StreamTail;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

import java.util.List;
import java.util.function.Function;

/**
 * The usage path of the template, driven by hand: SQS messages into usage-ingest's handler, then the event log's
 * stream into usage-buckets' handler the way Lambda delivers it (batches of up to 1000 records per shard; a batch
 * item failure is retried from the failed record). The handlers come in as functions, because they live in modules
 * whose tests use this one: {@code new UsagePipeline(backend, new UsageIngestHandler(env, clock)::handleRequest ...)}
 * with a null context.
 */
public final class UsagePipeline implements AutoCloseable {
    private final Function<SQSEvent, SQSBatchResponse> ingest;
    private final Function<DynamodbEvent, StreamsEventResponse> buckets;
    private final StreamTail tail;

    /**
     * @param backend a provisioned backend
     * @param ingest usage-ingest's handler
     * @param buckets usage-buckets' handler
     */
    public UsagePipeline(AwsBackend backend, Function<SQSEvent, SQSBatchResponse> ingest,
                         Function<DynamodbEvent, StreamsEventResponse> buckets) {
        this.ingest = ingest;
        this.buckets = buckets;
        this.tail = streamTail(backend, "UsageEventsTable");
    }

    /**
     * Sends messages through usage-ingest, then applies the new events to their buckets.
     *
     * @param messages the SQS messages
     * @return the ids of the messages usage-ingest reported as failed
     */
    public List<String> send(SqsMessages.QueuedMessage... messages) {
        SQSBatchResponse response = ingest.apply(SqsMessages.event("events/sqs-usage.json", messages));
        drain();
        return SqsMessages.failures(response);
    }

    /**
     * Delivers every new stream record to usage-buckets, retrying a reported failure from its record (at most 10
     * times per batch).
     *
     * @return the number of records delivered
     * @throws IllegalStateException if a batch still fails after 10 deliveries
     */
    public int drain() {
        int delivered = 0;
        for (DynamodbEvent batch : tail.poll()) {
            List<DynamodbEvent.DynamodbStreamRecord> records = batch.getRecords();
            for (int from = 0; from < records.size(); from += 1000) {
                List<DynamodbEvent.DynamodbStreamRecord> part = records.subList(from, Math.min(records.size(), from + 1000));
                deliver(part);
                delivered += part.size();
            }
        }
        return delivered;
    }

    private void deliver(List<DynamodbEvent.DynamodbStreamRecord> records) {
        StreamRedelivery.deliver(buckets, records, 10);
    }

    /**
     * @param backend a provisioned backend
     * @param tableLogicalId a table of the template with a stream
     * @return a tail of its stream, starting after what is there now
     */
    public static StreamTail streamTail(AwsBackend backend, String tableLogicalId) {
        DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder().endpointOverride(backend.dynamoDbEndpoint())
                .region(backend.region()).credentialsProvider(backend.credentialsProvider()).build();
        return new StreamTail(backend.dynamoDb(), streams, backend.tableName(tableLogicalId), backend.region().id(), false);
    }

    @Override
    public void close() {
        tail.close();
    }
}
