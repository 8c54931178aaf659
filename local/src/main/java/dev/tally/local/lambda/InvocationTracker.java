package dev.tally.local.lambda;

import java.util.concurrent.atomic.AtomicInteger;

/** Counts handler invocations in progress across all functions, so the runtime can tell when it is idle. */
public final class InvocationTracker {
    private final AtomicInteger active = new AtomicInteger();

    void begin() {
        active.incrementAndGet();
    }

    void end() {
        active.decrementAndGet();
    }

    /** Invocations in progress right now. */
    public int active() {
        return active.get();
    }
}
