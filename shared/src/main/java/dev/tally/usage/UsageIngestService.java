package dev.tally.usage;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.account.AccountDirectory;
import dev.tally.catalog.Aggregation;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Meter;
import dev.tally.logging.LogContext;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.Metrics;
import dev.tally.store.Backoff;
import dev.tally.store.TallyTables;
import dev.tally.store.UsageRejectionItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts usage events exactly once, a whole SQS batch at a time.
 *
 * <p>An event is counted by one write: its insert into the event log ({@link UsageStore#insert}), which succeeds only
 * if its account has no event with its id. Nothing else is written per event; the hourly buckets are built from the
 * log's stream by {@link UsageBucketService}. So:
 * <ul>
 *   <li>a redelivered message, a producer's retry or the same id in two concurrent batches finds the key taken and is
 *       a {@link IngestOutcome#DUPLICATE};</li>
 *   <li>a crash after some inserts leaves those counted, and the redelivery counts the rest;</li>
 *   <li>nothing is shared between events, so a burst on one account and meter has no hot item to conflict on.</li>
 * </ul>
 * An invalid event is stored in the usage-rejections table with its reason and its JSON and counts as handled:
 * retrying cannot fix it, and it never holds back the other events of its message. Only transient failures
 * (throttling, timeouts, the store's internal errors) fail a message, so SQS redelivers it; its events already
 * recorded are then duplicates.
 */
public final class UsageIngestService {
    private static final Logger LOG = LoggerFactory.getLogger(UsageIngestService.class);

    /** How far ahead of the clock an event's timestamp may be, in seconds (clock skew allowance, as Stripe's meters). */
    public static final long MAX_FUTURE_SKEW_SECONDS = 300;
    /** Default backdating window: events older than 35 days are rejected, as Stripe's meter events are. */
    public static final long DEFAULT_BACKDATING_WINDOW_SECONDS = 35 * 86_400L;
    /** DynamoDB's item size limit, in bytes (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). */
    public static final int MAX_ITEM_BYTES = 400 * 1024;
    /** Longest dimension or counted property value, in UTF-8 bytes: they become parts of DynamoDB sort keys (1 KB). */
    public static final int MAX_KEY_VALUE_BYTES = 200;
    /** Attempts of an insert that failed transiently, within one invocation, before the message is failed. */
    private static final int INSERT_ATTEMPTS = 3;
    /** How long an account known to exist is remembered by this execution environment, in seconds. */
    private static final long ACCOUNT_CACHE_SECONDS = 60;
    private static final String METER = "meter";

    private final UsageStore store;
    private final TallyTables tables;
    private final AccountDirectory directory;
    private final Catalog catalog;
    private final Clock clock;
    private final long backdatingWindowSeconds;
    private final Metrics metrics;
    private final Map<String, Long> knownAccounts = new ConcurrentHashMap<>();

    /**
     * One SQS message.
     *
     * @param messageId the SQS message id (names the rejections of its events, so a redelivery overwrites its own)
     * @param body one usage event object or an array of them
     */
    public record Message(String messageId, String body) {
    }

    /**
     * @param messageId the message
     * @param outcomes one per event in order (one {@link IngestOutcome#REJECTED} for an unreadable body)
     */
    public record MessageResult(String messageId, List<IngestOutcome> outcomes) {
        /** @return true if the message must be redelivered (an event hit a transient failure) */
        public boolean failed() {
            return outcomes.contains(IngestOutcome.RETRY);
        }
    }

    /**
     * @param store the event log
     * @param tables bound tables (accounts, usage-rejections)
     * @param catalog the validated catalog
     * @param clock the clock for the time window checks and receipt times
     * @param backdatingWindowSeconds how old an event may be, e.g. {@link #DEFAULT_BACKDATING_WINDOW_SECONDS}
     * @param metrics receives {@link MetricNames#USAGE_EVENTS_COUNTED}, {@link MetricNames#USAGE_EVENTS_DUPLICATE}
     *     (by {@code meter}) and {@link MetricNames#USAGE_EVENTS_REJECTED} (by {@code reason} and {@code meter}, which
     *     is {@code unknown} when the event names no meter of the catalog); a redelivered rejection counts again
     */
    public UsageIngestService(UsageStore store, TallyTables tables, Catalog catalog, Clock clock, long backdatingWindowSeconds,
                              Metrics metrics) {
        if (backdatingWindowSeconds <= 0) {
            throw new IllegalArgumentException("the backdating window must be positive, was " + backdatingWindowSeconds);
        }
        this.store = store;
        this.tables = tables;
        this.directory = new AccountDirectory(tables);
        this.catalog = catalog;
        this.clock = clock;
        this.backdatingWindowSeconds = backdatingWindowSeconds;
        this.metrics = metrics;
    }

    /**
     * Processes one SQS message on its own.
     *
     * @param messageId the SQS message id
     * @param body the message body
     * @return the outcome of each event in order
     */
    public List<IngestOutcome> ingest(String messageId, String body) {
        return ingest(List.of(new Message(messageId, body))).get(0).outcomes();
    }

    /**
     * Processes an SQS batch: validates every event, inserts the valid ones 25 to a request, stores the rejections.
     *
     * @param messages the batch
     * @return one result per message, in order; a message with a transient failure is {@link MessageResult#failed()}
     */
    public List<MessageResult> ingest(List<Message> messages) {
        long now = clock.instant().getEpochSecond();
        List<IngestOutcome[]> outcomes = new ArrayList<>(messages.size());
        List<Pending> toInsert = new ArrayList<>();
        Map<String, Pending> firstByKey = new HashMap<>();
        List<Rejected> rejected = new ArrayList<>();
        for (Message message : messages) {
            List<JsonNode> nodes;
            try {
                nodes = UsageEventParser.split(message.body());
            } catch (UsageRejection r) {
                IngestOutcome[] slots = {IngestOutcome.REJECTED};
                outcomes.add(slots);
                rejected.add(new Rejected(slots, message.messageId(), 0, null, message.body(), r));
                continue;
            }
            IngestOutcome[] slots = new IngestOutcome[nodes.size()];
            outcomes.add(slots);
            for (int i = 0; i < nodes.size(); i++) {
                JsonNode node = nodes.get(i);
                try {
                    RecordedEvent event = validate(UsageEventParser.parse(node), message.messageId(), now);
                    Pending p = new Pending(event, slots, i, message.messageId(), node);
                    String key = UsageKeys.eventKey(event.account(), event.eventId());
                    if (firstByKey.putIfAbsent(key, p) == null) {
                        toInsert.add(p);
                    } else {
                        slots[i] = IngestOutcome.DUPLICATE; // the same id twice in one batch: the first one counts
                        metrics.increment(MetricNames.USAGE_EVENTS_DUPLICATE, METER, event.meter());
                    }
                } catch (UsageRejection r) {
                    slots[i] = IngestOutcome.REJECTED;
                    rejected.add(new Rejected(slots, message.messageId(), i, node, UsageEventParser.toJson(node), r));
                }
            }
        }
        toInsert = knownAccountsOnly(toInsert, rejected, now);
        insert(toInsert, rejected);
        storeRejections(rejected);
        List<MessageResult> results = new ArrayList<>(messages.size());
        for (int m = 0; m < messages.size(); m++) {
            results.add(new MessageResult(messages.get(m).messageId(), List.of(outcomes.get(m))));
        }
        return results;
    }

    private RecordedEvent validate(UsageEvent event, String messageId, long now) throws UsageRejection {
        if (event.timestamp() > now + MAX_FUTURE_SKEW_SECONDS) {
            throw new UsageRejection(RejectionReason.TIMESTAMP_IN_FUTURE,
                    "timestamp " + event.timestamp() + " is more than " + MAX_FUTURE_SKEW_SECONDS + " s after now (" + now + ")");
        }
        if (event.timestamp() < now - backdatingWindowSeconds) {
            throw new UsageRejection(RejectionReason.TIMESTAMP_TOO_OLD, "timestamp " + event.timestamp()
                    + " is more than " + backdatingWindowSeconds + " s before now (" + now + "), the backdating window");
        }
        Meter meter = catalog.meter(event.meter()).orElseThrow(() -> new UsageRejection(RejectionReason.UNKNOWN_METER,
                "no meter " + event.meter() + " in catalog " + catalog.version()));
        if (event.quantity().compareTo(meter.maxEventQuantity()) > 0) {
            throw new UsageRejection(RejectionReason.QUANTITY_ABOVE_MAXIMUM, "quantity " + event.quantity().toPlainString()
                    + " is above meter " + meter.id() + "'s max_event_quantity " + meter.maxEventQuantity().toPlainString());
        }
        Map<String, String> dimensions = new LinkedHashMap<>();
        for (String d : meter.dimensions()) {
            String value = event.properties().getOrDefault(d, "");
            requireKeySized(d, value);
            dimensions.put(d, value);
        }
        String unique = null;
        if (meter.aggregation() == Aggregation.UNIQUE_COUNT) {
            String property = meter.aggregationProperty();
            unique = event.properties().get(property);
            if (unique == null || unique.isEmpty()) {
                throw new UsageRejection(RejectionReason.INVALID_FIELD, "meter " + meter.id()
                        + " counts distinct values of properties." + property + ", which the event does not set");
            }
            requireKeySized(property, unique);
        }
        RecordedEvent recorded = new RecordedEvent(event.account(), event.id(), meter.id(), event.quantity(),
                event.timestamp(), dimensions, unique, event.properties(), clock.instant().getEpochSecond(), messageId);
        long size = storedSize(recorded);
        if (size > MAX_ITEM_BYTES) {
            throw new UsageRejection(RejectionReason.ITEM_TOO_LARGE, "the event would be stored as about " + size
                    + " bytes, above DynamoDB's item limit of " + MAX_ITEM_BYTES + " (most of it properties)");
        }
        return recorded;
    }

    private static void requireKeySized(String property, String value) throws UsageRejection {
        if (value.getBytes(StandardCharsets.UTF_8).length > MAX_KEY_VALUE_BYTES) {
            throw new UsageRejection(RejectionReason.INVALID_FIELD, "properties." + property + " is longer than "
                    + MAX_KEY_VALUE_BYTES + " bytes; dimension and counted values are part of storage keys");
        }
    }

    /**
     * Upper estimate of the event item's size by DynamoDB's rule: attribute names plus values, strings in UTF-8
     * bytes, numbers at most 21 bytes, a map 3 bytes plus 1 per entry
     * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
     */
    static long storedSize(RecordedEvent e) {
        long size = 0;
        size += utf8("eventKey") + utf8(UsageKeys.eventKey(e.account(), e.eventId()));
        size += utf8("eventId") + utf8(e.eventId()) + utf8("accountId") + utf8(e.account()) + utf8("meter") + utf8(e.meter());
        size += utf8("quantity") + 21 + utf8("timestamp") + 21 + utf8("receivedAt") + 21;
        size += utf8("seriesHour") + utf8(e.account()) * 2L + utf8(e.meter()) + 12;
        size += utf8("messageId") + utf8(e.messageId()) + utf8("uniqueValue") + (e.uniqueValue() == null ? 1 : utf8(e.uniqueValue()));
        size += utf8("dimensions") + 3;
        for (Map.Entry<String, String> d : e.dimensions().entrySet()) {
            size += 1 + utf8(d.getKey()) + utf8(d.getValue());
        }
        size += utf8("properties") + utf8(PropertiesJson.write(e.properties()));
        return size;
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Drops (and rejects) events of accounts that do not exist; an account found is remembered for a minute. */
    private List<Pending> knownAccountsOnly(List<Pending> pending, List<Rejected> rejected, long now) {
        Map<String, Boolean> exists = new HashMap<>();
        List<Pending> known = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            String account = p.event.account();
            boolean found = exists.computeIfAbsent(account, a -> {
                Long until = knownAccounts.get(a);
                if (until != null && until > now) {
                    return true;
                }
                boolean present = directory.account(a).isPresent();
                if (present) {
                    knownAccounts.put(a, now + ACCOUNT_CACHE_SECONDS);
                }
                return present;
            });
            if (found) {
                known.add(p);
            } else {
                p.slots[p.index] = IngestOutcome.REJECTED;
                rejected.add(new Rejected(p.slots, p.messageId, p.index, p.node, UsageEventParser.toJson(p.node),
                        new UsageRejection(RejectionReason.UNKNOWN_ACCOUNT, "no account " + account)));
            }
        }
        return known;
    }

    private void insert(List<Pending> pending, List<Rejected> rejected) {
        for (int from = 0; from < pending.size(); from += UsageStore.INSERT_BATCH) {
            List<Pending> chunk = pending.subList(from, Math.min(pending.size(), from + UsageStore.INSERT_BATCH));
            for (int attempt = 1; !chunk.isEmpty(); attempt++) {
                List<InsertOutcome> results;
                try {
                    results = store.insert(chunk.stream().map(p -> p.event).toList());
                } catch (RuntimeException e) {
                    if (attempt < INSERT_ATTEMPTS) {
                        Backoff.sleep(attempt);
                        continue;
                    }
                    LOG.warn("usage insert failed {} times, {} events will be redelivered: {}", attempt, chunk.size(), e.toString());
                    chunk.forEach(p -> p.slots[p.index] = IngestOutcome.RETRY);
                    break;
                }
                List<Pending> again = new ArrayList<>();
                for (int i = 0; i < chunk.size(); i++) {
                    Pending p = chunk.get(i);
                    InsertOutcome r = results.get(i);
                    switch (r.status()) {
                        case INSERTED -> {
                            p.slots[p.index] = IngestOutcome.COUNTED;
                            metrics.increment(MetricNames.USAGE_EVENTS_COUNTED, METER, p.event.meter());
                        }
                        case DUPLICATE -> {
                            p.slots[p.index] = IngestOutcome.DUPLICATE;
                            metrics.increment(MetricNames.USAGE_EVENTS_DUPLICATE, METER, p.event.meter());
                        }
                        case INVALID -> {
                            p.slots[p.index] = IngestOutcome.REJECTED;
                            rejected.add(new Rejected(p.slots, p.messageId, p.index, p.node, UsageEventParser.toJson(p.node),
                                    new UsageRejection(RejectionReason.ITEM_TOO_LARGE, "the event log refused the event: " + r.detail())));
                        }
                        case TRANSIENT -> {
                            if (attempt < INSERT_ATTEMPTS) {
                                again.add(p);
                            } else {
                                LOG.warn("usage event {} of message {} failed transiently {} times: {}", p.event.eventId(),
                                        p.messageId, attempt, r.detail());
                                p.slots[p.index] = IngestOutcome.RETRY;
                            }
                        }
                    }
                }
                if (!again.isEmpty()) {
                    Backoff.sleep(attempt);
                }
                chunk = again;
            }
        }
    }

    private void storeRejections(List<Rejected> rejected) {
        long now = clock.instant().getEpochSecond();
        for (Rejected r : rejected) {
            UsageRejectionItem item = new UsageRejectionItem();
            item.rejectionId = r.messageId + "#" + r.index;
            item.reason = r.rejection.reason().name();
            item.detail = r.rejection.getMessage();
            item.setBody(r.json);
            item.messageId = r.messageId;
            // Kept even when the event failed to parse, so the team can find it by id or account.
            item.eventId = r.node == null || !r.node.path("id").isTextual() ? null : r.node.path("id").asText();
            item.accountId = r.node == null || !r.node.path("account").isTextual() ? null : r.node.path("account").asText();
            item.receivedAt = now;
            try {
                tables.usageRejections.putItem(item);
            } catch (RuntimeException e) {
                // Not kept yet: the message is redelivered, and the event rejected (and kept) again then.
                LOG.warn("rejection {} could not be stored, its message will be redelivered: {}", item.rejectionId, e.toString());
                r.slots[r.index] = IngestOutcome.RETRY;
                continue;
            }
            String meter = r.node != null && r.node.path("meter").isTextual() && catalog.meter(r.node.path("meter").asText()).isPresent()
                    ? r.node.path("meter").asText() : "unknown";
            metrics.add(MetricNames.USAGE_EVENTS_REJECTED, 1, Map.of("reason", r.rejection.reason().name(), METER, meter));
            try (LogContext.Scope ignored = LogContext.with(LogContext.ACCOUNT, item.accountId, LogContext.EVENT_ID, item.eventId,
                    LogContext.CORRELATION_ID, r.messageId)) {
                LOG.info("usage event rejected: message={} index={} reason={} detail={}", r.messageId, r.index,
                        r.rejection.reason(), r.rejection.getMessage());
            }
        }
    }

    private record Pending(RecordedEvent event, IngestOutcome[] slots, int index, String messageId, JsonNode node) {
    }

    private record Rejected(IngestOutcome[] slots, String messageId, int index, JsonNode node, String json, UsageRejection rejection) {
    }
}
