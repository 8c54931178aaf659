package dev.tally.lambda;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Partial batch responses for the event source mappings with {@code ReportBatchItemFailures}, written once for every
 * handler. (Powertools' batch module would do this, but its v2 is not available to this build; see docs/design.md.)
 *
 * <ul>
 *   <li>SQS: every message is tried; the ids of those that threw are returned and only they are redelivered
 *       (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html#services-sqs-batchfailurereporting).</li>
 *   <li>DynamoDB Streams: records are handled in order; at the first that throws, its sequence number is returned
 *       and nothing after it is handled, so Lambda retries from there and order is kept
 *       (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html).</li>
 * </ul>
 * While a message or record is handled, its id is the log context's {@code correlation_id}.
 */
public final class Batches {
    private static final Logger LOG = LoggerFactory.getLogger(Batches.class);
    /** Log context key of the message or record being handled. */
    public static final String CORRELATION_ID = dev.tally.logging.LogContext.CORRELATION_ID;

    private Batches() {
    }

    /**
     * @param event the SQS batch
     * @param handler handles one message; throws to have it redelivered
     * @return the batch response naming the failed messages
     */
    public static SQSBatchResponse sqs(SQSEvent event, Consumer<SQSEvent.SQSMessage> handler) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage message : event.getRecords()) {
            MDC.put(CORRELATION_ID, message.getMessageId());
            try {
                handler.accept(message);
            } catch (RuntimeException e) {
                LOG.warn("message {} failed and will be redelivered: {}", message.getMessageId(), e.toString());
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
            } finally {
                MDC.remove(CORRELATION_ID);
            }
        }
        return new SQSBatchResponse(failures);
    }

    /**
     * @param event the stream batch
     * @param handler handles one record; throws to stop here and have Lambda retry from this record
     * @return the batch response naming the first failed record, if any
     */
    public static StreamsEventResponse stream(DynamodbEvent event, Consumer<DynamodbEvent.DynamodbStreamRecord> handler) {
        for (DynamodbEvent.DynamodbStreamRecord record : event.getRecords()) {
            String sequenceNumber = record.getDynamodb().getSequenceNumber();
            MDC.put(CORRELATION_ID, record.getEventID());
            try {
                handler.accept(record);
            } catch (RuntimeException e) {
                LOG.warn("stream record {} failed; the batch resumes here: {}", sequenceNumber, e.toString());
                return StreamsEventResponse.builder()
                        .withBatchItemFailures(List.of(new StreamsEventResponse.BatchItemFailure(sequenceNumber))).build();
            } finally {
                MDC.remove(CORRELATION_ID);
            }
        }
        return StreamsEventResponse.builder().withBatchItemFailures(List.of()).build();
    }
}
