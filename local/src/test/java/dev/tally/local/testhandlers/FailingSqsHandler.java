package dev.tally.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Test SQS handler: records every body it is given; reports a body of {@code fail} as a batch item failure; blocks
 * on a body of {@code block} until {@link #release()} (at most 30 s).
 */
public class FailingSqsHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    public final Map<String, String> env;
    public final List<String> bodies = new CopyOnWriteArrayList<>();
    public final List<SQSEvent.SQSMessage> messages = new CopyOnWriteArrayList<>();
    private final CountDownLatch released = new CountDownLatch(1);

    public FailingSqsHandler(Map<String, String> env, Clock clock) {
        this.env = env;
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        for (SQSEvent.SQSMessage m : event.getRecords()) {
            bodies.add(m.getBody());
            messages.add(m);
            if (m.getBody().equals("fail")) {
                failures.add(SQSBatchResponse.BatchItemFailure.builder().withItemIdentifier(m.getMessageId()).build());
            }
            if (m.getBody().equals("block")) {
                try {
                    released.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return SQSBatchResponse.builder().withBatchItemFailures(failures).build();
    }

    public void release() {
        released.countDown();
    }

    public long count(String body) {
        return bodies.stream().filter(body::equals).count();
    }
}
