package dev.tally.store;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter between attempts of a DynamoDB call that was throttled, conflicted or left items
 * unprocessed, as AWS advises (https://docs.aws.amazon.com/general/latest/gr/api-retries.html): 20, 40, 80 ... ms,
 * capped at 500 ms, plus up to 20 ms of jitter.
 */
public final class Backoff {
    private Backoff() {
    }

    /**
     * Sleeps before attempt {@code attempt + 1}.
     *
     * @param attempt the attempt that just failed, from 1
     * @throws IllegalStateException if interrupted (the interrupt flag is kept)
     */
    public static void sleep(int attempt) {
        try {
            Thread.sleep(Math.min(500L, 10L << Math.min(attempt, 10)) + ThreadLocalRandom.current().nextLong(20));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while backing off", e);
        }
    }
}
