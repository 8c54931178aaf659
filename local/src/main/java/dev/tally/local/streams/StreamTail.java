package dev.tally.local.streams;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.TrimmedDataAccessException;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a table's DynamoDB stream from where it last stopped, shard by shard, and hands the new records over as
 * Lambda {@link DynamodbEvent} batches (one per shard, in order): what Lambda's stream poller would deliver, for
 * tests and benchmarks that drive a stream handler by hand. Starts at the stream's newest records unless told to start at the
 * oldest, so a test sees only what it wrote.
 */
public final class StreamTail implements AutoCloseable {
    private final DynamoDbStreamsClient streams;
    private final String streamArn;
    private final StreamRecordConverter converter;
    private final Map<String, String> positions = new LinkedHashMap<>();

    /**
     * @param dynamoDb a client of the DynamoDB endpoint holding the table
     * @param streams a DynamoDB Streams client of the same endpoint (closed by {@link #close()})
     * @param tableName the table's name
     * @param region the region reported in the records
     * @param fromOldest true to read the whole stream, false to start after what is there now
     */
    public StreamTail(DynamoDbClient dynamoDb, DynamoDbStreamsClient streams, String tableName, String region, boolean fromOldest) {
        this.streams = streams;
        this.streamArn = dynamoDb.describeTable(r -> r.tableName(tableName)).table().latestStreamArn();
        this.converter = new StreamRecordConverter(streamArn, region);
        if (!fromOldest) {
            poll(); // skip what is already there
        }
    }

    /** @return the new records since the last call, one batch per shard that has any */
    public List<DynamodbEvent> poll() {
        List<DynamodbEvent> batches = new ArrayList<>();
        for (Shard shard : streams.describeStream(r -> r.streamArn(streamArn)).streamDescription().shards()) {
            String after = positions.get(shard.shardId());
            String iterator = after == null
                    ? streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator()
                    : streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shard.shardId())
                    .shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(after)).shardIterator();
            List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
            for (int page = 0; iterator != null && page < 1000; page++) {
                String it = iterator;
                software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse response;
                try {
                    response = streams.getRecords(r -> r.shardIterator(it).limit(1000));
                } catch (ExpiredIteratorException | TrimmedDataAccessException e) {
                    // DynamoDB Local invalidates iterators under load, as the local runtime's poller also sees: a new
                    // one from the last record read goes on where this one stopped.
                    String last = positions.get(shard.shardId());
                    iterator = last == null
                            ? streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shard.shardId())
                            .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator()
                            : streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shard.shardId())
                            .shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(last)).shardIterator();
                    continue;
                }
                for (Record r : response.records()) {
                    records.add(converter.toLambda(r));
                    positions.put(shard.shardId(), r.dynamodb().sequenceNumber());
                }
                if (response.records().isEmpty()) {
                    break;
                }
                iterator = response.nextShardIterator();
            }
            if (!records.isEmpty()) {
                DynamodbEvent event = new DynamodbEvent();
                event.setRecords(records);
                batches.add(event);
            }
        }
        return batches;
    }

    @Override
    public void close() {
        streams.close();
    }
}
