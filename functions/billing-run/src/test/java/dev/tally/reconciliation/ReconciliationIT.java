package dev.tally.reconciliation;

import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.stripe.StripeClient;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceCalculator;
import dev.tally.invoice.InvoiceJob;
import dev.tally.invoice.InvoiceService;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.Metrics;
import dev.tally.metrics.RecordingMetrics;
import dev.tally.store.InvoiceItem;
import dev.tally.store.TallyTables;
import dev.tally.stripesync.DynamoDbStripeSyncStore;
import dev.tally.stripesync.RecordingStripeGateway;
import dev.tally.stripesync.StripeApiGateway;
import dev.tally.stripesync.StripeGateway;
import dev.tally.stripesync.StripeSyncService;
import dev.tally.stripesync.SyncState;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.MutableClock;
import dev.tally.testsupport.TallyFixtures;
import dev.tally.testsupport.stripe.FakeStripe;
import dev.tally.usage.DynamoDbUsageStore;
import dev.tally.usage.RecordedEvent;
import dev.tally.usage.UsageBucketService;
import dev.tally.usage.UsageKeys;
import dev.tally.usage.UsageQuery;
import org.joda.time.DateTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * {@link ReconciliationService} against DynamoDB on an {@link AwsBackend} and {@link FakeStripe}: February invoiced on
 * the team plan from real usage events (through the bucket service and the invoice generator's service), synced to
 * Stripe, then one corruption planted per test (an edited bucket, an event lost from the log, a ledger entry changed,
 * a duplicate invoice, a skipped period, a Stripe total that differs) and caught with exact expected and found values;
 * a clean run finds nothing. Every test has its own account, so the tables can be shared.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReconciliationIT {
    static final long JAN = Instant.parse("2026-01-01T00:00:00Z").getEpochSecond();
    static final long FEB = Instant.parse("2026-02-01T00:00:00Z").getEpochSecond();
    static final long MAR = Instant.parse("2026-03-01T00:00:00Z").getEpochSecond();
    /** Two hours after February closed: past the billing run's one-hour grace. */
    static final Instant NOW = Instant.parse("2026-03-01T02:00:00Z");
    static final String BUILD = "build_minutes";
    /** Four events of 500 build minutes, 10:00 to 10:30 on February 10. */
    static final long USAGE_HOUR = Instant.parse("2026-02-10T10:00:00Z").getEpochSecond();
    /*
     * The team plan (catalog/catalog.json, US cents): 2000 build minutes, 1500 included -> 500 x 1.5 = 750; no image
     * pulls or storage; the base fee 2500 for February (Tally's first invoice) and 2500 for March in advance.
     */
    static final long SUBTOTAL = 750 + 2 * 2500;

    private final MutableClock clock = MutableClock.at(NOW);
    private final AtomicLong sequence = new AtomicLong(1);
    private Map<String, String> env;
    private TallyTables tables;
    private Catalog catalog;
    private DynamoDbUsageStore usage;
    private FakeStripe stripe;
    private StripeGateway gateway;
    private RecordingMetrics metrics;

    /** The backend to run against: a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        env = backend().functionEnvironment("ReconciliationFunction");
        tables = new TallyTables(backend().dynamoDb(), Env.of(env));
        catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
        usage = tables.usageStore(clock);
        stripe = FakeStripe.start(clock);
        StripeClient client = StripeApiGateway.clientBuilder("sk_test_reconciliation").setApiBase(stripe.apiBase()).build();
        gateway = new StripeApiGateway(client);
    }

    @AfterAll
    void close() {
        stripe.close();
        backend().close();
    }

    @BeforeEach
    void reset() {
        clock.set(NOW);
        metrics = new RecordingMetrics();
    }

    @Test
    void aCleanRunFindsNothingCountsEveryCheckAndStoresItsReport() {
        Invoice invoice = invoicedAndSynced(account(), 0);

        ReconciliationReport report = service().reconcile(new ReconciliationService.Scope(FEB, MAR, invoice.accountId()));

        assertThat(report.mismatches()).isEmpty();
        // Three usage lines (build minutes, image pulls, storage), each read from the log and the buckets, backed by the
        // log, and rated again; one period; one invoice in Stripe; no credit grant.
        assertThat(report.checked()).containsExactlyInAnyOrderEntriesOf(Map.of(Check.USAGE_MODEL, 3L,
                Check.INVOICED_USAGE, 3L, Check.LINE_AMOUNT, 3L, Check.CREDIT_LEDGER, 0L, Check.SUBSCRIPTION_PERIODS, 1L,
                Check.STRIPE, 1L));
        assertThat(metrics.total(MetricNames.RECONCILIATION_CHECKS, Map.of("check", "usage_model"))).isEqualTo(3);
        assertThat(metrics.total(MetricNames.RECONCILIATION_MISMATCHES, Map.of("check", "usage_model"))).isZero();
        ReconciliationReport stored = new DynamoDbReconciliationStore(backend().dynamoDb(), env.get("RECONCILIATIONS_TABLE"))
                .latest().orElseThrow();
        assertThat(stored).isEqualTo(report);
        assertThat(report.trigger()).isEqualTo(ReconciliationService.ON_DEMAND);
    }

    @Test
    void anEditedBucketDisagreesWithTheEventLog() {
        Invoice invoice = invoicedAndSynced(account(), 0);
        String account = invoice.accountId();
        update(tables.usageBucketsTable, Map.of("seriesKey", s(UsageKeys.seriesKey(account, BUILD)),
                "bucketKey", s(UsageKeys.bucketKey(USAGE_HOUR, Map.of()))), "SET sumQuantity = :v", Map.of(":v", n(2100)));

        ReconciliationReport report = service().reconcile(new ReconciliationService.Scope(FEB, MAR, account));

        assertThat(report.mismatches()).containsExactly(new Mismatch(Check.USAGE_MODEL, account, BUILD, FEB, MAR,
                invoice.invoiceId(), "usage:team_build_minutes_v1:" + FEB, "2000 (4 events in the event log)",
                "2100 (4 events in the usage buckets)"));
        assertThat(metrics.total(MetricNames.RECONCILIATION_MISMATCHES, Map.of("check", "usage_model"))).isEqualTo(1);
    }

    @Test
    void anEventLostFromTheLogAfterInvoicingShowsAgainstTheBucketsAndTheInvoice() {
        Invoice invoice = invoicedAndSynced(account(), 0);
        String account = invoice.accountId();
        backend().dynamoDb().deleteItem(r -> r.tableName(tables.usageEventsTable)
                .key(Map.of("eventKey", s(UsageKeys.eventKey(account, "ev-3")))));

        ReconciliationReport report = service().reconcile(new ReconciliationService.Scope(FEB, MAR, account));

        String line = "usage:team_build_minutes_v1:" + FEB;
        assertThat(report.mismatches()).containsExactly(
                new Mismatch(Check.USAGE_MODEL, account, BUILD, FEB, MAR, invoice.invoiceId(), line,
                        "1500 (3 events in the event log)", "2000 (4 events in the usage buckets)"),
                new Mismatch(Check.INVOICED_USAGE, account, BUILD, FEB, MAR, invoice.invoiceId(), line,
                        "1500 (3 events in the event log)", "2000 (4 events invoiced)"));
    }

    @Test
    void aChangedLedgerEntryNoLongerSumsToTheBalanceNorMatchesTheCreditLine() {
        String account = account();
        TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_" + account, account, "usd", 1_000, 50, JAN, null));
        Invoice invoice = invoicedAndSynced(account, 1_000);
        update(tables.creditsTable, Map.of("accountId", s(account),
                        "entryKey", s("LEDGER#cg_" + account + ":drawdown:" + invoice.invoiceId())),
                "SET amountMinor = :v", Map.of(":v", n(-900)));

        ReconciliationReport report = service().reconcile(new ReconciliationService.Scope(FEB, MAR, account));

        assertThat(report.mismatches()).extracting(Mismatch::check, Mismatch::invoiceId, Mismatch::subject,
                Mismatch::expected, Mismatch::found).containsExactly(
                tuple(Check.CREDIT_LEDGER, null, "cg_" + account, "0.00 USD remaining on the grant",
                        "1.00 USD summed over its 2 ledger entries"),
                tuple(Check.CREDIT_LEDGER, invoice.invoiceId(), "credit:cg_" + account,
                        "-10.00 USD on the invoice's credit line",
                        "-9.00 USD in the drawdown entries of cg_" + account + " for the invoice"));
        assertThat(report.checked().get(Check.CREDIT_LEDGER)).isEqualTo(2);
    }

    @Test
    void aSecondInvoiceForTheSameSubscriptionPeriodIsADuplicate() {
        Invoice invoice = invoicedAndSynced(account(), 0);
        InvoiceItem copy = tables.invoices.getItem(r -> r.key(k -> k.partitionValue(invoice.invoiceId())));
        copy.invoiceId = invoice.invoiceId() + "_again";
        tables.invoices.putItem(copy);

        ReconciliationReport report = service().reconcile(new ReconciliationService.Scope(FEB, MAR, invoice.accountId()));

        assertThat(report.mismatches()).containsExactly(
                new Mismatch(Check.STRIPE, invoice.accountId(), null, FEB, MAR, copy.invoiceId, copy.invoiceId,
                        "in Stripe with total 57.50 USD", "never synced"),
                new Mismatch(Check.SUBSCRIPTION_PERIODS, invoice.accountId(), null, FEB, MAR, invoice.invoiceId(),
                        invoice.subscriptionId(), "1 invoice for the period",
                        "2 invoices: " + invoice.invoiceId() + ", " + copy.invoiceId));
    }

    @Test
    void aPeriodBeforeTheBillingCursorWithoutAnInvoiceWasSkipped() {
        Invoice invoice = invoicedAndSynced(account(), 0);

        ReconciliationReport report = service().reconcile(new ReconciliationService.Scope(JAN, MAR, invoice.accountId()));

        // The subscription started on January 1 and its cursor was put on February without a January invoice.
        assertThat(report.mismatches()).containsExactly(new Mismatch(Check.SUBSCRIPTION_PERIODS, invoice.accountId(), null,
                JAN, FEB, Invoice.idFor(invoice.subscriptionId(), JAN), invoice.subscriptionId(),
                "1 invoice for the period (the billing cursor is past it)", "none: the period was skipped"));
        assertThat(report.checked().get(Check.SUBSCRIPTION_PERIODS)).isEqualTo(2);
    }

    @Test
    void aStripeTotalThatDiffersFromTheInvoice() {
        Invoice invoice = invoicedAndSynced(account(), 0);
        String stripeInvoiceId = new DynamoDbStripeSyncStore(tables).find(invoice.invoiceId()).orElseThrow().stripeInvoiceId();
        String item = stripe.itemsOf(stripeInvoiceId).get(0).get("id").asText();
        long amount = stripe.itemsOf(stripeInvoiceId).get(0).get("amount").asLong();
        stripe.changeItemAmount(item, amount + 100);

        ReconciliationReport report = service().reconcile(new ReconciliationService.Scope(FEB, MAR, invoice.accountId()));

        assertThat(report.mismatches()).containsExactly(new Mismatch(Check.STRIPE, invoice.accountId(), null, FEB, MAR,
                invoice.invoiceId(), invoice.invoiceId(), "in Stripe with total 57.50 USD",
                stripeInvoiceId + " (open) with total 58.50 USD"));
    }

    @Test
    void theScheduledRunReconcilesWhatWasInvoicedSinceTheLastRunAndNamesAPeriodLeftUninvoiced() {
        String invoiced = account();
        Invoice invoice = invoiced(invoiced, 0);
        new StripeSyncService(new DynamoDbStripeSyncStore(tables), new RecordingStripeGateway(tables, clock), clock, Metrics.NONE).sync(invoice);
        String late = account();  // its February closed before the billing run, and no invoice was made
        ReconciliationHandler handler = new ReconciliationHandler(env, clock, metrics);
        ScheduledEvent event = new ScheduledEvent();
        // Runs at 02:35: periods that ended before 00:35 (grace 1 h, settle 1 h) are final.
        event.setTime(new DateTime(Instant.parse("2026-03-01T02:35:00Z").toEpochMilli()));

        handler.handleRequest(event, null);

        ReconciliationReport report = new DynamoDbReconciliationStore(backend().dynamoDb(), env.get("RECONCILIATIONS_TABLE"))
                .latest().orElseThrow();
        assertThat(report.trigger()).isEqualTo(ReconciliationService.SCHEDULED);
        assertThat(report.periodTo()).isEqualTo(Instant.parse("2026-03-01T00:35:00Z").getEpochSecond());
        assertThat(report.mismatches()).filteredOn(m -> m.accountId().equals(invoiced)).isEmpty();
        assertThat(report.mismatches()).filteredOn(m -> m.accountId().equals(late)).containsExactly(new Mismatch(
                Check.SUBSCRIPTION_PERIODS, late, null, FEB, MAR, null, "sub_" + late,
                "an invoice for the period, which ended before the last billing run",
                "none: the billing cursor is still at this period"));
        assertThat(new DynamoDbReconciliationStore(backend().dynamoDb(), env.get("RECONCILIATIONS_TABLE")).scheduledThrough())
                .hasValue(Instant.parse("2026-03-01T00:35:00Z").getEpochSecond());
    }

    // ---- set-up

    private ReconciliationService service() {
        return ReconciliationService.onDynamoDb(tables, env.get("RECONCILIATIONS_TABLE"), catalog, gateway, metrics, clock);
    }

    /** A team-plan customer since January 1, billing cursor on February, known to Stripe. */
    private String account() {
        String account = TallyFixtures.uniqueId("acct");
        TallyFixtures.seedCustomer(tables, account, "team", JAN, FEB);
        stripe.addCustomer("cus_" + account);
        return account;
    }

    /** February's usage counted, February invoiced and synced to (fake) Stripe. */
    private Invoice invoicedAndSynced(String account, long credits) {
        Invoice invoice = invoiced(account, credits);
        SyncState state = new StripeSyncService(new DynamoDbStripeSyncStore(tables), gateway, clock, Metrics.NONE).sync(invoice).orElseThrow();
        assertThat(state.stripeInvoiceId()).startsWith("in_");
        return invoice;
    }

    private Invoice invoiced(String account, long credits) {
        List<UsageBucketService.StreamedEvent> events = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            events.add(new UsageBucketService.StreamedEvent(String.format("%040d", sequence.getAndIncrement()),
                    new RecordedEvent(account, "ev-" + i, BUILD, new BigDecimal(500), USAGE_HOUR + 600L * (i - 1), Map.of(),
                            null, Map.of(), USAGE_HOUR + 600L * (i - 1), "m-" + i)));
        }
        usage.insert(events.stream().map(UsageBucketService.StreamedEvent::event).toList());
        new UsageBucketService(usage, catalog).apply(events);
        InvoiceService invoices = new InvoiceService(tables, new DynamoDbInvoiceStore(tables),
                new InvoiceCalculator(catalog, new UsageQuery(usage, catalog)), catalog, clock, 3600, 3_024_000, Metrics.NONE);
        Invoice invoice = invoices.invoice(new InvoiceJob("sub_" + account, account, FEB, MAR)).orElseThrow();
        assertThat(invoice.status()).isEqualTo(InvoiceStatus.OPEN);
        assertThat(invoice.subtotalMinor()).isEqualTo(SUBTOTAL);
        assertThat(invoice.creditsAppliedMinor()).isEqualTo(credits);
        return invoice;
    }

    private void update(String table, Map<String, AttributeValue> key, String expression, Map<String, AttributeValue> values) {
        backend().dynamoDb().updateItem(r -> r.tableName(table).key(key).updateExpression(expression)
                .expressionAttributeValues(values));
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
