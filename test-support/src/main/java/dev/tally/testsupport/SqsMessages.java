package dev.tally.testsupport;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * SQS batches as Lambda hands them to a handler, built from a recorded event (aws-lambda-java-tests' EventLoader)
 * with the test's messages, and the failures a partial batch response names.
 */
public final class SqsMessages {

    private SqsMessages() {
    }

    /**
     * One SQS message of a test.
     *
     * @param id the SQS message id (a redelivery keeps it)
     * @param body the message body
     */
    public record QueuedMessage(String id, String body) {
    }

    /**
     * @param body a message body
     * @return a message with a fresh id
     */
    public static QueuedMessage message(String body) {
        return new QueuedMessage(UUID.randomUUID().toString(), body);
    }

    /**
     * @param recordedEvent classpath resource of a recorded SQS event; its first record is the template
     * @param messages the messages of the batch, in order
     * @return the batch
     */
    public static SQSEvent event(String recordedEvent, QueuedMessage... messages) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (QueuedMessage m : messages) {
            SQSEvent.SQSMessage record = EventLoader.loadSQSEvent(recordedEvent).getRecords().get(0);
            record.setMessageId(m.id());
            record.setReceiptHandle("receipt-" + m.id());
            record.setBody(m.body());
            record.setMd5OfBody(null);
            records.add(record);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    /**
     * @param response a handler's partial batch response
     * @return the ids of the messages it asks to have redelivered
     */
    public static List<String> failures(SQSBatchResponse response) {
        return response.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).toList();
    }
}
