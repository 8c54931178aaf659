package dev.tally.local.sqs;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.local.PollerThread;
import dev.tally.local.lambda.HandlerException;
import dev.tally.local.lambda.LocalFunction;
import dev.tally.local.template.FunctionEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * An SQS event source mapping: long-polls a queue and invokes a function with {@link SQSEvent} batches, the way
 * Lambda's poller does.
 *
 * <ul>
 *   <li>Receives up to {@code min(BatchSize, 10)} messages per call (1 s long poll, all system and message
 *       attributes); with {@code MaximumBatchingWindowInSeconds} or a {@code BatchSize} above 10 it keeps receiving
 *       until the batch is full or the window has passed.</li>
 *   <li>Each message becomes an {@code SQSMessage} with messageId, receiptHandle, body, MD5s, attributes (including
 *       {@code ApproximateReceiveCount}), message attributes, {@code eventSource=aws:sqs}, the queue ARN and region.</li>
 *   <li>Handler throws: nothing is deleted; the messages become visible again after the queue's visibility timeout,
 *       and the queue's redrive policy moves them to the dead-letter queue after {@code maxReceiveCount}
 *       receives.</li>
 *   <li>Handler returns an {@link SQSBatchResponse} (or a map/JSON of the same shape) and the mapping has
 *       {@code ReportBatchItemFailures}: every message except the listed ones is deleted; an empty or unknown
 *       identifier fails the whole batch, as in Lambda. Otherwise every message is deleted.</li>
 * </ul>
 * Errors talking to the queue are logged and retried after a second; they never end the thread.
 */
public final class SqsEventSourcePoller extends PollerThread {
    private static final Logger LOG = LoggerFactory.getLogger(SqsEventSourcePoller.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LONG_POLL_SECONDS = 1;

    private final LocalFunction function;
    private final FunctionEvent.Sqs mapping;
    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final String region;
    private final String name;
    private volatile boolean delivering;

    /**
     * A poller, not yet started.
     *
     * @param function the function to invoke
     * @param mapping the template's SQS event
     * @param sqs a client for the queue's endpoint (not closed here)
     * @param queueUrl the queue's URL
     * @param queueArn the queue's ARN, reported as {@code eventSourceARN}
     * @param region reported as {@code awsRegion}
     */
    public SqsEventSourcePoller(LocalFunction function, FunctionEvent.Sqs mapping, SqsClient sqs, String queueUrl,
                                String queueArn, String region) {
        this.function = Objects.requireNonNull(function, "function");
        this.mapping = Objects.requireNonNull(mapping, "mapping");
        this.sqs = Objects.requireNonNull(sqs, "sqs");
        this.queueUrl = Objects.requireNonNull(queueUrl, "queueUrl");
        this.queueArn = Objects.requireNonNull(queueArn, "queueArn");
        this.region = Objects.requireNonNull(region, "region");
        this.name = "sqs:" + mapping.queueLogicalId() + "->" + function.name();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    protected void pollFailed(RuntimeException e) {
        LOG.warn("{}: polling failed, retrying in 1 s: {}", name, e.toString());
    }

    @Override
    protected void pollOnce() {
        List<Message> batch = receive(Math.min(mapping.batchSize(), 10), LONG_POLL_SECONDS);
        if (batch.isEmpty()) {
            return;
        }
        delivering = true;
        try {
            fillBatch(batch);
            deliver(batch);
        } finally {
            delivering = false;
        }
    }

    /** Keeps receiving while the batching window is open or the batch size exceeds what one receive returns. */
    private void fillBatch(List<Message> batch) {
        int window = mapping.maximumBatchingWindowSeconds();
        if (batch.size() >= mapping.batchSize() || (window <= 0 && mapping.batchSize() <= 10)) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(window);
        while (running() && batch.size() < mapping.batchSize()) {
            long leftNanos = deadline - System.nanoTime();
            int wait = leftNanos <= 0 ? 0 : (int) Math.min(20, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(leftNanos)));
            List<Message> more = receive(Math.min(10, mapping.batchSize() - batch.size()), wait);
            batch.addAll(more);
            if (more.isEmpty() && leftNanos <= 0) {
                return;
            }
        }
    }

    @SuppressWarnings("deprecation") // attributeNames: ElasticMQ and LocalStack honour both spellings
    private List<Message> receive(int max, int waitSeconds) {
        return new ArrayList<>(sqs.receiveMessage(r -> r.queueUrl(queueUrl)
                .maxNumberOfMessages(max)
                .waitTimeSeconds(waitSeconds)
                .attributeNamesWithStrings("All")
                .messageSystemAttributeNamesWithStrings("All")
                .messageAttributeNames("All")).messages());
    }

    private void deliver(List<Message> batch) {
        SQSEvent event = new SQSEvent();
        event.setRecords(batch.stream().map(this::toRecord).toList());
        Object result;
        try {
            result = function.invoke(event);
        } catch (HandlerException e) {
            LOG.warn("{}: handler failed; {} message(s) stay on the queue until their visibility timeout", name,
                    batch.size());
            return;
        }
        List<Message> toDelete = batch;
        if (mapping.reportBatchItemFailures()) {
            List<String> failed = failedIdentifiers(result);
            Set<String> ids = new HashSet<>();
            batch.forEach(m -> ids.add(m.messageId()));
            if (failed.stream().anyMatch(id -> id == null || !ids.contains(id))) {
                LOG.warn("{}: batchItemFailures holds an empty or unknown itemIdentifier {}; the whole batch fails",
                        name, failed);
                return;
            }
            Set<String> failedSet = new HashSet<>(failed);
            toDelete = batch.stream().filter(m -> !failedSet.contains(m.messageId())).toList();
            if (!failed.isEmpty()) {
                LOG.info("{}: {} of {} message(s) reported failed; they stay on the queue", name, failed.size(),
                        batch.size());
            }
        }
        delete(toDelete);
    }

    /** The itemIdentifiers of a handler's partial-batch response (empty when it reports no failure). */
    static List<String> failedIdentifiers(Object result) {
        if (result == null) {
            return List.of();
        }
        SQSBatchResponse response;
        if (result instanceof SQSBatchResponse r) {
            response = r;
        } else {
            try {
                response = result instanceof String s
                        ? JSON.readValue(s, SQSBatchResponse.class)
                        : JSON.convertValue(result, SQSBatchResponse.class);
            } catch (Exception e) {
                LOG.debug("handler result is not a batch response: {}", e.toString());
                return List.of();
            }
        }
        if (response.getBatchItemFailures() == null) {
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        for (SQSBatchResponse.BatchItemFailure f : response.getBatchItemFailures()) {
            String id = f == null ? null : f.getItemIdentifier();
            ids.add(id == null || id.isEmpty() ? null : id);
        }
        return ids;
    }

    private void delete(List<Message> messages) {
        for (int i = 0; i < messages.size(); i += 10) {
            List<Message> chunk = messages.subList(i, Math.min(messages.size(), i + 10));
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int j = 0; j < chunk.size(); j++) {
                entries.add(DeleteMessageBatchRequestEntry.builder()
                        .id(Integer.toString(j)).receiptHandle(chunk.get(j).receiptHandle()).build());
            }
            List<BatchResultErrorEntry> failed = sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries))
                    .failed();
            if (!failed.isEmpty()) {
                LOG.warn("{}: could not delete {} message(s): {}", name, failed.size(), failed);
            }
        }
    }

    private SQSEvent.SQSMessage toRecord(Message m) {
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        record.setMessageId(m.messageId());
        record.setReceiptHandle(m.receiptHandle());
        record.setBody(m.body());
        record.setMd5OfBody(m.md5OfBody());
        record.setMd5OfMessageAttributes(m.md5OfMessageAttributes());
        record.setAttributes(new LinkedHashMap<>(m.attributesAsStrings()));
        Map<String, SQSEvent.MessageAttribute> attributes = new LinkedHashMap<>();
        m.messageAttributes().forEach((k, v) -> attributes.put(k, toAttribute(v)));
        record.setMessageAttributes(attributes);
        record.setEventSource("aws:sqs");
        record.setEventSourceArn(queueArn);
        record.setAwsRegion(region);
        return record;
    }

    private static SQSEvent.MessageAttribute toAttribute(MessageAttributeValue v) {
        SQSEvent.MessageAttribute a = new SQSEvent.MessageAttribute();
        a.setDataType(v.dataType());
        a.setStringValue(v.stringValue());
        if (v.binaryValue() != null) {
            a.setBinaryValue(v.binaryValue().asByteBuffer());
        }
        a.setStringListValues(v.hasStringListValues() ? v.stringListValues() : List.of());
        a.setBinaryListValues(v.hasBinaryListValues()
                ? v.binaryListValues().stream().map(b -> b.asByteBuffer()).toList() : List.of());
        return a;
    }

    @Override
    public boolean hasPolledSince(long nanos) {
        return true;
    }

    @Override
    public String busyReason() {
        if (delivering) {
            return name + ": delivering a batch";
        }
        Map<QueueAttributeName, String> attrs = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        long visible = count(attrs, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        long inFlight = count(attrs, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
        long delayed = count(attrs, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);
        if (visible + inFlight + delayed == 0) {
            return null;
        }
        return name + ": " + visible + " visible, " + inFlight + " in flight, " + delayed + " delayed";
    }

    private static long count(Map<QueueAttributeName, String> attrs, QueueAttributeName name) {
        String value = attrs.get(name);
        return value == null ? 0 : Long.parseLong(value);
    }

    @Override
    protected void started() {
        LOG.debug("{}: polling {}", name, queueUrl);
    }

    @Override
    public String toString() {
        return name + " (batch " + mapping.batchSize()
                + (mapping.maximumBatchingWindowSeconds() > 0 ? ", window " + mapping.maximumBatchingWindowSeconds()
                + " s" : "")
                + (mapping.reportBatchItemFailures() ? ", ReportBatchItemFailures" : "") + ")";
    }
}
