package dev.tally.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** Test scheduled handler: records each event and the clock's time when it ran; returns {@code "tick <time>"}. */
public class ScheduledHandler implements RequestHandler<ScheduledEvent, String> {
    public final List<ScheduledEvent> events = new CopyOnWriteArrayList<>();
    public final List<Instant> ranAt = new CopyOnWriteArrayList<>();
    private final Clock clock;

    public ScheduledHandler(Map<String, String> env, Clock clock) {
        this.clock = clock;
    }

    @Override
    public String handleRequest(ScheduledEvent event, Context context) {
        events.add(event);
        ranAt.add(clock.instant());
        return "tick " + Instant.ofEpochMilli(event.getTime().getMillis());
    }

    public List<Instant> eventTimes() {
        return events.stream().map(e -> Instant.ofEpochMilli(e.getTime().getMillis())).toList();
    }
}
