package dev.tally.testsupport;

import dev.tally.alerts.AlertPublisher;
import dev.tally.alerts.AlertSchemas;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link AlertPublisher} for tests: keeps every event published, checks each detail against its detail-type's
 * JSON Schema ({@link AlertSchemas}; {@link #schemaProblems()} lists what did not validate), and can refuse the next
 * publishes, as EventBridge does when it throttles or fails ({@link #refuseNext}). Thread-safe.
 */
public final class RecordingAlertPublisher implements AlertPublisher {

    /**
     * An event as published.
     *
     * @param detailType the detail-type
     * @param detailJson the detail
     */
    public record Published(String detailType, String detailJson) {
    }

    private final List<Published> published = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final AtomicInteger refusals = new AtomicInteger();

    @Override
    public synchronized void publish(String detailType, String detailJson) {
        if (refusals.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IllegalStateException("injected: EventBridge refused " + detailType);
        }
        for (String problem : AlertSchemas.problems(detailType, detailJson)) {
            problems.add(detailType + " " + detailJson + ": " + problem);
        }
        published.add(new Published(detailType, detailJson));
    }

    /** Makes the next {@code count} publishes throw, publishing nothing. */
    public void refuseNext(int count) {
        refusals.set(count);
    }

    /** @return the events published, in order */
    public synchronized List<Published> published() {
        return List.copyOf(published);
    }

    /** @return the details that did not validate against their schema, with why; empty when all did */
    public synchronized List<String> schemaProblems() {
        return List.copyOf(problems);
    }
}
