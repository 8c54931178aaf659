package dev.tally.testsupport;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import dev.tally.local.streams.StreamRecordConverter;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.StreamRecord;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DynamoDB Streams records as Lambda delivers them, built from SDK v2 item maps and converted to the
 * aws-lambda-java-events model by the local runtime's own {@link StreamRecordConverter}.
 */
public final class StreamEvents {
    private static final AtomicLong SEQUENCE = new AtomicLong(4_100_000_000_000_000_000L);

    private final StreamRecordConverter converter;

    /**
     * @param table the table whose stream this is
     * @param region the region reported in the records
     */
    public StreamEvents(String table, String region) {
        this.converter = new StreamRecordConverter(
                "arn:aws:dynamodb:" + region + ":000000000000:table/" + table + "/stream/2026-11-01T00:00:00.000", region);
    }

    /**
     * @param eventName INSERT, MODIFY or REMOVE
     * @param keys the item's key attributes
     * @param newImage image after, or null
     * @param oldImage image before, or null
     * @param viewType the stream's view type
     * @param at approximate creation time
     * @return the record, with a fresh increasing sequence number
     */
    public DynamodbEvent.DynamodbStreamRecord record(String eventName, Map<String, AttributeValue> keys,
                                              Map<String, AttributeValue> newImage, Map<String, AttributeValue> oldImage,
                                              StreamViewType viewType, Instant at) {
        StreamRecord.Builder stream = StreamRecord.builder()
                .keys(keys)
                .sequenceNumber(Long.toString(SEQUENCE.incrementAndGet()))
                .sizeBytes(256L)
                .streamViewType(viewType)
                .approximateCreationDateTime(at);
        if (newImage != null) {
            stream.newImage(newImage);
        }
        if (oldImage != null) {
            stream.oldImage(oldImage);
        }
        return converter.toLambda(Record.builder()
                .eventID(UUID.randomUUID().toString().replace("-", ""))
                .eventName(eventName)
                .eventVersion("1.1")
                .eventSource("aws:dynamodb")
                .dynamodb(stream.build())
                .build());
    }

    /**
     * @param records records in stream order
     * @return a batch as Lambda hands it to the function
     */
    public static DynamodbEvent batch(DynamodbEvent.DynamodbStreamRecord... records) {
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(List.of(records));
        return event;
    }
}
