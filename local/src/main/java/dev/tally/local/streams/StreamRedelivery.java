package dev.tally.local.streams;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;

import java.util.List;
import java.util.function.Function;

/**
 * Delivers a stream batch to a handler the way Lambda does with {@code ReportBatchItemFailures}
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html): when the handler names a
 * failed record, the batch is delivered again from that record. For tests and benchmarks that drive a stream handler
 * by hand; the local runtime's {@link DynamoDbStreamPoller} does the same with its mapping's retry settings.
 */
public final class StreamRedelivery {
    private StreamRedelivery() {
    }

    /**
     * @param handler the function's handler
     * @param records the batch, in stream order
     * @param maxDeliveries how many deliveries before giving up
     * @throws IllegalStateException if the batch still fails after {@code maxDeliveries}
     */
    public static void deliver(Function<DynamodbEvent, StreamsEventResponse> handler,
                               List<DynamodbEvent.DynamodbStreamRecord> records, int maxDeliveries) {
        List<DynamodbEvent.DynamodbStreamRecord> remaining = records;
        for (int attempt = 1; !remaining.isEmpty(); attempt++) {
            DynamodbEvent event = new DynamodbEvent();
            event.setRecords(remaining);
            StreamsEventResponse response = handler.apply(event);
            if (response == null || response.getBatchItemFailures() == null || response.getBatchItemFailures().isEmpty()) {
                return;
            }
            if (attempt >= maxDeliveries) {
                throw new IllegalStateException("stream batch still failing after " + maxDeliveries + " deliveries");
            }
            String failed = response.getBatchItemFailures().get(0).getItemIdentifier();
            int at = 0;
            while (at < remaining.size() && !remaining.get(at).getDynamodb().getSequenceNumber().equals(failed)) {
                at++;
            }
            remaining = remaining.subList(at, remaining.size());
        }
    }
}
