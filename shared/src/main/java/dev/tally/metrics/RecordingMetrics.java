package dev.tally.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Metrics kept in memory, for the local runtime's report and for tests: a total per metric, and per metric and
 * dimension set. Thread-safe.
 */
public final class RecordingMetrics implements Metrics {
    private final Map<String, AtomicLong> totals = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> byDimensions = new ConcurrentHashMap<>();

    @Override
    public void add(String name, long value, Map<String, String> dimensions) {
        totals.computeIfAbsent(name, k -> new AtomicLong()).addAndGet(value);
        byDimensions.computeIfAbsent(key(name, dimensions), k -> new AtomicLong()).addAndGet(value);
    }

    /** @return the sum of every value added to {@code name}, 0 if none */
    public long total(String name) {
        AtomicLong t = totals.get(name);
        return t == null ? 0 : t.get();
    }

    /** @return the sum of values added to {@code name} with exactly these dimensions, 0 if none */
    public long total(String name, Map<String, String> dimensions) {
        AtomicLong t = byDimensions.get(key(name, dimensions));
        return t == null ? 0 : t.get();
    }

    /** @return metric name to total, sorted by name */
    public Map<String, Long> totals() {
        Map<String, Long> out = new TreeMap<>();
        totals.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /** @return {@code name{dim=value,...}} to total, sorted */
    public Map<String, Long> byDimensions() {
        Map<String, Long> out = new TreeMap<>();
        byDimensions.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private static String key(String name, Map<String, String> dimensions) {
        return name + new TreeMap<>(dimensions);
    }
}
