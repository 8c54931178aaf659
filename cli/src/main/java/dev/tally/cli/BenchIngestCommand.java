package dev.tally.cli;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.buckets.UsageBucketsHandler;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.ingest.UsageIngestHandler;
import dev.tally.local.EmbeddedAws;
import dev.tally.local.aws.ProvisionOptions;
import dev.tally.local.aws.TemplateStack;
import dev.tally.local.streams.StreamRedelivery;
import dev.tally.local.streams.StreamTail;
import dev.tally.local.template.TemplateModel;
import dev.tally.store.AccountItem;
import dev.tally.store.TallyTables;
import dev.tally.usage.MeterValue;
import dev.tally.usage.UsageKeys;
import dev.tally.usage.UsageQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code tally bench ingest}: drives the real usage-ingest and usage-buckets handlers on an embedded DynamoDB Local
 * (tables from template.yaml) with N usage events, then, in the same run and on the same tables, a baseline that gives
 * each event its own conditional put (the same event item) and its own counter update (the same bucket); checks every
 * total against the events sent; prints events/s, DynamoDB requests per 1,000 events, write units per event, p50 and
 * p99 batch latency, and p99 usage-visible latency (from the SQS batch's delivery to usage-ingest to its events
 * being in their buckets: the issue's "visible within 2 s of SQS delivery"; stream records are handed to usage-buckets
 * as the template's mapping says, BatchSize 1,000 and a batching window of 1 s). The last line is one JSON object:
 * {@code {"tally": {...}, "baseline": {...}, "exact": true|false}}.
 *
 * <p>Events are 10 to an SQS message and 10 messages to a batch (100 events per invocation), spread over the last 24
 * hours and {@code --accounts} accounts on one meter; {@code --hot} puts them all on one account in one hour, with 8
 * concurrent consumers. Write units: as DynamoDB Local reports them, except for {@code BatchExecuteStatement}, for
 * which it reports none; those inserts are charged by AWS's rule, 2 per event (the item and its index entry, each
 * under 1 KB), which is what the baseline's {@code PutItem} of the same item reports.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = {"Benchmarks usage ingestion on embedded DynamoDB Local against a per-event baseline.",
                "The last line is one JSON object. Exit code 1 when a total is not exact."})
final class BenchIngestCommand implements Callable<Integer> {
    private static final String METER = "build_minutes";
    private static final int EVENTS_PER_MESSAGE = 10;
    private static final int MESSAGES_PER_BATCH = 10;
    private static final int INSERT_WRITE_UNITS = 2;
    /** The usage-buckets stream mapping's BatchSize in template.yaml. */
    private static final int STREAM_BATCH_SIZE = 1000;
    /** The usage-buckets stream mapping's MaximumBatchingWindowInSeconds in template.yaml (1), in nanoseconds. */
    private static final long STREAM_BATCHING_WINDOW_NANOS = 1_000_000_000L;

    @Spec
    CommandSpec spec;

    @Option(names = "--events", paramLabel = "N", defaultValue = "1000000", description = "Usage events per run. Default: ${DEFAULT-VALUE}.")
    int events;

    @Option(names = "--accounts", paramLabel = "A", defaultValue = "100", description = "Accounts the events spread over. Default: ${DEFAULT-VALUE}.")
    int accounts;

    @Option(names = "--hot", description = "All events on one account and meter, in one hour, with 8 concurrent consumers.")
    boolean hot;

    @Option(names = "--consumers", paramLabel = "C", description = "Concurrent handler invocations (default 8 with --hot, else 4).")
    Integer consumers;

    @Option(names = "--template", paramLabel = "FILE", description = "SAM template. Default: ${DEFAULT-VALUE}.")
    Path template = Path.of(System.getProperty(RuntimeOptions.HOME_PROPERTY, "")).resolve("template.yaml");

    /** Figures of one run. */
    record Figures(long events, double seconds, long requests, double writeUnits, double p50BatchMs, double p99BatchMs,
                   double p99VisibleMs, long failedReceives) {
        ObjectNode json() {
            return OpsCommand.JSON.createObjectNode()
                    .put("events_per_s", Math.round(events / seconds))
                    .put("requests_per_1000_events", BenchFormat.round(requests * 1000.0 / events))
                    .put("write_units_per_event", BenchFormat.round(writeUnits / events))
                    .put("p50_batch_ms", BenchFormat.round(p50BatchMs))
                    .put("p99_batch_ms", BenchFormat.round(p99BatchMs))
                    .put("p99_visible_ms", BenchFormat.round(p99VisibleMs))
                    .put("failed_receives", failedReceives);
        }
    }

    @Override
    public Integer call() {
        if (events < 100 || accounts < 1) {
            throw new ParameterException(spec.commandLine(), "--events must be at least 100 and --accounts at least 1");
        }
        int threads = consumers != null ? consumers : hot ? 8 : 4;
        int accountCount = hot ? 1 : accounts;
        Progress progress = Progress.forThisProcess();
        System.out.printf("bench ingest: %d events, %d account(s), %d consumers%s%n", events, accountCount, threads,
                hot ? ", hot: one account, one meter, one hour" : "");
        try (EmbeddedAws aws = EmbeddedAws.start();
             TemplateStack stack = new TemplateStack(TemplateModel.load(template), aws.connection(), Map.of())) {
            stack.provision(ProvisionOptions.defaults());
            Map<String, String> ingestEnv = stack.functionEnvironment("UsageIngestFunction", Map.of());
            Env env = Env.of(ingestEnv);
            DynamoDbClient ddb = aws.dynamoDb();
            TallyTables tables = new TallyTables(ddb, env);
            Catalog catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
            long now = Clock.systemUTC().instant().getEpochSecond();
            UsageIngestHandler ingest = new UsageIngestHandler(ingestEnv, Clock.systemUTC());
            UsageBucketsHandler buckets = new UsageBucketsHandler(stack.functionEnvironment("UsageBucketsFunction", Map.of()), Clock.systemUTC());

            Figures tally = runTally("t", accountCount, threads, now, tables, ingest, buckets, stack, aws, progress);
            boolean exact = check("t", accountCount, now, tables, catalog);
            Figures baseline = runBaseline("b", accountCount, threads, now, tables, progress);
            exact &= check("b", accountCount, now, tables, catalog);

            System.out.printf("%n%-34s %14s %14s%n", "", "tally", "baseline");
            BenchFormat.row("events/s", tally.events / tally.seconds, baseline.events / baseline.seconds);
            BenchFormat.row("DynamoDB requests / 1000 events", tally.requests * 1000.0 / tally.events, baseline.requests * 1000.0 / baseline.events);
            BenchFormat.row("write units / event", tally.writeUnits / tally.events, baseline.writeUnits / baseline.events);
            BenchFormat.row("p50 batch latency (ms)", tally.p50BatchMs, baseline.p50BatchMs);
            BenchFormat.row("p99 batch latency (ms)", tally.p99BatchMs, baseline.p99BatchMs);
            BenchFormat.row("p99 usage-visible latency (ms)", tally.p99VisibleMs, baseline.p99VisibleMs);
            BenchFormat.row("failed receives", tally.failedReceives, baseline.failedReceives);
            System.out.printf("totals exact: %s%n", exact);
            ObjectNode result = OpsCommand.JSON.createObjectNode();
            result.set("tally", tally.json());
            result.set("baseline", baseline.json());
            result.put("exact", exact);
            System.out.println(OpsCommand.jsonLine(result));
            return exact ? 0 : 1;
        }
    }

    /** Event i: its account, time and quantity (1 to 7 units), the same for both runs. */
    private long timestamp(int i, long now) {
        long hourAgo = UsageKeys.hourStart(now) - UsageKeys.HOUR;
        return hot ? hourAgo + (i % UsageKeys.HOUR) : now - 86_400 + (long) ((double) i / events * 86_000);
    }

    private static int quantity(int i) {
        return 1 + i % 7;
    }

    private static String account(String run, int i, int accountCount) {
        return "bench_" + run + "_" + (i % accountCount);
    }

    private static void createAccounts(String run, int accountCount, TallyTables tables) {
        for (int a = 0; a < accountCount; a++) {
            AccountItem item = new AccountItem();
            item.accountId = "bench_" + run + "_" + a;
            item.createdAt = 0L;
            tables.accounts.putItem(item);
        }
    }

    private Figures runTally(String run, int accountCount, int threads, long now, TallyTables tables,
                             UsageIngestHandler ingest, UsageBucketsHandler buckets, TemplateStack stack, EmbeddedAws aws,
                             Progress progress) {
        createAccounts(run, accountCount, tables);
        ConcurrentLinkedQueue<SQSEvent> work = new ConcurrentLinkedQueue<>();
        for (int from = 0; from < events; from += EVENTS_PER_MESSAGE * MESSAGES_PER_BATCH) {
            List<SQSEvent.SQSMessage> messages = new ArrayList<>();
            for (int m = from; m < Math.min(events, from + EVENTS_PER_MESSAGE * MESSAGES_PER_BATCH); m += EVENTS_PER_MESSAGE) {
                StringBuilder body = new StringBuilder("[");
                for (int i = m; i < Math.min(events, m + EVENTS_PER_MESSAGE); i++) {
                    body.append(i == m ? "" : ",").append(event(run, i, accountCount, now));
                }
                SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
                message.setMessageId(run + "-" + m);
                message.setBody(body.append("]").toString());
                messages.add(message);
            }
            SQSEvent batch = new SQSEvent();
            batch.setRecords(messages);
            work.add(batch);
        }
        Map<String, Long> deliveredAt = new ConcurrentHashMap<>(events * 2);
        List<Long> visible = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicLong applied = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<Long> batchNanos = java.util.Collections.synchronizedList(new ArrayList<>());
        DynamoDbStreamsClient streamsClient = DynamoDbStreamsClient.builder().endpointOverride(aws.dynamoDbEndpoint())
                .region(aws.region()).credentialsProvider(aws.credentialsProvider()).build();
        DynamoDbRequestMeter.arm();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try (StreamTail tail = new StreamTail(tables.client, streamsClient, tables.usageEventsTable, aws.region().id(), true)) {
            Future<?> applier = pool.submit(() -> {
                // What Lambda's stream poller does with the mapping in template.yaml (BatchSize 1,000,
                // MaximumBatchingWindowInSeconds 1): records are gathered until the batch is full or the window since
                // the first of them has passed, then handed to the function; its events are visible once it returns.
                List<DynamodbEvent.DynamodbStreamRecord> gathered = new ArrayList<>();
                long firstReadAt = 0;
                while (applied.get() < events) {
                    List<DynamodbEvent> batches = tail.poll(STREAM_BATCH_SIZE - gathered.size());
                    if (batches.size() > 1) { // several shards (DynamoDB Local keeps one): deliver each on its own
                        if (!gathered.isEmpty()) {
                            applied.addAndGet(applyAndTime(buckets, gathered, deliveredAt, visible));
                            gathered = new ArrayList<>();
                        }
                        for (DynamodbEvent batch : batches) {
                            applied.addAndGet(applyAndTime(buckets, batch.getRecords(), deliveredAt, visible));
                        }
                        continue;
                    }
                    if (!batches.isEmpty()) {
                        if (gathered.isEmpty()) {
                            firstReadAt = System.nanoTime();
                        }
                        gathered.addAll(batches.get(0).getRecords());
                    }
                    if (!gathered.isEmpty() && (gathered.size() >= STREAM_BATCH_SIZE
                            || System.nanoTime() - firstReadAt >= STREAM_BATCHING_WINDOW_NANOS)) {
                        applied.addAndGet(applyAndTime(buckets, gathered, deliveredAt, visible));
                        gathered = new ArrayList<>();
                    } else {
                        sleep(20);
                    }
                }
                return null;
            });
            List<Future<?>> consumersDone = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                consumersDone.add(pool.submit(() -> {
                    for (SQSEvent batch; (batch = work.poll()) != null; ) {
                        long t0 = System.nanoTime();
                        for (SQSEvent.SQSMessage m : batch.getRecords()) {
                            int first = Integer.parseInt(m.getMessageId().substring(run.length() + 1));
                            for (int i = first; i < Math.min(events, first + EVENTS_PER_MESSAGE); i++) {
                                deliveredAt.put(account(run, i, accountCount) + "#" + run + "-e" + i, t0);
                            }
                        }
                        SQSBatchResponse response = ingest.handleRequest(batch, null);
                        batchNanos.add(System.nanoTime() - t0);
                        failed.addAndGet(response.getBatchItemFailures().size());
                        progress.show("tally: " + applied.get() + " of " + events + " events in buckets");
                    }
                    return null;
                }));
            }
            for (Future<?> f : consumersDone) {
                f.get(2, TimeUnit.HOURS);
            }
            applier.get(2, TimeUnit.HOURS);
        } catch (Exception e) {
            throw new IllegalStateException("the tally run failed: " + e, e);
        } finally {
            pool.shutdownNow();
            DynamoDbRequestMeter.disarm();
            streamsClient.close();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double writeUnits = DynamoDbRequestMeter.reportedWriteUnits() + INSERT_WRITE_UNITS * DynamoDbRequestMeter.unreportedStatements();
        return new Figures(events, seconds, DynamoDbRequestMeter.requests(), writeUnits, BenchFormat.percentile(batchNanos, 50),
                BenchFormat.percentile(batchNanos, 99), BenchFormat.percentile(visible, 99), failed.get());
    }

    /** Applies one stream batch and records, per event, the time from its SQS batch's delivery to usage-ingest until now. */
    private static int applyAndTime(UsageBucketsHandler buckets, List<DynamodbEvent.DynamodbStreamRecord> records,
                                    Map<String, Long> deliveredAt, List<Long> visible) {
        applyWithRetries(buckets, records);
        long at = System.nanoTime();
        for (DynamodbEvent.DynamodbStreamRecord r : records) {
            var image = r.getDynamodb().getNewImage();
            Long sent = deliveredAt.get(image.get("accountId").getS() + "#" + image.get("eventId").getS());
            visible.add(sent == null ? 0L : Math.max(0L, at - sent));
        }
        return records.size();
    }

    private static void applyWithRetries(UsageBucketsHandler buckets, List<DynamodbEvent.DynamodbStreamRecord> records) {
        StreamRedelivery.deliver(e -> buckets.handleRequest(e, null), records, 20);
    }

    private Figures runBaseline(String run, int accountCount, int threads, long now, TallyTables tables, Progress progress) {
        createAccounts(run, accountCount, tables);
        AtomicLong next = new AtomicLong();
        List<Long> batchNanos = java.util.Collections.synchronizedList(new ArrayList<>());
        DynamoDbRequestMeter.arm();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    for (long b; (b = next.getAndAdd(100)) < events; ) {
                        long t0 = System.nanoTime();
                        for (int i = (int) b; i < Math.min(events, b + 100); i++) {
                            baselineEvent(run, i, accountCount, now, tables);
                        }
                        batchNanos.add(System.nanoTime() - t0);
                        progress.show("baseline: " + Math.min(events, b + 100) + " of " + events + " events");
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(2, TimeUnit.HOURS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the baseline run failed: " + e, e);
        } finally {
            pool.shutdownNow();
            DynamoDbRequestMeter.disarm();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // Each event is visible once its own counter update returns: the batch latency bounds it.
        return new Figures(events, seconds, DynamoDbRequestMeter.requests(), DynamoDbRequestMeter.reportedWriteUnits(),
                BenchFormat.percentile(batchNanos, 50), BenchFormat.percentile(batchNanos, 99), BenchFormat.percentile(batchNanos, 99), 0);
    }

    /** The baseline: the same event item by a conditional PutItem, then its own ADD on the same bucket item. */
    private void baselineEvent(String run, int i, int accountCount, long now, TallyTables tables) {
        String account = account(run, i, accountCount);
        String id = run + "-e" + i;
        long ts = timestamp(i, now);
        long hour = UsageKeys.hourStart(ts);
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("eventKey", AttributeValue.fromS(UsageKeys.eventKey(account, id)));
        item.put("eventId", AttributeValue.fromS(id));
        item.put("accountId", AttributeValue.fromS(account));
        item.put("meter", AttributeValue.fromS(METER));
        item.put("quantity", AttributeValue.fromN(Integer.toString(quantity(i))));
        item.put("timestamp", AttributeValue.fromN(Long.toString(ts)));
        item.put("dimensions", AttributeValue.fromM(Map.of()));
        item.put("properties", AttributeValue.fromS("{}"));
        item.put("seriesHour", AttributeValue.fromS(UsageKeys.seriesHour(account, METER, hour)));
        item.put("receivedAt", AttributeValue.fromN(Long.toString(now)));
        item.put("messageId", AttributeValue.fromS(id));
        try {
            tables.client.putItem(r -> r.tableName(tables.usageEventsTable).item(item)
                    .conditionExpression("attribute_not_exists(eventKey)").returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
        } catch (ConditionalCheckFailedException duplicate) {
            return;
        }
        tables.client.updateItem(r -> r.tableName(tables.usageBucketsTable)
                .key(Map.of("seriesKey", AttributeValue.fromS(UsageKeys.seriesKey(account, METER)),
                        "bucketKey", AttributeValue.fromS(UsageKeys.bucketKey(hour, Map.of()))))
                .updateExpression("SET accountId = :a, meter = :m, hourStart = :h, dimensions = :d ADD sumQuantity :q, eventCount :one")
                .expressionAttributeValues(Map.of(":a", AttributeValue.fromS(account), ":m", AttributeValue.fromS(METER),
                        ":h", AttributeValue.fromN(Long.toString(hour)), ":d", AttributeValue.fromM(Map.of()),
                        ":q", AttributeValue.fromN(Integer.toString(quantity(i))), ":one", AttributeValue.fromN("1")))
                .returnConsumedCapacity(ReturnConsumedCapacity.TOTAL));
    }

    private String event(String run, int i, int accountCount, long now) {
        return "{\"id\":\"" + run + "-e" + i + "\",\"account\":\"" + account(run, i, accountCount) + "\",\"meter\":\"" + METER
                + "\",\"quantity\":" + quantity(i) + ",\"timestamp\":" + timestamp(i, now) + "}";
    }

    /** Every account's total and event count in the buckets equal what was sent. */
    private boolean check(String run, int accountCount, long now, TallyTables tables, Catalog catalog) {
        BigDecimal[] sums = new BigDecimal[accountCount];
        long[] counts = new long[accountCount];
        java.util.Arrays.fill(sums, BigDecimal.ZERO);
        for (int i = 0; i < events; i++) {
            sums[i % accountCount] = sums[i % accountCount].add(BigDecimal.valueOf(quantity(i)));
            counts[i % accountCount]++;
        }
        UsageQuery usage = new UsageQuery(tables.usageStore(Clock.systemUTC()), catalog);
        long from = UsageKeys.hourStart(now - 2 * 86_400);
        long to = UsageKeys.hourStart(now) + UsageKeys.HOUR;
        boolean exact = true;
        for (int a = 0; a < accountCount; a++) {
            MeterValue v = usage.value("bench_" + run + "_" + a, METER, from, to, d -> true);
            if (v.sum().compareTo(sums[a]) != 0 || v.count() != counts[a]) {
                System.out.printf("NOT EXACT: %s account %d: %s in %d events, expected %s in %d%n", run, a,
                        v.sum().toPlainString(), v.count(), sums[a].toPlainString(), counts[a]);
                exact = false;
            }
        }
        return exact;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
