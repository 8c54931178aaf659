package dev.tally.local.lambda;

import java.time.Duration;

/**
 * A running connection between an event source and a function (an SQS or DynamoDB Streams poller), run on its own
 * daemon thread named after the mapping.
 */
public interface EventSourceMapping {

    /** A name for logs and thread names, e.g. {@code sqs:UsageQueue->UsageIngestFunction}. */
    String name();

    /** Starts the poller thread. Called once. */
    void start();

    /**
     * Whether the mapping has completed a look at its source that began after {@code nanos} (a
     * {@link System#nanoTime()} mark), so that {@link #busyReason()} reflects everything written before the mark.
     * Always true for a source whose backlog can be asked directly (SQS).
     */
    boolean hasPolledSince(long nanos);

    /**
     * Why the mapping is not idle, or {@code null} when it is: nothing pending at the source (as of its last look)
     * and nothing being delivered.
     */
    String busyReason();

    /** Stops polling and waits up to {@code timeout} for the thread to end (an invocation in progress finishes). */
    void stop(Duration timeout);
}
