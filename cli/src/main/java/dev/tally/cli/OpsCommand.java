package dev.tally.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;

/**
 * Base of the operations commands ({@code tally usage ...}, {@code tally invoices ...}, {@code tally dlq ...}): the
 * connection options, output through picocli's writers (so {@code CommandLine#setOut}/{@code setErr} capture it),
 * and one error policy ({@link Errors}): exit code 0 when the command did its work, 1 with a one-line explanation on
 * stderr when it could not (endpoint unreachable, naming that endpoint only; table or queue missing; unknown id; AWS
 * refused a request), 2 on invalid usage.
 */
abstract class OpsCommand implements Callable<Integer> {
    /** Writes exact decimals as written (never {@code 1E+3}). */
    static final ObjectMapper JSON = new ObjectMapper().enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN);

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    /** Total payload of one SendMessageBatch call: SQS's classic limit (256 KiB), safe on every endpoint. */
    static final int MAX_BATCH_BYTES = 256 * 1024;

    /** Clock for the times the commands record ({@code replayedAt}); replaced in tests. */
    Clock clock = Clock.systemUTC();

    /**
     * Does the command's work.
     *
     * <p>Throws {@link Failure}, {@link AwsServiceException} or {@link SdkClientException} when it cannot; {@link #call()}
     * reports them. Throws picocli's {@code ParameterException} for invalid usage (exit code 2).
     *
     * @return the exit code, 0 on success
     */
    abstract int run();

    /** Queue URLs this command resolved, named in the message when a queue is missing. */
    private final List<String> queuesUsed = new ArrayList<>();

    /**
     * Resolves a queue name or URL ({@link ConnectionOptions#queueUrl}) and remembers it for error messages.
     *
     * @param sqs the SQS client
     * @param nameOrUrl a queue name (logical id locally) or URL
     * @return the queue URL
     */
    String queueUrl(SqsClient sqs, String nameOrUrl) {
        String url = connection.queueUrl(sqs, nameOrUrl);
        queuesUsed.add(url);
        return url;
    }

    /**
     * Resolves a queue and checks that it exists (GetQueueAttributes), before anything is read from or sent to any
     * queue.
     *
     * @param sqs the SQS client
     * @param nameOrUrl a queue name (logical id locally) or URL
     * @param role what the queue is to the command, named in the message, e.g. {@code "the target queue (--to)"}
     * @return the queue URL
     * @throws Failure when there is no such queue
     */
    String existingQueue(SqsClient sqs, String nameOrUrl, String role) {
        String url;
        try {
            url = queueUrl(sqs, nameOrUrl);
            sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN));
        } catch (QueueDoesNotExistException e) {
            throw new Failure("no SQS queue " + nameOrUrl + " (" + role + ") at " + connection.describeSqs()
                    + "; nothing was read or sent. Name it by its URL, or by its name"
                    + (connection.aws() ? " in AWS." : " (the template's logical id, e.g. UsageQueue)."), e);
        }
        return url;
    }

    /** @return the table variables this command reads or writes, named in the message when a table is missing */
    List<String> tablesUsed() {
        return List.of();
    }

    /** @return {@code node} as one line of JSON */
    static String jsonLine(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /**
     * Splits messages into SendMessageBatch calls: at most 10 messages and {@link #MAX_BATCH_BYTES} bytes each (a
     * larger message goes alone).
     *
     * @param items messages in order
     * @param bytes size of a message in bytes
     * @return the batches, in order
     */
    static <T> List<List<T>> chunks(List<T> items, ToIntFunction<T> bytes) {
        List<List<T>> batches = new ArrayList<>();
        List<T> current = new ArrayList<>();
        long total = 0;
        for (T item : items) {
            int size = bytes.applyAsInt(item);
            if (!current.isEmpty() && (current.size() == 10 || total + size > MAX_BATCH_BYTES)) {
                batches.add(current);
                current = new ArrayList<>();
                total = 0;
            }
            current.add(item);
            total += size;
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() {
        queuesUsed.clear();
        try {
            return run();
        } catch (Failure e) {
            return fail(e.getMessage(), e);
        } catch (ResourceNotFoundException e) {
            String tables = tablesUsed().stream().map(v -> v + "=" + connection.tableName(v))
                    .collect(Collectors.joining(", "));
            return fail("DynamoDB table not found (" + tables + ") at " + connection.describeDynamoDb() + ": "
                    + errorMessage(e) + (connection.aws() ? ". Set the table variables to the deployed names."
                    : ". Is `tally serve` running there?"), e);
        } catch (QueueDoesNotExistException e) {
            return fail("SQS queue not found: " + (queuesUsed.isEmpty() ? "?" : queuesUsed.getLast()) + " ("
                    + errorMessage(e) + "). Name it by a URL, or by its name "
                    + (connection.aws() ? "in AWS." : "(the template's logical id)."), e);
        } catch (AwsServiceException e) {
            return fail(e.awsErrorDetails() == null ? e.getMessage()
                    : e.awsErrorDetails().serviceName() + " refused the request: " + errorMessage(e)
                    + " (" + e.awsErrorDetails().errorCode() + ")", e);
        } catch (SdkClientException e) {
            String[] endpoint = connection.failedEndpoint();
            IOException io = ioCause(e);
            if (io != null && endpoint != null) {
                return fail("cannot reach " + endpoint[0] + " (" + io.getMessage() + ")."
                        + (connection.aws() ? "" : " Is `tally serve` running? Otherwise pass " + endpoint[1]
                        + ", or --aws for AWS."), e);
            }
            return fail(e.getMessage(), e);
        } finally {
            out().flush();
            err().flush();
        }
    }

    private int fail(String message, Exception cause) {
        return Errors.report(spec.commandLine(), message, new Failure(message, cause));
    }

    private static String errorMessage(AwsServiceException e) {
        return e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
                ? e.awsErrorDetails().errorMessage() : e.getMessage();
    }

    /** The innermost I/O exception (e.g. "Connection refused"), or null. */
    private static IOException ioCause(Throwable e) {
        IOException found = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                found = io;
            }
        }
        return found;
    }
}
