package dev.tally.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import picocli.CommandLine.ParameterException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.BatchResultErrorEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchResultEntry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code tally dlq redrive}: moves messages from a dead-letter queue back to its source queue, where their
 * consumer processes them again. Both queues are resolved and checked to exist before any message is received.
 * Then it receives up to 10 at a time (1 s long poll, hidden for {@value #VISIBILITY_TIMEOUT_SECONDS} s), sends each
 * body with its message attributes to the target (system attributes and the message id are not kept), and deletes
 * a message from the dead-letter queue only after the target accepted it. A message the target refused (or that was
 * received when a call failed) is made visible in the dead-letter queue again at once (ChangeMessageVisibility 0),
 * so a second run sees it. Stops when a receive returns nothing, after {@code --max} messages, or at the first
 * message that could not be moved.
 *
 * <p>The default target is the one queue whose RedrivePolicy names the dead-letter queue
 * (ListDeadLetterSourceQueues); when the endpoint knows none, the dead-letter queue's name without
 * {@code DeadLetter} ({@code UsageDeadLetterQueue} -> {@code UsageQueue}).
 *
 * <p>Exit code 1 when a queue does not exist (naming which), the target cannot be determined, or a message could not
 * be moved (a refused one stays in the dead-letter queue, visible; one sent but not deleted is in both queues:
 * Tally's consumers ignore the duplicate). Exit code 2 for {@code --max} below 1.
 */
@Command(name = "redrive", mixinStandardHelpOptions = true,
        description = {"Moves messages from a dead-letter queue back to its source queue: each is sent to the target "
                + "with its attributes and deleted from the dead-letter queue only then. Runs until the dead-letter "
                + "queue is empty or --max messages were moved."})
final class DlqRedriveCommand extends OpsCommand {
    static final int VISIBILITY_TIMEOUT_SECONDS = 60;

    @Option(names = "--queue", required = true, paramLabel = "QUEUE",
            description = "The dead-letter queue: a name (UsageDeadLetterQueue, InvoiceJobsDeadLetterQueue) or a URL.")
    String queue;

    @Option(names = "--to", paramLabel = "QUEUE",
            description = "The target queue: a name or a URL. Default: the queue whose RedrivePolicy points at "
                    + "--queue; locally its name without DeadLetter (UsageDeadLetterQueue -> UsageQueue).")
    String to;

    @Option(names = "--max", paramLabel = "N", description = "Move at most N messages. Default: all.")
    Long max;

    @Override
    int run() {
        if (max != null && max < 1) {
            throw new ParameterException(spec.commandLine(), "--max must be at least 1");
        }
        try (SqsClient sqs = connection.sqs()) {
            String dlqUrl = existingQueue(sqs, queue, "the dead-letter queue, --queue");
            String targetUrl = to != null ? existingQueue(sqs, to, "the target queue, --to")
                    : existingQueue(sqs, sourceOf(sqs, dlqUrl), "the queue that dead-letters into " + queue
                    + ", the default target; choose one with --to");
            if (targetUrl.equals(dlqUrl)) {
                throw new ParameterException(spec.commandLine(), "--to is the dead-letter queue itself: " + dlqUrl);
            }
            long moved = 0;
            List<String> problems = new ArrayList<>();
            while (problems.isEmpty() && (max == null || moved < max)) {
                int n = (int) Math.min(10, max == null ? 10 : max - moved);
                List<Message> messages = sqs.receiveMessage(r -> r.queueUrl(dlqUrl).maxNumberOfMessages(n)
                        .waitTimeSeconds(1).visibilityTimeout(VISIBILITY_TIMEOUT_SECONDS)
                        .messageAttributeNames("All")).messages();
                if (messages.isEmpty()) {
                    break;
                }
                moved += move(sqs, messages, dlqUrl, targetUrl, problems);
            }
            out().printf("Moved %s from %s to %s.%n", Words.count(moved, "message"), dlqUrl, targetUrl);
            if (max != null && moved == max) {
                out().printf("--max reached; about %s left in the dead-letter queue.%n", approximateMessages(sqs, dlqUrl));
            }
            problems.forEach(p -> err().println(spec.qualifiedName() + ": " + p));
            return problems.isEmpty() ? 0 : 1;
        }
    }

    /**
     * Sends {@code messages} to the target and deletes those it accepted; those not sent are made visible in the
     * dead-letter queue again at once, also when a call throws. Returns how many were moved.
     */
    private long move(SqsClient sqs, List<Message> messages, String dlqUrl, String targetUrl, List<String> problems) {
        long moved = 0;
        List<Message> notSent = new ArrayList<>(messages);
        try {
            for (List<Message> batch : chunks(messages, DlqRedriveCommand::size)) {
                List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
                            .messageBody(batch.get(i).body()).messageAttributes(batch.get(i).messageAttributes()).build());
                }
                SendMessageBatchResponse sent = sqs.sendMessageBatch(r -> r.queueUrl(targetUrl).entries(entries));
                for (BatchResultErrorEntry failed : sent.failed()) {
                    problems.add("message " + batch.get(Integer.parseInt(failed.id())).messageId() + " not moved ("
                            + failed.code() + " " + failed.message() + "); it stays in the dead-letter queue, visible again");
                }
                List<DeleteMessageBatchRequestEntry> deletes = new ArrayList<>();
                for (SendMessageBatchResultEntry ok : sent.successful()) {
                    Message m = batch.get(Integer.parseInt(ok.id()));
                    notSent.remove(m);
                    deletes.add(DeleteMessageBatchRequestEntry.builder().id(ok.id()).receiptHandle(m.receiptHandle()).build());
                }
                if (deletes.isEmpty()) {
                    continue;
                }
                moved += deletes.size();
                DeleteMessageBatchResponse deleted = sqs.deleteMessageBatch(r -> r.queueUrl(dlqUrl).entries(deletes));
                for (BatchResultErrorEntry failed : deleted.failed()) {
                    problems.add("message " + batch.get(Integer.parseInt(failed.id())).messageId() + " was sent but not "
                            + "deleted (" + failed.code() + " " + failed.message() + "); it will reappear in the "
                            + "dead-letter queue and be moved again, a duplicate");
                }
            }
        } finally {
            makeVisible(sqs, dlqUrl, notSent, problems);
        }
        return moved;
    }

    /** Ends the invisibility of messages received but not moved, so they can be received again at once. */
    private static void makeVisible(SqsClient sqs, String dlqUrl, List<Message> messages, List<String> problems) {
        for (int i = 0; i < messages.size(); i += 10) {
            List<Message> batch = messages.subList(i, Math.min(messages.size(), i + 10));
            List<ChangeMessageVisibilityBatchRequestEntry> entries = new ArrayList<>();
            for (int j = 0; j < batch.size(); j++) {
                entries.add(ChangeMessageVisibilityBatchRequestEntry.builder().id(Integer.toString(j))
                        .receiptHandle(batch.get(j).receiptHandle()).visibilityTimeout(0).build());
            }
            try {
                var changed = sqs.changeMessageVisibilityBatch(r -> r.queueUrl(dlqUrl).entries(entries));
                for (BatchResultErrorEntry failed : changed.failed()) {
                    problems.add("message " + batch.get(Integer.parseInt(failed.id())).messageId() + " stays invisible "
                            + "for up to " + VISIBILITY_TIMEOUT_SECONDS + " s (" + failed.code() + " " + failed.message() + ")");
                }
            } catch (SdkException e) {
                problems.add(Words.count(batch.size(), "message") + " stay invisible for up to "
                        + VISIBILITY_TIMEOUT_SECONDS + " s: " + e.getMessage());
            }
        }
    }

    /** SQS's approximate number of visible messages in a queue. */
    private static String approximateMessages(SqsClient sqs, String queueUrl) {
        return sqs.getQueueAttributes(r -> r.queueUrl(queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes()
                .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
    }

    /** The queue that dead-letters into {@code dlqUrl}. */
    private String sourceOf(SqsClient sqs, String dlqUrl) {
        List<String> sources;
        try {
            sources = sqs.listDeadLetterSourceQueues(r -> r.queueUrl(dlqUrl)).queueUrls();
        } catch (QueueDoesNotExistException e) {
            throw e;
        } catch (AwsServiceException e) {
            sources = List.of(); // an endpoint without ListDeadLetterSourceQueues: go by name
        }
        if (sources.size() == 1) {
            return sources.get(0);
        }
        if (sources.size() > 1) {
            throw new Failure("several queues dead-letter into " + dlqUrl + ": " + sources + "; choose one with --to");
        }
        int slash = dlqUrl.lastIndexOf('/');
        String name = dlqUrl.substring(slash + 1);
        if (!name.contains("DeadLetter")) {
            throw new Failure("no queue names " + dlqUrl + " as its dead-letter queue; choose the target with --to");
        }
        return dlqUrl.substring(0, slash + 1) + name.replace("DeadLetter", "");
    }

    /** Bytes a message counts for in a batch: body, attribute names, types and values. */
    private static int size(Message m) {
        int size = m.body().getBytes(StandardCharsets.UTF_8).length;
        for (Map.Entry<String, MessageAttributeValue> a : m.messageAttributes().entrySet()) {
            MessageAttributeValue v = a.getValue();
            size += a.getKey().length() + (v.dataType() == null ? 0 : v.dataType().length())
                    + (v.stringValue() == null ? 0 : v.stringValue().getBytes(StandardCharsets.UTF_8).length)
                    + (v.binaryValue() == null ? 0 : v.binaryValue().asByteArray().length);
        }
        return size;
    }
}
