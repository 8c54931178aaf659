package dev.tally.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test stream handler: records {@code "<eventName> <pk>"} for every record it is given, in order; reports a record
 * whose key starts with {@code keep#poison} as a batch item failure every time.
 */
public class RecordingStreamHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
    public final List<String> seen = new CopyOnWriteArrayList<>();
    public final List<DynamodbEvent.DynamodbStreamRecord> records = new CopyOnWriteArrayList<>();

    public RecordingStreamHandler(Map<String, String> env, Clock clock) {
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        List<StreamsEventResponse.BatchItemFailure> failures = new ArrayList<>();
        for (DynamodbEvent.DynamodbStreamRecord r : event.getRecords()) {
            String pk = r.getDynamodb().getKeys().get("pk").getS();
            seen.add(r.getEventName() + " " + pk);
            records.add(r);
            if (pk.startsWith("keep#poison") && failures.isEmpty()) {
                failures.add(StreamsEventResponse.BatchItemFailure.builder()
                        .withItemIdentifier(r.getDynamodb().getSequenceNumber()).build());
            }
        }
        return StreamsEventResponse.builder().withBatchItemFailures(failures).build();
    }
}
