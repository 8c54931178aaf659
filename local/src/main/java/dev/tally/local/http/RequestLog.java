package dev.tally.local.http;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The requests the local HTTP API answered through a route, newest last, for people to watch (what
 * {@code tally stripe listen} prints). Keeps the last {@value #CAPACITY}; each entry has a sequence number starting
 * at 1, so a reader asks for what came after the last one it saw ({@link #after}) and may wait for it. Thread-safe.
 */
public final class RequestLog {
    /** How many requests are kept; older ones are dropped. */
    public static final int CAPACITY = 1_000;

    /**
     * One request and its answer.
     *
     * @param sequence position in the log, from 1
     * @param receivedAt when it arrived, seconds since the epoch on the runtime's clock
     * @param method upper-case HTTP method
     * @param path the request path
     * @param routeKey the route that answered, e.g. {@code POST /webhooks/stripe}
     * @param function the logical id of the function invoked
     * @param status the HTTP status answered
     * @param requestBody the body received (UTF-8 text), or null
     * @param responseBody the body answered (UTF-8 text), or null
     */
    public record Entry(long sequence, long receivedAt, String method, String path, String routeKey, String function,
                        int status, String requestBody, String responseBody) {
    }

    private final Deque<Entry> entries = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition added = lock.newCondition();
    private long last;

    /**
     * Appends a request; the sequence number is assigned here.
     *
     * @return the entry as stored
     */
    public Entry add(long receivedAt, String method, String path, String routeKey, String function, int status,
                     String requestBody, String responseBody) {
        lock.lock();
        try {
            Entry e = new Entry(++last, receivedAt, method, path, routeKey, function, status, requestBody, responseBody);
            entries.addLast(e);
            if (entries.size() > CAPACITY) {
                entries.removeFirst();
            }
            added.signalAll();
            return e;
        } finally {
            lock.unlock();
        }
    }

    /** The sequence number of the newest entry, 0 when none was logged yet. */
    public long lastSequence() {
        lock.lock();
        try {
            return last;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The entries after {@code sequence}, oldest first; waits up to {@code wait} for one when there is none yet.
     *
     * @param sequence the last sequence number the reader has seen (0: from the oldest kept)
     * @param wait how long to wait for a new entry; zero returns at once
     * @return the entries (empty when none came in time)
     */
    public List<Entry> after(long sequence, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        lock.lock();
        try {
            while (last <= sequence) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return List.of();
                }
                added.await(left, TimeUnit.NANOSECONDS);
            }
            List<Entry> out = new ArrayList<>();
            for (Entry e : entries) {
                if (e.sequence() > sequence) {
                    out.add(e);
                }
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } finally {
            lock.unlock();
        }
    }
}
