package dev.tally.local.schedule;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.tally.local.LocalClock;
import dev.tally.local.lambda.HandlerException;
import dev.tally.local.lambda.LocalFunction;
import dev.tally.local.template.FunctionEvent;
import dev.tally.local.template.IntrinsicResolver;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.joda.time.DateTime;
import org.joda.time.DateTimeZone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EventBridge Scheduler for the template's {@code ScheduleV2} events, on the {@link LocalClock}.
 *
 * <p>Each enabled schedule's next fire time is computed from the clock when the scheduler starts; whenever the clock
 * reaches or passes it (by ticking, {@link LocalClock#set} or {@link LocalClock#advance}), the function is invoked
 * with a {@link ScheduledEvent} whose {@code time} is the scheduled time, then the next fire time is computed from
 * it. When a jump of the clock passes several occurrences at once, they are coalesced: the schedule fires once, for
 * the latest of them (so moving the clock a month ahead runs an hourly job once, not 720 times). A handler that
 * throws is retried up to the event's
 * {@code RetryPolicy.MaximumRetryAttempts}. Firing happens on one daemon thread named {@code scheduler}; the clock's
 * listener wakes it at once. {@link #runNow} fires a schedule immediately on the caller's thread. Thread-safe.
 */
public final class LocalScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalScheduler.class);
    private final LocalClock clock;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Consumer<Instant> listener = now -> signal();
    private volatile boolean running;
    private volatile String firing;
    private Thread thread;

    /**
     * Computes each schedule's first fire time from the clock; nothing fires before {@link #start()}.
     *
     * @param clock the local clock
     * @param functions the running functions; each enabled {@code ScheduleV2} event of them becomes a schedule
     */
    public LocalScheduler(LocalClock clock, List<LocalFunction> functions) {
        this.clock = Objects.requireNonNull(clock, "clock");
        Instant now = clock.instant();
        for (LocalFunction f : functions) {
            for (FunctionEvent.Schedule s : f.definition().events(FunctionEvent.Schedule.class)) {
                String where = f.name() + " Events." + s.name();
                ScheduleExpression expression = ScheduleExpression.parse(s.scheduleExpression(), s.timezone(), where);
                Entry e = new Entry(f, s, expression, s.enabled() ? expression.nextAfter(now).orElse(null) : null);
                entries.put(f.name() + "." + s.name(), e);
            }
        }
    }

    /** Starts the scheduler thread and listens to the clock. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("scheduler already started");
        }
        running = true;
        clock.addListener(listener);
        thread = new Thread(this::run, "scheduler");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            try {
                fireDue();
            } catch (RuntimeException e) {
                LOG.warn("scheduler: {}", e.toString());
            }
            lock.lock();
            try {
                if (running && !anyDue()) {
                    changed.await(200, TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    private void fireDue() {
        for (Entry e : entries.values()) {
            Instant now = clock.instant();
            Instant first = e.next;
            if (!running || first == null || first.isAfter(now)) {
                continue;
            }
            Instant due = e.expression.latestBetween(first, now);
            if (!due.equals(first)) {
                LOG.info("{}: the clock jumped past the occurrences from {} to {}; firing once, for the latest",
                        e.label(), first, due);
            }
            fireWithRetries(e, due);
            e.next = e.expression.nextAfter(due).orElse(null);
        }
    }

    private void fireWithRetries(Entry e, Instant time) {
        firing = e.label() + " at " + time;
        try {
            for (int attempt = 0; attempt <= e.event.maximumRetryAttempts() && running; attempt++) {
                try {
                    LOG.info("{}: firing for {}", e.label(), time);
                    e.function.invoke(event(e, time));
                    return;
                } catch (HandlerException ex) {
                    LOG.warn("{}: invocation for {} failed (attempt {} of {})", e.label(), time, attempt + 1,
                            e.event.maximumRetryAttempts() + 1);
                }
            }
        } finally {
            firing = null;
        }
    }

    private boolean anyDue() {
        Instant now = clock.instant();
        return entries.values().stream().anyMatch(e -> e.next != null && !e.next.isAfter(now));
    }

    private void signal() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fires a function's (first) schedule now, on the caller's thread, with {@code time = clock.instant()}; the
     * regular schedule is unaffected.
     *
     * @return what the handler returned
     * @throws IllegalArgumentException when the function is not running or has no ScheduleV2 event
     * @throws HandlerException when the handler throws
     */
    public Object runNow(String functionLogicalId) {
        Entry e = entries.values().stream()
                .filter(x -> x.function.name().equals(functionLogicalId))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(functionLogicalId
                        + " is not a running function with a ScheduleV2 event (scheduled: " + scheduledFunctions() + ")"));
        return e.function.invoke(event(e, clock.instant()));
    }

    private List<String> scheduledFunctions() {
        return entries.values().stream().map(x -> x.function.name()).distinct().toList();
    }

    /** The event EventBridge Scheduler would send. */
    static ScheduledEvent event(Entry e, Instant time) {
        ScheduledEvent event = new ScheduledEvent();
        event.setVersion("0");
        event.setId(UUID.randomUUID().toString());
        event.setDetailType("Scheduled Event");
        event.setSource("aws.scheduler");
        event.setAccount(IntrinsicResolver.ACCOUNT_ID);
        event.setRegion(IntrinsicResolver.REGION);
        event.setTime(new DateTime(time.toEpochMilli(), DateTimeZone.UTC));
        event.setResources(List.of(e.scheduleArn()));
        event.setDetail(new LinkedHashMap<>());
        return event;
    }

    /** Why the scheduler is not idle ({@code null} when nothing is firing or due). */
    public String busyReason() {
        String f = firing;
        if (f != null) {
            return "scheduler: firing " + f;
        }
        if (!running) {
            return null;
        }
        Instant now = clock.instant();
        for (Entry e : entries.values()) {
            Instant next = e.next;
            if (next != null && !next.isAfter(now)) {
                return "scheduler: " + e.label() + " due at " + next;
            }
        }
        return null;
    }

    /** One line per schedule: function, event, expression and next fire time. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            out.add(e.label() + "  " + e.expression + "  "
                    + (e.event.enabled() ? "next " + (e.next == null ? "never" : e.next) : "DISABLED"));
        }
        return out;
    }

    /** The next fire time of a function's first schedule, or {@code null} when it will not fire again. */
    public Instant nextFireTime(String functionLogicalId) {
        return entries.values().stream().filter(x -> x.function.name().equals(functionLogicalId))
                .findFirst().map(x -> x.next).orElse(null);
    }

    /** Stops the thread (a firing in progress finishes) and the clock listener. Idempotent. */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        clock.removeListener(listener);
        signal();
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static final class Entry {
        final LocalFunction function;
        final FunctionEvent.Schedule event;
        final ScheduleExpression expression;
        volatile Instant next;

        Entry(LocalFunction function, FunctionEvent.Schedule event, ScheduleExpression expression, Instant next) {
            this.function = function;
            this.event = event;
            this.expression = expression;
            this.next = next;
        }

        String label() {
            return function.name() + "." + event.name();
        }

        String scheduleArn() {
            return "arn:aws:scheduler:" + IntrinsicResolver.REGION + ":" + IntrinsicResolver.ACCOUNT_ID
                    + ":schedule/default/" + IntrinsicResolver.STACK_NAME + "-" + function.name() + "-" + event.name();
        }
    }
}
