package dev.tally.usage;

import dev.tally.catalog.Aggregation;
import dev.tally.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the hourly usage buckets from the event log's stream, exactly once.
 *
 * <p>The event log holds each event once (see {@link UsageIngestService}); its stream gives each new event once per
 * shard, in order, but a batch may be delivered again after a failure or a timeout. A batch is applied like this:
 * <ol>
 *   <li>Maximum, latest and distinct values are raised ({@link UsageStore#raiseIdempotent}): applying them twice
 *       changes nothing, so they are simply written every time.</li>
 *   <li>Sums and counts are not idempotent. The records are cut, in order, into runs touching at most 99 buckets;
 *       each run's deltas are added in one transaction with a marker keyed by the run's first sequence number and
 *       holding its last ({@link UsageStore#addOnce}). A delivered-again run finds its marker, skips the records it
 *       covers and goes on from the first record after it, under that record's own marker. Runs are cut the same
 *       way on every delivery, because a retry starts at the same record (Lambda retries a stream batch from its
 *       start, or from the failed record this service reports, which is always a run's first).</li>
 * </ol>
 * Records of one shard come in order and a shard is read by one invocation at a time (parallelization factor 1), so
 * a run's marker covers exactly the records before its end. A crash between the two steps or between runs leaves
 * every record either applied once or applied on the next delivery.
 */
public final class UsageBucketService {
    private static final Logger LOG = LoggerFactory.getLogger(UsageBucketService.class);

    private final UsageStore store;
    private final Catalog catalog;

    /**
     * One new event from the event log's stream.
     *
     * @param sequenceNumber the stream record's sequence number (decimal digits)
     * @param event the event as recorded
     */
    public record StreamedEvent(String sequenceNumber, RecordedEvent event) {
    }

    /**
     * Thrown when a run could not be applied; names the run's first record so the caller can report it as the batch
     * item failure and the retry starts at a run boundary.
     */
    public static final class RunFailedException extends RuntimeException {
        private final String firstSequenceNumber;

        RunFailedException(String firstSequenceNumber, RuntimeException cause) {
            super("usage bucket run starting at " + firstSequenceNumber + " failed: " + cause, cause);
            this.firstSequenceNumber = firstSequenceNumber;
        }

        /** @return the sequence number of the first record not known to be applied */
        public String firstSequenceNumber() {
            return firstSequenceNumber;
        }
    }

    /**
     * @param store the usage store
     * @param catalog the catalog (which meters need a maximum, a latest value or distinct values)
     */
    public UsageBucketService(UsageStore store, Catalog catalog) {
        this.store = store;
        this.catalog = catalog;
    }

    /**
     * Applies a batch of one shard's records, in order.
     *
     * @param records the batch (stream order)
     * @return the number of records added to bucket sums now (less than the batch when some were applied before)
     * @throws RunFailedException on a transient failure; records before {@link RunFailedException#firstSequenceNumber()}
     *                            are applied
     */
    public int apply(List<StreamedEvent> records) {
        if (records.isEmpty()) {
            return 0;
        }
        try {
            store.raiseIdempotent(idempotentParts(records));
        } catch (RuntimeException e) {
            throw new RunFailedException(records.get(0).sequenceNumber(), e);
        }
        int applied = 0;
        int i = 0;
        while (i < records.size()) {
            int start = i;
            Map<BucketKey, MeterValue> deltas = new LinkedHashMap<>();
            int end = start;
            while (end < records.size()) {
                BucketKey key = records.get(end).event().bucket();
                if (!deltas.containsKey(key) && deltas.size() == UsageStore.MAX_DELTAS_PER_COMMIT) {
                    break;
                }
                deltas.merge(key, sumOnly(records.get(end).event()), MeterValue::merge);
                end++;
            }
            String marker = padded(records.get(start).sequenceNumber());
            String last = padded(records.get(end - 1).sequenceNumber());
            boolean written;
            try {
                written = store.addOnce(marker, last, deltas.entrySet().stream()
                        .map(e -> new UsageBucket(e.getKey(), e.getValue())).toList());
                if (!written) {
                    String through = store.appliedThrough(marker).orElseThrow(() -> new IllegalStateException(
                            "marker " + marker + " refused the write but cannot be read"));
                    int next = start;
                    while (next < records.size() && padded(records.get(next).sequenceNumber()).compareTo(through) <= 0) {
                        next++;
                    }
                    if (next == start) {
                        throw new IllegalStateException("marker " + marker + " covers only up to " + through + ", before itself");
                    }
                    LOG.info("usage records {}..{} were applied before; going on from record {} of {}", marker, through, next, records.size());
                    i = next;
                    continue;
                }
            } catch (RuntimeException e) {
                throw new RunFailedException(records.get(start).sequenceNumber(), e);
            }
            applied += end - start;
            i = end;
        }
        return applied;
    }

    /** Per bucket, only what the meter needs of maximum, latest and distinct values; the rest stripped. */
    private List<UsageBucket> idempotentParts(List<StreamedEvent> records) {
        Map<BucketKey, MeterValue> values = new LinkedHashMap<>();
        for (StreamedEvent r : records) {
            values.merge(r.event().bucket(), r.event().value(), MeterValue::merge);
        }
        List<UsageBucket> parts = new ArrayList<>();
        values.forEach((key, v) -> {
            Aggregation aggregation = catalog.meter(key.meter()).map(m -> m.aggregation()).orElse(Aggregation.SUM);
            MeterValue part = new MeterValue(BigDecimal.ZERO, 0,
                    aggregation == Aggregation.MAX ? v.max() : null,
                    aggregation == Aggregation.LAST ? v.lastTimestamp() : null,
                    aggregation == Aggregation.LAST ? v.lastEventId() : null,
                    aggregation == Aggregation.LAST ? v.lastQuantity() : null,
                    aggregation == Aggregation.UNIQUE_COUNT ? v.uniques() : Set.of());
            if (part.max() != null || part.lastTimestamp() != null || !part.uniques().isEmpty()) {
                parts.add(new UsageBucket(key, part));
            }
        });
        return parts;
    }

    private static MeterValue sumOnly(RecordedEvent e) {
        return new MeterValue(e.quantity(), 1, null, null, null, null, Set.of());
    }

    /** @return a sequence number zero-padded to {@link UsageStore#SEQUENCE_DIGITS}, so text order is number order */
    static String padded(String sequenceNumber) {
        if (sequenceNumber.length() > UsageStore.SEQUENCE_DIGITS || !sequenceNumber.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("not a stream sequence number: " + sequenceNumber);
        }
        return "0".repeat(UsageStore.SEQUENCE_DIGITS - sequenceNumber.length()) + sequenceNumber;
    }
}
