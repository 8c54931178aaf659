package dev.tally.local;

import dev.tally.local.lambda.EventSourceMapping;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base of the event source pollers ({@link dev.tally.local.sqs.SqsEventSourcePoller},
 * {@link dev.tally.local.streams.DynamoDbStreamPoller}): their thread lifecycle, written once. {@link #start()} runs
 * the poll loop on one daemon thread named after the mapping ({@link #name()}); the loop calls {@link #pollOnce()}
 * while the running flag is set, and when it throws, has the poller log it ({@link #pollFailed}) and tries again after
 * a second, so an error never ends the thread. {@link #pause} waits in a way that {@link #stop} cuts short;
 * {@link #stop} clears the flag, wakes any pause and joins the thread, warning in the poller's own log (the logger
 * named after its class) when the thread outlives the timeout.
 */
public abstract class PollerThread implements EventSourceMapping {
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running;
    private Thread thread;

    /**
     * Sets the running flag, starts the poll loop on a new daemon thread, then calls {@link #started()}.
     *
     * @throws IllegalStateException when already started
     */
    @Override
    public final synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException(name() + " already started");
        }
        running = true;
        thread = new Thread(this::loop, name());
        thread.setDaemon(true);
        thread.start();
        started();
    }

    /** Called by {@link #start()} once the thread runs (still under its lock), e.g. to log what the poller reads. */
    protected abstract void started();

    /** One look at the source and the delivery of what it found; runs on the poller thread, may {@link #pause}. */
    protected abstract void pollOnce();

    /** Logs a {@link #pollOnce()} that threw while running; the loop then waits a second and polls again. */
    protected abstract void pollFailed(RuntimeException e);

    private void loop() {
        while (running) {
            try {
                pollOnce();
            } catch (RuntimeException e) {
                if (running) {
                    pollFailed(e);
                    pause(RETRY_AFTER);
                }
            }
        }
    }

    /** Whether the poller should go on: true from {@link #start()} until {@link #stop} (or an interrupted pause). */
    protected final boolean running() {
        return running;
    }

    /**
     * Waits for {@code d}, or less when {@link #stop} is called meanwhile. An interrupt ends the wait and clears the
     * running flag (the interrupt status is kept).
     */
    protected final void pause(Duration d) {
        try {
            stopped.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /**
     * Clears the running flag, wakes the loop from any {@link #pause} and waits up to {@code timeout} for the thread
     * to end (an invocation in progress finishes); logs a warning when it is still alive then.
     */
    @Override
    public final void stop(Duration timeout) {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        stopped.countDown();
        if (t != null) {
            try {
                t.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                log.warn("{}: still running after {}", name(), timeout);
            }
        }
    }
}
