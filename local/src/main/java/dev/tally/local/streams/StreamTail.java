package dev.tally.local.streams;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ExpiredIteratorException;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
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
    private final Map<String, String> iterators = new LinkedHashMap<>();
    private final java.util.Set<String> closed = new java.util.HashSet<>();
    private static final long DESCRIBE_EVERY_NANOS = 1_000_000_000L;
    private List<Shard> shards;
    private long describedAt;

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

    /** @return every new record since the last call, one batch per shard that has any (each shard read to its end) */
    public List<DynamodbEvent> poll() {
        return read(Integer.MAX_VALUE);
    }

    /**
     * Reads the next records as Lambda's stream poller delivers them to a function with {@code BatchSize =
     * maxRecords}: from each shard, pages of up to {@code maxRecords} (at most 1,000, GetRecords' limit) until that many
     * were read or a page comes back short, so the first records are handed over without waiting for the rest of a
     * backlog. The stream is described again at most once a second (as the local runtime's poller does), not on every
     * call, so a caller that polls again at once costs DynamoDB one GetRecords per shard.
     *
     * @param maxRecords the most records returned per shard (at least 1)
     * @return the next records, one batch per shard that has any; empty when none arrived since the last call
     */
    public List<DynamodbEvent> poll(int maxRecords) {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("maxRecords must be at least 1: " + maxRecords);
        }
        return read(maxRecords);
    }

    private List<DynamodbEvent> read(int maxRecords) {
        boolean bounded = maxRecords != Integer.MAX_VALUE;
        long now = System.nanoTime();
        if (shards == null || !bounded || now - describedAt >= DESCRIBE_EVERY_NANOS) {
            shards = streams.describeStream(r -> r.streamArn(streamArn)).streamDescription().shards();
            describedAt = now;
        }
        int pageLimit = Math.min(maxRecords, 1000);
        List<DynamodbEvent> batches = new ArrayList<>();
        for (Shard shard : shards) {
            String id = shard.shardId();
            if (closed.contains(id)) {
                continue;
            }
            // The iterator the last read returned is kept, so a quiet shard costs one GetRecords per poll.
            String iterator = iterators.containsKey(id) ? iterators.get(id) : newIterator(id);
            List<DynamodbEvent.DynamodbStreamRecord> records = new ArrayList<>();
            for (int page = 0; iterator != null && page < 1000 && records.size() < maxRecords; page++) {
                String it = iterator;
                GetRecordsResponse response;
                try {
                    response = streams.getRecords(r -> r.shardIterator(it).limit(Math.min(pageLimit, maxRecords - records.size())));
                } catch (ExpiredIteratorException | TrimmedDataAccessException e) {
                    // DynamoDB Local invalidates iterators under load, as the local runtime's poller also sees: a new
                    // one from the last record read goes on where this one stopped.
                    iterator = newIterator(id);
                    continue;
                }
                for (Record r : response.records()) {
                    records.add(converter.toLambda(r));
                    positions.put(id, r.dynamodb().sequenceNumber());
                }
                iterator = response.nextShardIterator();
                if (response.records().isEmpty() || (bounded && response.records().size() < pageLimit)) {
                    break;
                }
            }
            if (iterator == null) {
                closed.add(id);
                iterators.remove(id);
                shards = null; // a closed shard has children: describe again on the next call
            } else {
                iterators.put(id, iterator);
            }
            if (!records.isEmpty()) {
                DynamodbEvent event = new DynamodbEvent();
                event.setRecords(records);
                batches.add(event);
            }
        }
        return batches;
    }

    /** An iterator after the last record read from the shard, or at its oldest record when none was read. */
    private String newIterator(String shardId) {
        String last = positions.get(shardId);
        return last == null
                ? streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shardId)
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator()
                : streams.getShardIterator(r -> r.streamArn(streamArn).shardId(shardId)
                .shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).sequenceNumber(last)).shardIterator();
    }

    @Override
    public void close() {
        streams.close();
    }
}
