package dev.tally.stripesync;

import java.time.Duration;

/** Waits between attempts; tests pass one that moves their clock instead. */
@FunctionalInterface
public interface Sleeper {
    /** Sleeps on the calling thread. */
    Sleeper REAL = duration -> {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while backing off", e);
        }
    };

    /**
     * @param duration how long to wait, not negative
     * @throws IllegalStateException if interrupted (the interrupt flag is kept)
     */
    void sleep(Duration duration);

    /**
     * Exponential backoff with jitter ("full jitter" halved: between half and all of the exponential delay), as
     * Stripe's and AWS's retry advice describe (https://docs.stripe.com/error-handling, https://docs.aws.amazon.com/general/latest/gr/api-retries.html).
     *
     * @param attempt the attempt that just failed, from 1
     * @param base delay after the first failure
     * @param cap longest delay
     * @param random source of jitter
     * @return {@code min(cap, base * 2^(attempt-1)) * U[0.5, 1)}
     */
    static Duration backoff(int attempt, Duration base, Duration cap, java.util.random.RandomGenerator random) {
        long exponential = Math.min(cap.toMillis(), base.toMillis() << Math.min(Math.max(attempt - 1, 0), 20));
        return Duration.ofMillis(exponential / 2 + random.nextLong(exponential / 2 + 1));
    }
}
