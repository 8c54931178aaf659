package dev.tally.testsupport;

import dev.tally.usage.BucketKey;
import dev.tally.usage.InsertOutcome;
import dev.tally.usage.MeterValue;
import dev.tally.usage.RecordedEvent;
import dev.tally.usage.UsageBucket;
import dev.tally.usage.UsageStore;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A {@link UsageStore} in memory, for tests of what reads usage (rating, invoicing) without DynamoDB: the event log is
 * a list, and buckets are computed from it on each read, exactly as the stream would have built them. Add usage with
 * {@link #add}. Thread-safe for a test's needs.
 */
public final class InMemoryUsageStore implements UsageStore {
    private final List<RecordedEvent> events = new CopyOnWriteArrayList<>();

    /**
     * Records one event (no duplicate check: give distinct ids).
     *
     * @param account account id
     * @param meter meter id
     * @param quantity quantity, as a decimal string
     * @param timestamp event time, seconds since the epoch
     * @param dimensions the meter's dimensions, e.g. {@code Map.of("region", "eu")}
     * @return this store
     */
    public InMemoryUsageStore add(String account, String meter, String quantity, long timestamp, Map<String, String> dimensions) {
        String id = "e" + events.size();
        events.add(new RecordedEvent(account, id, meter, new BigDecimal(quantity), timestamp, dimensions, null, Map.of(),
                timestamp, "m" + id));
        return this;
    }

    @Override
    public List<InsertOutcome> insert(List<RecordedEvent> batch) {
        throw new UnsupportedOperationException("use add(...): this store is read by the code under test");
    }

    @Override
    public boolean addOnce(String batchMarker, String lastSequence, List<UsageBucket> deltas) {
        throw new UnsupportedOperationException("buckets are computed from the events");
    }

    @Override
    public Optional<String> appliedThrough(String batchMarker) {
        return Optional.empty();
    }

    @Override
    public void raiseIdempotent(List<UsageBucket> values) {
        throw new UnsupportedOperationException("buckets are computed from the events");
    }

    @Override
    public List<UsageBucket> buckets(String account, String meter, long fromHour, long toHour) {
        Map<BucketKey, MeterValue> buckets = new LinkedHashMap<>();
        for (RecordedEvent e : events) {
            BucketKey key = e.bucket();
            if (e.account().equals(account) && e.meter().equals(meter) && key.hourStart() >= fromHour && key.hourStart() < toHour) {
                buckets.merge(key, e.value(), MeterValue::merge);
            }
        }
        List<UsageBucket> list = new ArrayList<>();
        buckets.forEach((k, v) -> list.add(new UsageBucket(k, v)));
        list.sort(java.util.Comparator.comparingLong(b -> b.key().hourStart()));
        return list;
    }

    @Override
    public List<RecordedEvent> events(String account, String meter, long from, long to) {
        return events.stream().filter(e -> e.account().equals(account) && e.meter().equals(meter)
                && e.timestamp() >= from && e.timestamp() < to).toList();
    }
}
