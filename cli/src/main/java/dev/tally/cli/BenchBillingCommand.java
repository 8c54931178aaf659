package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.billingrun.BillingRunService;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.catalog.Meter;
import dev.tally.config.Env;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceCalculator;
import dev.tally.invoice.InvoiceJob;
import dev.tally.invoice.InvoiceService;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.local.EmbeddedAws;
import dev.tally.local.aws.ProvisionOptions;
import dev.tally.local.aws.TemplateStack;
import dev.tally.local.template.TemplateModel;
import dev.tally.store.PhaseItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.subscription.Phase;
import dev.tally.usage.BucketKey;
import dev.tally.usage.MeterValue;
import dev.tally.usage.UsageBucket;
import dev.tally.usage.UsageIngestService;
import dev.tally.usage.UsageQuery;
import dev.tally.usage.UsageStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.enhanced.dynamodb.model.WriteBatch;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code tally bench billing}: rates and invoices N subscriptions with usage on an embedded DynamoDB Local (tables
 * from template.yaml), through the real billing run ({@link BillingRunService}, the sharded work list) and invoice
 * generator ({@link InvoiceService}: phases, proration, commitments, credits, finalization), then the same for N/10 on
 * the same tables, so growth is visible. Prints invoices/s, DynamoDB requests and write units (as DynamoDB Local
 * reports them, every write asked for its consumed capacity) per invoice; checks that every subscription got exactly
 * one finalized invoice whose usage lines carry the usage seeded, that its cursor moved on, and that a second run
 * finds no work. The last line is
 * one JSON object: {@code {"n": {...}, "tenth": {...}, "exact": true|false}}.
 *
 * <p>Each subscription is on plan {@code team} or {@code business} (alternately) for January 2026, with usage of
 * every meter in one hour; every tenth changes plan on January 16th, so its invoice prorates two phases. Seeding
 * (subscriptions, usage buckets) is not measured; the billing run and the invoice jobs are, run by {@code --workers}
 * threads as Lambda would run concurrent invocations.
 */
@Command(name = "billing", mixinStandardHelpOptions = true,
        description = {"Benchmarks billing (run + invoices) of N subscriptions with usage on embedded DynamoDB Local, "
                + "and of N/10 for comparison.",
                "The last line is one JSON object. Exit code 1 when an invoice is missing, doubled or wrong."})
final class BenchBillingCommand implements Callable<Integer> {
    /** 2026-01-01T00:00:00Z, the billing anchor and period start. */
    static final long JAN = 1767225600L;
    /** 2026-02-01T00:00:00Z. */
    static final long FEB = 1769904000L;
    static final long JAN_16 = JAN + 15 * 86_400L;
    static final long USAGE_HOUR = JAN + 9 * 86_400L;

    @Spec
    CommandSpec spec;

    @Option(names = "--subscriptions", paramLabel = "N", defaultValue = "50000",
            description = "Subscriptions to invoice. Default: ${DEFAULT-VALUE}.")
    int subscriptions;

    @Option(names = "--workers", paramLabel = "W", defaultValue = "4",
            description = "Concurrent invoice jobs (Lambda invocations). Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--template", paramLabel = "FILE", description = "SAM template. Default: ${DEFAULT-VALUE}.")
    Path template = Path.of(System.getProperty(RuntimeOptions.HOME_PROPERTY, "")).resolve("template.yaml");

    /** Figures of one run. */
    record Figures(int invoices, double seconds, long requests, double writeUnits) {
        ObjectNode json() {
            return OpsCommand.JSON.createObjectNode()
                    .put("subscriptions", invoices)
                    .put("invoices_per_s", BenchFormat.round(invoices / seconds))
                    .put("requests_per_invoice", BenchFormat.round((double) requests / invoices))
                    .put("write_units_per_invoice", BenchFormat.round(writeUnits / invoices))
                    .put("seconds", BenchFormat.round(seconds));
        }
    }

    @Override
    public Integer call() {
        if (subscriptions < 10 || workers < 1) {
            throw new ParameterException(spec.commandLine(), "--subscriptions must be at least 10 and --workers at least 1");
        }
        Progress progress = Progress.forThisProcess();
        System.out.printf("bench billing: %d subscriptions, then %d; %d workers%n", subscriptions, subscriptions / 10, workers);
        try (EmbeddedAws aws = EmbeddedAws.start();
             TemplateStack stack = new TemplateStack(TemplateModel.load(template), aws.connection(), Map.of())) {
            stack.provision(ProvisionOptions.defaults());
            Env env = Env.of(stack.functionEnvironment("InvoiceGeneratorFunction", Map.of()));
            TallyTables tables = new TallyTables(aws.dynamoDb(), env);
            Catalog catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
            Clock clock = Clock.fixed(Instant.ofEpochSecond(FEB + 2 * 3600), ZoneOffset.UTC);
            InvoiceService service = new InvoiceService(tables, new DynamoDbInvoiceStore(tables),
                    new InvoiceCalculator(catalog, new UsageQuery(tables.usageStore(clock), catalog)), catalog, clock, 3600,
                    UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS, dev.tally.metrics.Metrics.NONE);

            Figures tenth = run("s", subscriptions / 10, tables, catalog, clock, service, progress);
            Figures full = run("l", subscriptions, tables, catalog, clock, service, progress);
            boolean exact = check("s", subscriptions / 10, tables, catalog) & check("l", subscriptions, tables, catalog);

            System.out.printf("%n%-34s %14s %14s%n", "", "N=" + subscriptions, "N/10=" + subscriptions / 10);
            BenchFormat.row("invoices/s", full.invoices / full.seconds, tenth.invoices / tenth.seconds);
            BenchFormat.row("DynamoDB requests / invoice", (double) full.requests / full.invoices, (double) tenth.requests / tenth.invoices);
            BenchFormat.row("write units / invoice", full.writeUnits / full.invoices, tenth.writeUnits / tenth.invoices);
            BenchFormat.row("seconds", full.seconds, tenth.seconds);
            System.out.println(exact ? "every subscription has one finalized invoice with its usage"
                    : "NOT EXACT: see the lines above");
            ObjectNode json = OpsCommand.JSON.createObjectNode();
            json.set("n", full.json());
            json.set("tenth", tenth.json());
            json.put("exact", exact);
            System.out.println(json);
            return exact ? 0 : 1;
        }
    }

    private Figures run(String run, int n, TallyTables tables, Catalog catalog, Clock clock, InvoiceService service,
                        Progress progress) {
        seed(run, n, tables, catalog, progress);
        // Only this run's subscriptions are due: the other run's were invoiced already (or are not seeded yet).
        DynamoDbRequestMeter.arm();
        long start = System.nanoTime();
        ConcurrentLinkedQueue<InvoiceJob> jobs = new ConcurrentLinkedQueue<>();
        new BillingRunService(tables, 3600).run(clock.instant(), jobs::addAll);
        AtomicLong done = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                futures.add(pool.submit(() -> {
                    for (InvoiceJob job = jobs.poll(); job != null; job = jobs.poll()) {
                        service.invoice(job);
                        long d = done.incrementAndGet();
                        if (d % 500 == 0) {
                            progress.show(run + ": " + d + " of " + n + " invoices");
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get(6, TimeUnit.HOURS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the billing run failed: " + e, e);
        } finally {
            pool.shutdownNow();
            DynamoDbRequestMeter.disarm();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Figures((int) done.get(), seconds, DynamoDbRequestMeter.requests(), DynamoDbRequestMeter.reportedWriteUnits());
    }

    private static String subscriptionId(String run, int i) {
        return "sub_bench_" + run + i;
    }

    private static String account(String run, int i) {
        return "org_bench_" + run + i;
    }

    private static String plan(int i) {
        return i % 2 == 0 ? "team" : "business";
    }

    private static boolean changesPlan(int i) {
        return i % 10 == 9;
    }

    /** Subscriptions (BatchWriteItem, 25 a request) and one hour of usage per meter (buckets, 99 a transaction). */
    private static void seed(String run, int n, TallyTables tables, Catalog catalog, Progress progress) {
        for (int from = 0; from < n; from += 25) {
            WriteBatch.Builder<SubscriptionItem> batch = WriteBatch.builder(SubscriptionItem.class).mappedTableResource(tables.subscriptions);
            for (int i = from; i < Math.min(n, from + 25); i++) {
                batch.addPutItem(subscription(run, i));
            }
            tables.enhanced.batchWriteItem(r -> r.addWriteBatch(batch.build()));
            if (from % 2500 == 0) {
                progress.show(run + ": seeding subscriptions " + from + " of " + n);
            }
        }
        UsageStore store = tables.usageStore(Clock.systemUTC());
        List<UsageBucket> deltas = new ArrayList<>();
        int marker = 0;
        for (int i = 0; i < n; i++) {
            for (Meter meter : catalog.meters().values()) {
                Map<String, String> dims = new LinkedHashMap<>();
                meter.dimensions().forEach(d -> dims.put(d, "eu"));
                BigDecimal quantity = quantity(meter, i);
                deltas.add(new UsageBucket(new BucketKey(account(run, i), meter.id(), USAGE_HOUR, dims),
                        new MeterValue(quantity, 3, quantity, USAGE_HOUR + 60, "e" + i, quantity, java.util.Set.of())));
                if (deltas.size() == UsageStore.MAX_DELTAS_PER_COMMIT) {
                    store.addOnce("bench-" + run + "-" + marker, String.format("%040d", marker), List.copyOf(deltas));
                    marker++;
                    deltas.clear();
                }
            }
            if (i % 2500 == 0) {
                progress.show(run + ": seeding usage " + i + " of " + n);
            }
        }
        if (!deltas.isEmpty()) {
            store.addOnce("bench-" + run + "-" + marker, String.format("%040d", marker), List.copyOf(deltas));
        }
    }

    private static BigDecimal quantity(Meter meter, int i) {
        return BigDecimal.valueOf(1000L + (i % 7) * 997L + meter.id().length() * 131L);
    }

    private static SubscriptionItem subscription(String run, int i) {
        SubscriptionItem s = new SubscriptionItem();
        s.subscriptionId = subscriptionId(run, i);
        s.accountId = account(run, i);
        s.stripeCustomerId = "cus_bench_" + run + i;
        s.status = "active";
        s.currency = "usd";
        s.billingAnchor = JAN;
        s.interval = "month";
        s.intervalCount = 1;
        s.periodStart = JAN;
        s.periodEnd = FEB;
        s.createdAt = JAN;
        s.billingState = SubscriptionItem.activeState(s.subscriptionId);
        s.version = 1L;
        List<Phase> phases = changesPlan(i)
                ? List.of(new Phase(plan(i), 1, JAN, JAN_16), new Phase(plan(i + 1), 1, JAN_16, null))
                : List.of(new Phase(plan(i), 1, JAN, null));
        s.phases = PhaseItem.fromDomain(phases);
        s.planId = phases.get(phases.size() - 1).planId();
        return s;
    }

    /**
     * Every subscription has exactly one finalized invoice, its usage lines carry each meter's seeded quantity (the
     * usage hour lies in the first phase), its cursor moved past January, and a second billing run finds no work.
     */
    private static boolean check(String run, int n, TallyTables tables, Catalog catalog) {
        DynamoDbInvoiceStore store = new DynamoDbInvoiceStore(tables);
        int wrong = 0;
        for (int i = 0; i < n; i++) {
            String id = Invoice.idFor(subscriptionId(run, i), JAN);
            Invoice invoice = store.find(id).orElse(null);
            String problem = null;
            if (invoice == null || invoice.status() != InvoiceStatus.OPEN) {
                problem = "missing or not finalized";
            } else {
                for (Meter meter : catalog.meters().values()) {
                    BigDecimal billed = invoice.lines().stream()
                            .filter(l -> l.type() == dev.tally.invoice.LineType.USAGE && meter.id().equals(l.meter()))
                            .map(dev.tally.invoice.InvoiceLine::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
                    if (billed.compareTo(quantity(meter, i)) != 0) {
                        problem = meter.id() + " billed " + billed + ", used " + quantity(meter, i);
                    }
                }
            }
            if (problem == null) {
                final int index = i;
                SubscriptionItem sub = tables.subscriptions.getItem(r -> r.key(k -> k.partitionValue(subscriptionId(run, index))));
                if (sub.periodStart != FEB) {
                    problem = "cursor not advanced";
                }
            }
            if (problem != null && wrong++ < 5) {
                System.out.println(id + ": " + problem);
            }
        }
        List<InvoiceJob> again = new BillingRunService(tables, 3600).run(Instant.ofEpochSecond(FEB + 2 * 3600), jobs -> { });
        long left = again.stream().filter(j -> j.subscriptionId().startsWith("sub_bench_" + run)).count();
        if (left > 0) {
            System.out.println(left + " subscriptions of run " + run + " are still due");
            wrong++;
        }
        return wrong == 0;
    }
}
