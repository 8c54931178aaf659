package dev.tally.invoice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.credit.CreditLedger;
import dev.tally.store.CreditEntryItem;
import dev.tally.store.Indexes;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.store.UsageRejectionItem;
import dev.tally.testsupport.SqsMessages;
import dev.tally.testsupport.SqsMessages.QueuedMessage;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.DynamoDbFault;
import dev.tally.testsupport.DynamoDbFaultInterceptor;
import dev.tally.testsupport.FaultInjectingDynamoDb;
import dev.tally.testsupport.MutableClock;
import dev.tally.testsupport.TallyFixtures;
import dev.tally.buckets.UsageBucketsHandler;
import dev.tally.ingest.UsageIngestHandler;
import dev.tally.testsupport.UsagePipeline;
import dev.tally.usage.BucketKey;
import dev.tally.usage.IngestOutcome;
import dev.tally.usage.MeterValue;
import dev.tally.usage.UsageBucket;
import dev.tally.usage.UsageQuery;
import dev.tally.usage.RejectionReason;
import dev.tally.usage.UsageIngestService;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * {@link InvoiceGeneratorHandler}, built with its real constructor from the template's environment, against
 * DynamoDB on an {@link AwsBackend}: one invoice per account-period whatever SQS and crashes do to the job, amounts
 * as the catalog prices them, prepaid credits drawn once, and usage that arrives after its period was invoiced billed
 * as an adjustment on the next invoice. Every test has its own account, so the tables can be shared.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class InvoiceGeneratorHandlerIT {

    /** SnapStart priming (beforeCheckpoint) only reads, needs no secret, and runs against the real tables. */
    @Test
    void primingRunsWithoutSecretsOrWrites() {
        assertThatCode(handler::prime).doesNotThrowAnyException();
    }
    static final long ANCHOR = epoch("2026-01-01T00:00:00Z");
    static final long FEB = epoch("2026-02-01T00:00:00Z");
    static final long MAR = epoch("2026-03-01T00:00:00Z");
    static final long APR = epoch("2026-04-01T00:00:00Z");
    /** Two hours after February closed: past the billing run's one-hour grace. */
    static final Instant NOW = Instant.parse("2026-03-01T02:00:00Z");
    static final String BUILD = "build_minutes";
    static final String PULLS = "image_pulls";
    static final String STORAGE = "storage_gb_hours";

    /*
     * The February usage most tests seed, priced by the team plan of catalog/catalog.json (amounts in US cents):
     *   build_minutes     2000 minutes, 1500 included -> 500 billable x 1.5 per unit                  =  750
     *   image_pulls      20000 pulls, 5000 included -> 15000 billable, graduated tiers:
     *                    first 10000 x 0.1 = 1000, next 5000 (up to 100000) x 0.05 = 250             = 1250
     *   storage_gb_hours 2500.5 GB-hours, none included -> divide_by 1000, round up = 3 x 100         =  300
     *                                                                                       subtotal = 2300
     */
    static final long BUILD_AMOUNT = 750;
    static final long PULLS_AMOUNT = 1250;
    static final long STORAGE_AMOUNT = 300;
    static final long SUBTOTAL = 2300;

    private final MutableClock clock = MutableClock.at(NOW);
    private Map<String, String> env;
    private TallyTables tables;
    private Catalog catalog;
    private InvoiceGeneratorHandler handler;
    private UsagePipeline pipeline;
    private static final java.util.concurrent.atomic.AtomicLong SEEDS = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());

    /** The backend to run against: a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        env = backend().functionEnvironment("InvoiceGeneratorFunction");
        tables = new TallyTables(backend().dynamoDb(), Env.of(env));
        catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
        handler = new InvoiceGeneratorHandler(env, clock);
        UsageIngestHandler ingest = new UsageIngestHandler(backend().functionEnvironment("UsageIngestFunction"), clock);
        UsageBucketsHandler buckets = new UsageBucketsHandler(backend().functionEnvironment("UsageBucketsFunction"), clock);
        pipeline = new UsagePipeline(backend(), e -> ingest.handleRequest(e, null), e -> buckets.handleRequest(e, null));
    }

    @AfterAll
    void close() {
        pipeline.close();
        backend().close();
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
    }

    @AfterEach
    void disarmFaults() {
        DynamoDbFaultInterceptor.disarmAll();
    }

    // ---------------------------------------------------------------------------------------------- invoicing

    @Test
    void invoicesAnEndedPeriodWithALinePerPlanMeterAndAdvancesTheCursor() {
        String account = customer();
        seedFebruaryUsage(account);

        SQSBatchResponse response = handler.handleRequest(sqs(msg(februaryJob(account))), null);

        assertThat(failures(response)).isEmpty();
        InvoiceItem invoice = invoice(account, FEB);
        assertThat(invoice.invoiceId).isEqualTo("tin_" + account + "_" + FEB);
        assertThat(invoice.accountId).isEqualTo(account);
        assertThat(invoice.subscriptionId).isEqualTo("sub_" + account);
        assertThat(invoice.planId).isEqualTo("team");
        assertThat(invoice.currency).isEqualTo("usd");
        assertThat(invoice.periodStart).isEqualTo(FEB);
        assertThat(invoice.periodEnd).isEqualTo(MAR);
        assertThat(invoice.catalogVersion).isEqualTo(catalog.version());
        assertThat(invoice.createdAt).isEqualTo(NOW.getEpochSecond());
        assertThat(invoice.lines).extracting(l -> l.meter).containsExactly(BUILD, PULLS, STORAGE);
        assertThat(invoice.lines).extracting(l -> l.amountMinor).containsExactly(BUILD_AMOUNT, PULLS_AMOUNT, STORAGE_AMOUNT);
        InvoiceLineItem build = invoice.lines.get(0);
        assertThat(build.quantity).isEqualByComparingTo("2000");
        assertThat(build.includedQuantity).isEqualByComparingTo("1500");
        assertThat(build.billableQuantity).isEqualByComparingTo("500");
        assertThat(build.usageEventCount).isEqualTo(40L);
        assertThat(build.seriesKey).isEqualTo(account + "#" + BUILD);
        assertThat(build.lineId).isEqualTo("usage:team_build_minutes_v1");
        assertThat(build.priceId).isEqualTo("team_build_minutes_v1");
        assertThat(build.type).isEqualTo(InvoiceLineItem.USAGE);
        assertThat(List.of(build.periodStart, build.periodEnd)).containsExactly(FEB, MAR);
        assertThat(build.description).isEqualTo("Build minutes: 2000 minutes (1500 included)");
        InvoiceLineItem storage = invoice.lines.get(2);
        assertThat(storage.quantity).isEqualByComparingTo("2500.5");
        assertThat(storage.billableQuantity).as("packages of 1000").isEqualByComparingTo("3");
        assertThat(invoice.subtotalMinor).isEqualTo(invoice.lines.stream().mapToLong(l -> l.amountMinor).sum())
                .isEqualTo(SUBTOTAL);
        assertThat(invoice.creditsAppliedMinor).isZero();
        assertThat(invoice.totalMinor).isEqualTo(SUBTOTAL);

        SubscriptionItem sub = subscription(account);
        assertThat(sub.periodStart).isEqualTo(MAR);
        assertThat(sub.periodEnd).isEqualTo(APR);
        assertThat(sub.version).isEqualTo(2L);
        assertThat(sub.billingState).isEqualTo(SubscriptionItem.BILLING_ACTIVE);
        assertThat(invoicesOf(account)).hasSize(1);
        assertThat(credits(account)).isEmpty();
    }

    @Test
    void everyPriceOfThePlanGetsALineAndUnpricedUsageShowsAtZero() {
        String account = customer("pro_jpy");
        seed(account, FEB, BUILD, "1000", 3);
        seed(account, FEB, PULLS, "77", 2);

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        // pro_jpy prices build_minutes only: 1000 - 400 included = 600 x 2.5 yen = 1500 yen; pulls are not priced
        InvoiceItem invoice = invoice(account, FEB);
        assertThat(invoice.currency).isEqualTo("jpy");
        assertThat(invoice.lines).extracting(l -> l.meter).containsExactly(BUILD, PULLS);
        assertThat(invoice.lines).extracting(l -> l.amountMinor).containsExactly(1500L, 0L);
        assertThat(invoice.lines.get(1).quantity).isEqualByComparingTo("77");
        assertThat(invoice.lines.get(1).usageEventCount).isEqualTo(2L);
        assertThat(invoice.totalMinor).isEqualTo(1500L);
    }

    @Test
    void pricesFilteredByADimensionSplitTheMetersUsage() {
        String account = customer("business");
        seed(account, FEB, PULLS, "120000", 30, Map.of("region", "eu"));
        seed(account, FEB, PULLS, "80000", 20, Map.of("region", "us"));
        seed(account, FEB, PULLS, "1000", 5, Map.of()); // no region: not in the EU

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        InvoiceItem invoice = invoice(account, FEB);
        assertThat(invoice.lines).extracting(l -> l.lineId).containsExactly("usage:business_build_minutes_v1",
                "usage:business_image_pulls_v1", "usage:business_image_pulls_eu_v1", "usage:business_storage_v1");
        InvoiceLineItem rest = invoice.lines.get(1);
        InvoiceLineItem eu = invoice.lines.get(2);
        // outside the EU: 81000 - 50000 included = 31000 x 0.04 = 1240 cents
        assertThat(rest.quantity).isEqualByComparingTo("81000");
        assertThat(rest.usageEventCount).isEqualTo(25L);
        assertThat(rest.amountMinor).isEqualTo(1240L);
        assertThat(rest.description).isEqualTo("Business image pulls outside the EU: 81000 pulls (50000 included)");
        // in the EU, nothing included: 100000 x 0.05 + 20000 x 0.02 = 5000 + 400 = 5400 cents
        assertThat(eu.quantity).isEqualByComparingTo("120000");
        assertThat(eu.usageEventCount).isEqualTo(30L);
        assertThat(eu.amountMinor).isEqualTo(5400L);
        assertThat(eu.priceId).isEqualTo("business_image_pulls_eu_v1");
        assertThat(eu.description).isEqualTo("Business image pulls in the EU: 120000 pulls");
        assertThat(invoice.totalMinor).isEqualTo(6640L);
    }

    @Test
    void aPeriodWithoutUsageIsInvoicedAtZero() {
        String account = customer();

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        InvoiceItem invoice = invoice(account, FEB);
        assertThat(invoice.lines).extracting(l -> l.meter).containsExactly(BUILD, PULLS, STORAGE);
        assertThat(invoice.lines).allSatisfy(l -> {
            assertThat(l.quantity).isEqualByComparingTo(BigDecimal.ZERO);
            assertThat(l.amountMinor).isZero();
        });
        assertThat(invoice.totalMinor).isZero();
        assertThat(subscription(account).periodStart).isEqualTo(MAR);
    }

    // ------------------------------------------------------------------------------------------------ credits

    @Test
    void creditsSmallerThanTheSubtotalAreAllApplied() {
        String account = customer();
        seedFebruaryUsage(account);
        grant(account, 1_000);

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        InvoiceItem invoice = invoice(account, FEB);
        assertThat(invoice.creditsAppliedMinor).isEqualTo(1_000L);
        assertThat(invoice.totalMinor).isEqualTo(SUBTOTAL - 1_000); // 1300
        assertThat(balance(account).balanceMinor).isZero();
        assertThat(balance(account).grantedMinor).isEqualTo(1_000L);
        CreditEntryItem drawdown = entry(account, CreditEntryItem.LEDGER_PREFIX + "drawdown:" + invoice.invoiceId);
        assertThat(drawdown.amountMinor).isEqualTo(-1_000L);
        assertThat(drawdown.sourceId).isEqualTo(invoice.invoiceId);
        assertThat(drawdown.currency).isEqualTo("usd");
        assertThat(ledgerSum(account)).isEqualTo(balance(account).balanceMinor);
    }

    @Test
    void creditsLargerThanTheSubtotalPayItAllAndTheRestRemains() {
        String account = customer();
        seedFebruaryUsage(account);
        grant(account, 5_000);

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        InvoiceItem invoice = invoice(account, FEB);
        assertThat(invoice.creditsAppliedMinor).isEqualTo(SUBTOTAL);
        assertThat(invoice.totalMinor).isZero();
        assertThat(balance(account).balanceMinor).isEqualTo(5_000 - SUBTOTAL); // 2700
        assertThat(entry(account, CreditEntryItem.LEDGER_PREFIX + "drawdown:" + invoice.invoiceId).amountMinor)
                .isEqualTo(-SUBTOTAL);
        assertThat(ledgerSum(account)).isEqualTo(2_700L).isEqualTo(balance(account).balanceMinor);
    }

    // ------------------------------------------------------------------------------------ exactly once, crashes

    @Test
    void aRedeliveredOrDuplicatedJobInvoicesOnceDrawsCreditsOnceAndAdvancesOnce() {
        String account = customer();
        seedFebruaryUsage(account);
        grant(account, 1_000);
        QueuedMessage job = msg(februaryJob(account));
        // the billing run may queue the same job twice (another message), SQS may deliver one message twice
        QueuedMessage requeued = msg(job.body());

        assertThat(failures(handler.handleRequest(sqs(job, requeued), null))).isEmpty();
        assertThat(failures(handler.handleRequest(sqs(job), null))).isEmpty();
        clock.set(NOW.plusSeconds(3_600));
        assertThat(failures(handler.handleRequest(sqs(requeued), null))).isEmpty();

        assertThat(invoicesOf(account)).singleElement().satisfies(i -> {
            assertThat(i.totalMinor).isEqualTo(1_300L);
            assertThat(i.createdAt).isEqualTo(NOW.getEpochSecond());
        });
        assertThat(drawdowns(account)).hasSize(1);
        assertThat(balance(account).balanceMinor).isZero();
        assertThat(ledgerSum(account)).isZero();
        SubscriptionItem sub = subscription(account);
        assertThat(sub.periodStart).isEqualTo(MAR);
        assertThat(sub.periodEnd).isEqualTo(APR);
        assertThat(sub.version).isEqualTo(2L);
    }

    @Test
    void aCrashAfterTheInvoiceCommittedButBeforeTheCursorMovedIsFinishedByTheRetry() {
        String account = customer();
        seedFebruaryUsage(account);
        grant(account, 1_000);
        InvoiceJob job = februaryJob(account);
        DynamoDbFault crash = DynamoDbFault.on("UpdateItem").onTable(tables.subscriptions.tableName());
        InvoiceService crashing = service(FaultInjectingDynamoDb.wrap(backend().dynamoDb(), crash));

        assertThatThrownBy(() -> crashing.invoice(job)).isInstanceOf(SdkClientException.class)
                .hasMessageStartingWith(DynamoDbFault.MESSAGE);

        assertThat(crash.fired()).isEqualTo(1);
        assertThat(invoicesOf(account)).hasSize(1);
        assertThat(drawdowns(account)).hasSize(1);
        assertThat(subscription(account).periodStart).as("cursor not moved yet").isEqualTo(FEB);
        assertThat(subscription(account).version).isEqualTo(1L);

        assertThat(failures(handler.handleRequest(sqs(msg(job.toJson())), null))).isEmpty();

        assertThat(invoicesOf(account)).singleElement().satisfies(i -> {
            assertThat(i.subtotalMinor).isEqualTo(SUBTOTAL);
            assertThat(i.creditsAppliedMinor).isEqualTo(1_000L);
        });
        assertThat(drawdowns(account)).hasSize(1);
        assertThat(balance(account).balanceMinor).isZero();
        assertThat(subscription(account).periodStart).isEqualTo(MAR);
        assertThat(subscription(account).version).isEqualTo(2L);
    }

    @Test
    void aCrashThatHidTheCommittedInvoiceFromTheCallerDoesNotDrawCreditsTwice() {
        String account = customer();
        seedFebruaryUsage(account);
        grant(account, 5_000);
        InvoiceJob job = februaryJob(account);
        DynamoDbFault crash = DynamoDbFault.on("TransactWriteItems").onTable(tables.invoices.tableName()).afterCall();
        InvoiceService crashing = service(FaultInjectingDynamoDb.wrap(backend().dynamoDb(), crash));

        assertThatThrownBy(() -> crashing.invoice(job)).hasMessageStartingWith(DynamoDbFault.MESSAGE);

        assertThat(crash.fired()).isEqualTo(1);
        assertThat(invoicesOf(account)).hasSize(1);
        assertThat(balance(account).balanceMinor).isEqualTo(2_700L);
        assertThat(subscription(account).periodStart).isEqualTo(FEB);

        clock.set(NOW.plusSeconds(60));
        assertThat(failures(handler.handleRequest(sqs(msg(job.toJson())), null))).isEmpty();

        assertThat(invoicesOf(account)).singleElement().satisfies(i -> {
            assertThat(i.creditsAppliedMinor).isEqualTo(SUBTOTAL);
            assertThat(i.createdAt).isEqualTo(NOW.getEpochSecond());
        });
        assertThat(drawdowns(account)).hasSize(1);
        assertThat(balance(account).balanceMinor).isEqualTo(2_700L);
        assertThat(ledgerSum(account)).isEqualTo(2_700L);
        assertThat(subscription(account).periodStart).isEqualTo(MAR);
        assertThat(subscription(account).version).isEqualTo(2L);
    }

    @Test
    void aTransientFailureFailsOnlyThatJobAndItsRedeliveryFinishesIt() {
        String first = customer();
        String second = customer();
        seedFebruaryUsage(first);
        seedFebruaryUsage(second);
        QueuedMessage one = msg(februaryJob(first));
        QueuedMessage two = msg(februaryJob(second));
        DynamoDbFault throttled = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems")
                .onTable(tables.invoices.tableName()));

        SQSBatchResponse response = handler.handleRequest(sqs(one, two), null);
        DynamoDbFaultInterceptor.disarmAll();

        assertThat(throttled.fired()).isEqualTo(1);
        assertThat(failures(response)).containsExactly(one.id());
        assertThat(invoicesOf(first)).isEmpty();
        assertThat(invoicesOf(second)).hasSize(1);

        assertThat(failures(handler.handleRequest(sqs(one), null))).isEmpty();
        assertThat(invoicesOf(first)).singleElement().satisfies(i -> assertThat(i.totalMinor).isEqualTo(SUBTOTAL));
        assertThat(subscription(first).periodStart).isEqualTo(MAR);
    }

    // ----------------------------------------------------------------------------------- stale, late, canceled

    @Test
    void aStaleJobDoesNothing() {
        String account = TallyFixtures.uniqueId("org");
        // the cursor is already on March: February was invoiced (by another path) and its job is stale
        TallyFixtures.seedCustomer(tables, account, "team", ANCHOR, MAR);
        seedFebruaryUsage(account);

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        assertThat(invoicesOf(account)).isEmpty();
        SubscriptionItem sub = subscription(account);
        assertThat(sub.periodStart).isEqualTo(MAR);
        assertThat(sub.version).isEqualTo(1L);
    }

    @Test
    void aJobForAPeriodAlreadyInvoicedAndAdvancedPastDoesNothingMore() {
        String account = customer();
        seedFebruaryUsage(account);
        QueuedMessage february = msg(februaryJob(account));
        assertThat(failures(handler.handleRequest(sqs(february), null))).isEmpty();
        clock.set(Instant.ofEpochSecond(APR + 7_200));
        assertThat(failures(handler.handleRequest(sqs(msg(new InvoiceJob("sub_" + account, account, MAR, APR).toJson())),
                null))).isEmpty();
        assertThat(subscription(account).periodStart).isEqualTo(APR);

        // February's job again, long after: its invoice exists and the cursor is two periods further
        assertThat(failures(handler.handleRequest(sqs(february), null))).isEmpty();

        assertThat(invoicesOf(account)).extracting(i -> i.periodStart).containsExactly(FEB, MAR);
        SubscriptionItem sub = subscription(account);
        assertThat(sub.periodStart).isEqualTo(APR);
        assertThat(sub.version).isEqualTo(3L);
    }

    @Test
    void usageArrivingAfterThePeriodWasInvoicedIsBilledAsAnAdjustmentOnTheNextInvoice() {
        String account = customer();
        List<String> february = new ArrayList<>();
        for (String quantity : List.of("1200", "250.25", "49.75", "100")) {
            february.add(usageEvent(TallyFixtures.uniqueId("evt"), account, BUILD, quantity, FEB + 3_600));
        }
        assertThat(pipeline.send(SqsMessages.message("[" + String.join(",", february) + "]"))).isEmpty();
        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();
        // 1200 + 250.25 + 49.75 + 100 = 1600 minutes: (1600 - 1500) x 1.5 = 150 cents
        assertThat(invoice(account, FEB).lines.get(0).amountMinor).isEqualTo(150L);

        // A February event arrives after February was invoiced (inside the backdating window), and March usage.
        assertThat(pipeline.send(SqsMessages.message(usageEvent(TallyFixtures.uniqueId("evt"), account, BUILD, "500", MAR - 60)),
                SqsMessages.message(usageEvent(TallyFixtures.uniqueId("evt"), account, BUILD, "7", MAR + 60)))).isEmpty();
        clock.set(Instant.ofEpochSecond(APR + 7_200));
        assertThat(failures(handler.handleRequest(sqs(msg(new InvoiceJob("sub_" + account, account, MAR, APR).toJson())), null))).isEmpty();

        InvoiceItem march = invoice(account, MAR);
        InvoiceLineItem adjustment = march.lines.stream().filter(l -> InvoiceLineItem.ADJUSTMENT.equals(l.type)).findFirst().orElseThrow();
        assertThat(adjustment.lineId).isEqualTo("adjustment:" + InvoiceItem.invoiceId(account, FEB) + ":team_build_minutes_v1");
        assertThat(adjustment.priceId).isEqualTo("team_build_minutes_v1");
        assertThat(adjustment.adjustsInvoiceId).isEqualTo(InvoiceItem.invoiceId(account, FEB));
        assertThat(adjustment.periodStart).isEqualTo(FEB);
        assertThat(adjustment.periodEnd).isEqualTo(MAR);
        assertThat(adjustment.quantity).isEqualByComparingTo("500");
        assertThat(adjustment.usageEventCount).isEqualTo(1L);
        // one invoice with 2100 minutes would say (2100 - 1500) x 1.5 = 900; February said 150, so 750 more
        assertThat(adjustment.amountMinor).isEqualTo(750L);
        assertThat(adjustment.description).startsWith("Usage for 2026-02-01T00:00:00Z to 2026-03-01T00:00:00Z received after invoicing");
        InvoiceLineItem build = march.lines.get(0);
        assertThat(build.type).isEqualTo(InvoiceLineItem.USAGE);
        assertThat(build.quantity).isEqualByComparingTo("7");
        assertThat(march.subtotalMinor).isEqualTo(750L);

        // An invoice job for April sees nothing new for February: no second adjustment.
        clock.set(Instant.ofEpochSecond(epoch("2026-05-01T02:00:00Z")));
        assertThat(failures(handler.handleRequest(sqs(msg(new InvoiceJob("sub_" + account, account, APR,
                epoch("2026-05-01T00:00:00Z")).toJson())), null))).isEmpty();
        assertThat(invoice(account, APR).lines).noneMatch(l -> InvoiceLineItem.ADJUSTMENT.equals(l.type));
    }

    @Test
    void aJobForAPeriodThatHasNotEndedIsRefused() {
        String account = customer();
        clock.set(Instant.ofEpochSecond(MAR - 1));
        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();
        assertThat(invoicesOf(account)).isEmpty();
        assertThat(subscription(account).periodStart).isEqualTo(FEB);
    }

    @Test
    void aCanceledSubscriptionIsInvoicedForItsPartialPeriodAndLeavesTheWorkList() {
        String account = TallyFixtures.uniqueId("org");
        long endedAt = epoch("2026-02-20T00:00:00Z");
        SubscriptionItem sub = TallyFixtures.seedCustomer(tables, account, "team", ANCHOR, FEB);
        sub.status = "canceled";
        sub.endedAt = endedAt;
        sub.periodEnd = endedAt;
        tables.subscriptions.putItem(sub);
        seedFebruaryUsage(account);
        QueuedMessage job = msg(new InvoiceJob(sub.subscriptionId, account, FEB, endedAt).toJson());

        assertThat(failures(handler.handleRequest(sqs(job), null))).isEmpty();
        assertThat(failures(handler.handleRequest(sqs(job), null))).as("redelivered").isEmpty();

        InvoiceItem invoice = invoice(account, FEB);
        assertThat(invoice.periodStart).isEqualTo(FEB);
        assertThat(invoice.periodEnd).isEqualTo(endedAt);
        assertThat(invoice.subtotalMinor).isEqualTo(SUBTOTAL);
        assertThat(invoicesOf(account)).hasSize(1);
        SubscriptionItem after = subscription(account);
        assertThat(after.billingState).isNull();
        assertThat(after.periodEnd).isNull();
        assertThat(after.version).as("advanced once").isEqualTo(2L);
        assertThat(after.periodStart).as("everything up to the end is invoiced").isEqualTo(endedAt);
    }

    // ------------------------------------------------------------------------------------------- bad messages

    @Test
    void aMalformedJobIsABatchItemFailureAndTheOtherJobsSucceed() {
        String account = customer();
        seedFebruaryUsage(account);
        QueuedMessage notJson = msg("{not json");
        QueuedMessage incomplete = msg("{\"subscriptionId\":\"sub_" + account + "\",\"accountId\":\"" + account + "\"}");
        QueuedMessage valid = msg(februaryJob(account));
        QueuedMessage unknownSubscription = msg(new InvoiceJob("sub_nobody", "nobody", FEB, MAR).toJson());

        SQSBatchResponse response = handler.handleRequest(sqs(notJson, incomplete, valid, unknownSubscription), null);

        assertThat(failures(response)).containsExactly(notJson.id(), incomplete.id(), unknownSubscription.id());
        assertThat(invoicesOf(account)).hasSize(1);
        assertThat(subscription(account).periodStart).isEqualTo(MAR);
    }

    @Test
    void aJobThatKeepsFailingEndsInTheDeadLetterQueueAfterFiveReceives() {
        String queue = backend().queueUrl("InvoiceJobsQueue");
        String deadLetters = backend().queueUrl("InvoiceJobsDeadLetterQueue");
        String body = "{\"subscriptionId\":\"" + TallyFixtures.uniqueId("sub") + "\"}";
        backend().sqs().sendMessage(r -> r.queueUrl(queue).messageBody(body));

        // what Lambda's event source mapping does: receive, invoke, make the failed messages visible again
        int invocations = 0;
        for (int receive = 1; receive <= 10; receive++) {
            List<Message> received = backend().sqs().receiveMessage(r -> r.queueUrl(queue).maxNumberOfMessages(10)
                    .waitTimeSeconds(1).messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                    .messages();
            if (received.isEmpty()) {
                break;
            }
            invocations++;
            List<String> failed = failures(handler.handleRequest(sqs(received.stream()
                    .map(m -> new QueuedMessage(m.messageId(), m.body())).toArray(QueuedMessage[]::new)), null));
            for (Message m : received) {
                if (failed.contains(m.messageId())) {
                    backend().sqs().changeMessageVisibility(r -> r.queueUrl(queue).receiptHandle(m.receiptHandle())
                            .visibilityTimeout(0));
                } else {
                    backend().sqs().deleteMessage(r -> r.queueUrl(queue).receiptHandle(m.receiptHandle()));
                }
            }
        }

        assertThat(invocations).as("maxReceiveCount of the template").isEqualTo(5);
        List<Message> dead = backend().sqs().receiveMessage(r -> r.queueUrl(deadLetters).waitTimeSeconds(5)).messages();
        assertThat(dead).singleElement().satisfies(m -> assertThat(m.body()).isEqualTo(body));
        backend().sqs().deleteMessage(r -> r.queueUrl(deadLetters).receiptHandle(dead.get(0).receiptHandle()));
    }

    // -------------------------------------------------------------------------------------------------- helpers

    static QueuedMessage msg(String body) {
        return SqsMessages.message(body);
    }

    static QueuedMessage msg(InvoiceJob job) {
        return msg(job.toJson());
    }

    /** An SQS event as Lambda delivers it, from the recorded template, with these messages. */
    static SQSEvent sqs(QueuedMessage... messages) {
        return SqsMessages.event("events/sqs-invoice-job.json", messages);
    }

    static List<String> failures(SQSBatchResponse response) {
        return SqsMessages.failures(response);
    }

    static String usageEvent(String id, String account, String meter, String quantity, long timestamp) {
        return "{\"id\":\"" + id + "\",\"account\":\"" + account + "\",\"meter\":\"" + meter + "\",\"quantity\":"
                + quantity + ",\"timestamp\":" + timestamp + "}";
    }

    static InvoiceJob februaryJob(String account) {
        return new InvoiceJob("sub_" + account, account, FEB, MAR);
    }

    private String customer() {
        return customer("team");
    }

    /** A new account with a subscription since January whose billing cursor is on February. */
    private String customer(String plan) {
        String account = TallyFixtures.uniqueId("org");
        TallyFixtures.seedCustomer(tables, account, plan, ANCHOR, FEB);
        return account;
    }

    /** The usage of the comment at the top of the class. */
    private void seedFebruaryUsage(String account) {
        seed(account, FEB, BUILD, "2000", 40);
        seed(account, FEB, PULLS, "20000", 200);
        seed(account, FEB, STORAGE, "2500.5", 672);
    }

    /** Writes a bucket in the hour after {@code periodStart}, as usage-buckets would from {@code events} events. */
    private void seed(String account, long periodStart, String meter, String quantity, long events) {
        seed(account, periodStart, meter, quantity, events, Map.of());
    }

    /** The same, for events with these dimension values. */
    private void seed(String account, long periodStart, String meter, String quantity, long events, Map<String, String> dimensions) {
        UsageBucket bucket = new UsageBucket(new BucketKey(account, meter, periodStart + 3_600, dimensions),
                new MeterValue(new BigDecimal(quantity), events, null, null, null, null, java.util.Set.of()));
        String marker = String.format("%040d", SEEDS.incrementAndGet());
        assertThat(tables.usageStore(clock).addOnce(marker, marker, List.of(bucket))).isTrue();
    }

    /** Prepaid credits bought in Checkout, as the Stripe webhook grants them. */
    private void grant(String account, long amountMinor) {
        List<TransactWriteItem> items = new CreditLedger(tables).grantItems(account, "usd", amountMinor,
                "cs_test_" + account, "Prepaid credits", FEB + 86_400);
        backend().dynamoDb().transactWriteItems(r -> r.transactItems(items));
    }

    private InvoiceService service(DynamoDbClient client) {
        TallyTables t = new TallyTables(client, Env.of(env));
        return new InvoiceService(t, new UsageQuery(t.usageStore(clock), catalog), catalog, clock,
                UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS);
    }

    private InvoiceItem invoice(String account, long periodStart) {
        InvoiceItem invoice = tables.invoices.getItem(r -> r.consistentRead(true)
                .key(k -> k.partitionValue(InvoiceItem.invoiceId(account, periodStart))));
        assertThat(invoice).as("invoice of %s for %d", account, periodStart).isNotNull();
        return invoice;
    }

    private List<InvoiceItem> invoicesOf(String account) {
        return tables.invoices.index(Indexes.BY_ACCOUNT)
                .query(QueryConditional.keyEqualTo(Key.builder().partitionValue(account).build()))
                .stream().flatMap(p -> p.items().stream()).toList();
    }

    private SubscriptionItem subscription(String account) {
        return tables.subscriptions.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue("sub_" + account)));
    }

    private UsageRejectionItem rejection(String messageId) {
        return tables.usageRejections.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(messageId + "#0")));
    }

    private List<CreditEntryItem> credits(String account) {
        return tables.credits.query(r -> r.consistentRead(true)
                        .queryConditional(QueryConditional.keyEqualTo(Key.builder().partitionValue(account).build())))
                .items().stream().toList();
    }

    private CreditEntryItem balance(String account) {
        return entry(account, CreditEntryItem.BALANCE_PREFIX + "usd");
    }

    private CreditEntryItem entry(String account, String entryKey) {
        CreditEntryItem entry = tables.credits.getItem(r -> r.consistentRead(true)
                .key(k -> k.partitionValue(account).sortValue(entryKey)));
        assertThat(entry).as("%s of %s", entryKey, account).isNotNull();
        return entry;
    }

    private List<CreditEntryItem> drawdowns(String account) {
        return credits(account).stream()
                .filter(e -> e.entryKey.startsWith(CreditEntryItem.LEDGER_PREFIX + "drawdown:")).toList();
    }

    private long ledgerSum(String account) {
        return credits(account).stream().filter(e -> e.entryKey.startsWith(CreditEntryItem.LEDGER_PREFIX))
                .mapToLong(e -> e.amountMinor).sum();
    }

    private static long epoch(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }
}
