package dev.tally.usage;

import java.util.List;
import java.util.Optional;

/**
 * The usage model's storage: the append-only event log, its hourly buckets and the markers that make bucket sums
 * exactly-once. DynamoDB implements it in {@link DynamoDbUsageStore}; the services only see this port.
 */
public interface UsageStore {

    /**
     * Records events that the log does not hold yet, each on condition that its account has no event with its id.
     *
     * @param events distinct (account, id) pairs, at most {@link #INSERT_BATCH} of them
     * @return one outcome per event, in order
     * @throws RuntimeException when the whole request failed transiently (nothing can be said of any event)
     */
    List<InsertOutcome> insert(List<RecordedEvent> events);

    /** Most events one {@link #insert} call takes (DynamoDB's BatchExecuteStatement limit). */
    int INSERT_BATCH = 25;

    /**
     * Adds sums and counts to buckets, once: in one atomic write with a marker named by {@code batchMarker} that
     * records {@code lastSequence}. If the marker already exists, nothing is written.
     *
     * @param batchMarker names the run of stream records being applied (its first record's sequence number)
     * @param lastSequence the last record's sequence number, zero-padded to {@link #SEQUENCE_DIGITS} digits
     * @param deltas what the records add, at most {@link #MAX_DELTAS_PER_COMMIT}, one per bucket
     * @return true if written now, false if the marker existed (see {@link #appliedThrough})
     * @throws RuntimeException on a transient failure (throttling, a conflict that persists); nothing was written
     */
    boolean addOnce(String batchMarker, String lastSequence, List<UsageBucket> deltas);

    /** Most bucket deltas in one {@link #addOnce}: DynamoDB's 100 items per transaction, less the marker. */
    int MAX_DELTAS_PER_COMMIT = 99;
    /** Width of a zero-padded stream sequence number (DynamoDB's are 21 to 40 digits). */
    int SEQUENCE_DIGITS = 40;

    /**
     * @param batchMarker a marker written by {@link #addOnce}
     * @return the last sequence number it covers, empty if there is no such marker
     */
    Optional<String> appliedThrough(String batchMarker);

    /**
     * Raises buckets' maximum and latest values and records their distinct values. Each part is idempotent (a
     * maximum only grows, the latest only moves later, a distinct value is a set member), so this needs no marker
     * and may be repeated.
     *
     * @param values per bucket, the batch's values
     */
    void raiseIdempotent(List<UsageBucket> values);

    /**
     * Reads an account's buckets of one meter for whole hours, strongly consistent, unique values included.
     *
     * @param account account id
     * @param meter meter id
     * @param fromHour first hour, inclusive (a multiple of 3600)
     * @param toHour last hour, exclusive
     * @return the buckets, by hour
     */
    List<UsageBucket> buckets(String account, String meter, long fromHour, long toHour);

    /**
     * Reads the events of one account, meter and hour whose time is in {@code [from, to)} (the partial hours at the
     * edges of a range), from the event log's time index.
     *
     * @param account account id
     * @param meter meter id
     * @param from inclusive, seconds since the epoch
     * @param to exclusive; {@code from} and {@code to - 1} lie in the same UTC hour
     * @return the events (quantity, time, id, dimensions and counted value; other fields may be empty)
     */
    List<RecordedEvent> events(String account, String meter, long from, long to);
}
