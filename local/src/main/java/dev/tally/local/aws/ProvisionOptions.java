package dev.tally.local.aws;

import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Knobs for {@link TemplateProvisioner}, mostly for tests.
 *
 * @param visibilityTimeoutSeconds when present, the {@code VisibilityTimeout} (seconds) of every queue, instead of
 *     the template's (e.g. 1 so that a failed message comes back at once)
 * @param visibilityTimeoutByQueue per-queue {@code VisibilityTimeout} overrides (seconds) by queue logical id; they
 *     win over {@code visibilityTimeoutSeconds}
 * @param timeToLive whether to enable the template's {@code TimeToLiveSpecification}s (failures only log a warning)
 */
public record ProvisionOptions(OptionalInt visibilityTimeoutSeconds, Map<String, Integer> visibilityTimeoutByQueue,
                               boolean timeToLive) {

    /** Copies the map and checks values are within SQS's 0 to 43,200 seconds. */
    public ProvisionOptions {
        Objects.requireNonNull(visibilityTimeoutSeconds, "visibilityTimeoutSeconds");
        visibilityTimeoutByQueue = Map.copyOf(visibilityTimeoutByQueue);
        visibilityTimeoutSeconds.ifPresent(ProvisionOptions::checkTimeout);
        visibilityTimeoutByQueue.values().forEach(ProvisionOptions::checkTimeout);
    }

    /** The template as written, TTL enabled. */
    public static ProvisionOptions defaults() {
        return new ProvisionOptions(OptionalInt.empty(), Map.of(), true);
    }

    /** These options with every queue's visibility timeout set to {@code seconds}. */
    public ProvisionOptions withVisibilityTimeout(int seconds) {
        return new ProvisionOptions(OptionalInt.of(seconds), visibilityTimeoutByQueue, timeToLive);
    }

    /** The visibility timeout to give a queue, if overridden. */
    public OptionalInt visibilityTimeoutFor(String queueLogicalId) {
        Integer specific = visibilityTimeoutByQueue.get(queueLogicalId);
        return specific != null ? OptionalInt.of(specific) : visibilityTimeoutSeconds;
    }

    private static void checkTimeout(int seconds) {
        if (seconds < 0 || seconds > 43_200) {
            throw new IllegalArgumentException("visibility timeout must be 0..43200 seconds, found " + seconds);
        }
    }
}
