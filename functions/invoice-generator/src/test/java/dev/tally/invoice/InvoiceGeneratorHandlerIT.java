package dev.tally.invoice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditStore;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.LedgerEntry;
import dev.tally.store.Indexes;
import dev.tally.store.PhaseItem;
import dev.tally.subscription.Phase;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.store.UsageRejectionItem;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.RecordingMetrics;
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
import java.util.Optional;
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
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * {@link InvoiceGeneratorHandler}, built with its real constructor from the template's environment, against
 * DynamoDB on an {@link AwsBackend}: one finalized invoice per subscription-period whatever SQS and crashes do to the
 * job, amounts as the catalog prices them (base fees in advance and in arrears, proration over phases, commitments),
 * prepaid credits drawn once from the grants, and usage that arrives after its period was invoiced billed as an
 * adjustment on the next invoice. Every test has its own account, so the tables can be shared.
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
     *                                                                                          usage = 2300
     * and the team plan's base fee, 2500 a month in advance: its first invoice bills February (not billed in advance,
     * since Tally had no invoice before) and March in advance                                            5000
     *                                                                                       subtotal = 7300
     */
    static final long BUILD_AMOUNT = 750;
    static final long PULLS_AMOUNT = 1250;
    static final long STORAGE_AMOUNT = 300;
    static final long FEE = 2500;
    static final long USAGE = 2300;
    static final long SUBTOTAL = USAGE + 2 * FEE;
    static final String TEAM_FEE = "team_base_fee_v1";

    private final MutableClock clock = MutableClock.at(NOW);
    private final RecordingMetrics metrics = new RecordingMetrics();
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
        handler = new InvoiceGeneratorHandler(env, clock, metrics);
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
    void invoicesAnEndedPeriodWithALinePerPriceAndItsBaseFeesAndAdvancesTheCursor() {
        String account = customer();
        seedFebruaryUsage(account);
        long finalized = metrics.total(MetricNames.INVOICES_FINALIZED, Map.of("currency", "usd"));
        long billed = metrics.total(MetricNames.AMOUNT_BILLED, Map.of("currency", "usd"));

        SQSBatchResponse response = handler.handleRequest(sqs(msg(februaryJob(account))), null);
        handler.handleRequest(sqs(msg(februaryJob(account))), null);   // a redelivery: counted once

        assertThat(failures(response)).isEmpty();
        assertThat(metrics.total(MetricNames.INVOICES_FINALIZED, Map.of("currency", "usd")) - finalized).isEqualTo(1);
        assertThat(metrics.total(MetricNames.AMOUNT_BILLED, Map.of("currency", "usd")) - billed).isEqualTo(SUBTOTAL);
        Invoice invoice = invoice(account, FEB);
        assertThat(invoice.invoiceId()).isEqualTo("tin_sub_" + account + "_" + FEB);
        assertThat(invoice.status()).isEqualTo(InvoiceStatus.OPEN);
        assertThat(invoice.accountId()).isEqualTo(account);
        assertThat(invoice.payerAccountId()).isEqualTo(account);
        assertThat(invoice.subscriptionId()).isEqualTo("sub_" + account);
        assertThat(invoice.currency()).isEqualTo("usd");
        assertThat(invoice.periodStart()).isEqualTo(FEB);
        assertThat(invoice.periodEnd()).isEqualTo(MAR);
        assertThat(invoice.catalogVersion()).isEqualTo(catalog.version());
        assertThat(invoice.createdAt()).isEqualTo(NOW.getEpochSecond());
        assertThat(invoice.finalizedAt()).isEqualTo(NOW.getEpochSecond());
        assertThat(invoice.lines()).extracting(InvoiceLine::lineId).containsExactly(
                "usage:team_build_minutes_v1:" + FEB, "usage:team_image_pulls_v1:" + FEB, "usage:team_storage_v1:" + FEB,
                "base_fee:" + TEAM_FEE + ":" + FEB, "base_fee_advance:" + TEAM_FEE + ":" + MAR);
        assertThat(invoice.lines()).extracting(InvoiceLine::type).containsExactly(
                LineType.USAGE, LineType.USAGE, LineType.USAGE, LineType.BASE_FEE, LineType.BASE_FEE);
        assertThat(invoice.lines()).extracting(InvoiceLine::amountMinor)
                .containsExactly(BUILD_AMOUNT, PULLS_AMOUNT, STORAGE_AMOUNT, FEE, FEE);
        InvoiceLine build = invoice.lines().get(0);
        assertThat(build.priceId()).isEqualTo("team_build_minutes_v1");
        assertThat(build.meter()).isEqualTo(BUILD);
        assertThat(build.quantity()).isEqualByComparingTo("2000");
        assertThat(build.includedQuantity()).isEqualByComparingTo("1500");
        assertThat(build.billableQuantity()).isEqualByComparingTo("500");
        assertThat(build.trace().eventCount()).isEqualTo(40L);
        assertThat(build.trace().seriesKey()).isEqualTo(account + "#" + BUILD);
        assertThat(List.of(build.periodStart(), build.periodEnd())).containsExactly(FEB, MAR);
        assertThat(build.description()).isEqualTo("Build minutes: 2000 minutes (1500 included)");
        InvoiceLine storage = invoice.lines().get(2);
        assertThat(storage.quantity()).isEqualByComparingTo("2500.5");
        assertThat(storage.billableQuantity()).as("packages of 1000").isEqualByComparingTo("3");
        InvoiceLine advance = invoice.lines().get(4);
        assertThat(List.of(advance.periodStart(), advance.periodEnd())).as("next period, in advance").containsExactly(MAR, APR);
        assertThat(advance.description()).isEqualTo("Team base fee, in advance for 2026-03-01T00:00:00Z to 2026-04-01T00:00:00Z");
        assertThat(invoice.subtotalMinor()).isEqualTo(invoice.lines().stream().mapToLong(InvoiceLine::amountMinor).sum())
                .isEqualTo(SUBTOTAL);
        assertThat(invoice.creditsAppliedMinor()).isZero();
        assertThat(invoice.totalMinor()).isEqualTo(SUBTOTAL);

        SubscriptionItem sub = subscription(account);
        assertThat(sub.periodStart).isEqualTo(MAR);
        assertThat(sub.periodEnd).isEqualTo(APR);
        assertThat(sub.version).isEqualTo(2L);
        assertThat(sub.billingState).isEqualTo(SubscriptionItem.activeState(sub.subscriptionId));
        assertThat(invoicesOf(account)).hasSize(1);
        assertThat(credits(account)).isEmpty();
    }

    @Test
    void theNextInvoiceBillsOnlyTheFollowingPeriodInAdvanceWhenNothingChanged() {
        String account = customer();
        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();
        clock.set(Instant.ofEpochSecond(APR + 7_200));

        assertThat(failures(handler.handleRequest(sqs(msg(new InvoiceJob("sub_" + account, account, MAR, APR))), null))).isEmpty();

        Invoice march = invoice(account, MAR);
        assertThat(march.lines()).filteredOn(l -> l.type() == LineType.BASE_FEE).extracting(InvoiceLine::lineId, InvoiceLine::amountMinor)
                .containsExactly(tuple("base_fee_advance:" + TEAM_FEE + ":" + APR, FEE));
        assertThat(march.subtotalMinor()).isEqualTo(FEE);
    }

    @Test
    void aSubscriptionSetToCancelAtPeriodEndIsNotBilledInAdvanceForAPeriodItWillNotHave() {
        String account = customer();
        SubscriptionItem sub = subscription(account);
        sub.cancelAt = MAR;   // Stripe's cancel_at_period_end: it ends when February does
        tables.subscriptions.putItem(sub);

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        assertThat(invoice(account, FEB).lines()).filteredOn(l -> l.type() == LineType.BASE_FEE)
                .extracting(InvoiceLine::lineId, InvoiceLine::amountMinor).containsExactly(tuple("base_fee:" + TEAM_FEE + ":" + FEB, FEE));
    }

    @Test
    void aPlanChangeMidPeriodPricesEachPhaseForItsSecondsWithCommitmentAndIncludedQuantitiesProrated() {
        String account = TallyFixtures.uniqueId("org");
        long feb15 = epoch("2026-02-15T00:00:00Z");
        SubscriptionItem sub = TallyFixtures.seedCustomer(tables, account, "team", ANCHOR, FEB);
        sub.phases = PhaseItem.fromDomain(List.of(new Phase("team", 1, ANCHOR, feb15), new Phase("business", 1, feb15, null)));
        sub.planId = "business";
        tables.subscriptions.putItem(sub);
        seedFebruaryUsage(account);   // all in February's first hour: the team phase

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        /*
         * February has 28 days; each phase has 14, so every share is exactly one half.
         *   team: build 2000 - 750 included = 1250 x 1.5                                             = 1875
         *         pulls 20000 - 2500 included = 17500: 10000 x 0.1 + 7500 x 0.05                    = 1375
         *         storage 2500.5 -> 3 packages x 100                                                 =  300
         *   business: base fee 9900 in arrears x 1/2                                                 = 4950
         *         usage none, so the commitment's half, 50000 / 2, is trued up                       = 25000
         *   team base fee in advance for February, never billed before, for its half: 2500 / 2      = 1250
         *   nothing in advance for March: Business bills its fee in arrears
         */
        Invoice invoice = invoice(account, FEB);
        assertThat(invoice.lines()).extracting(InvoiceLine::lineId, InvoiceLine::amountMinor).containsExactly(
                tuple("usage:team_build_minutes_v1:" + FEB, 1875L),
                tuple("usage:team_image_pulls_v1:" + FEB, 1375L),
                tuple("usage:team_storage_v1:" + FEB, 300L),
                tuple("base_fee:business_base_fee_v1:" + feb15, 4950L),
                tuple("usage:business_build_minutes_v1:" + feb15, 0L),
                tuple("usage:business_image_pulls_v1:" + feb15, 0L),
                tuple("usage:business_image_pulls_eu_v1:" + feb15, 0L),
                tuple("usage:business_storage_v1:" + feb15, 0L),
                tuple("minimum_true_up:business_minimum_commitment_v1:" + feb15, 25_000L),
                tuple("base_fee:" + TEAM_FEE + ":" + FEB, 1250L));
        InvoiceLine build = invoice.lines().get(0);
        assertThat(build.includedQuantity()).isEqualByComparingTo("750");
        assertThat(List.of(build.periodStart(), build.periodEnd())).containsExactly(FEB, feb15);
        assertThat(invoice.lines().get(8).type()).isEqualTo(LineType.MINIMUM_TRUE_UP);
        assertThat(invoice.lines().get(9).description()).isEqualTo(
                "Team base fee (2026-02-01T00:00:00Z to 2026-02-15T00:00:00Z, prorated 50%)");
        assertThat(invoice.totalMinor()).isEqualTo(1875 + 1375 + 300 + 4950 + 25_000 + 1250);
    }

    @Test
    void twoSubscriptionsOfOneAccountGetAnInvoiceEachAndUsageIsBilledOnceByTheEarlierStarted() {
        String account = customer();
        long started = epoch("2026-02-11T00:00:00Z");
        SubscriptionItem second = TallyFixtures.subscription("sub_" + account + "_b", account, "team", ANCHOR, FEB);
        second.createdAt = started;
        second.phases = PhaseItem.fromDomain(List.of(new Phase("team", 1, started, null)));
        tables.subscriptions.putItem(second);
        seedFebruaryUsage(account);
        seed(account, started + 86_400 - 3_600, BUILD, "300", 6);   // while both subscriptions run

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account)),
                msg(new InvoiceJob(second.subscriptionId, account, FEB, MAR))), null))).isEmpty();

        assertThat(invoicesOf(account)).extracting(Invoice::invoiceId).containsExactlyInAnyOrder(
                "tin_sub_" + account + "_" + FEB, "tin_sub_" + account + "_b_" + FEB);
        assertThat(invoice(account, FEB).lines().get(0).quantity()).as("the first subscription bills all").isEqualByComparingTo("2300");
        Invoice other = store().find(Invoice.idFor(second.subscriptionId, FEB)).orElseThrow();
        assertThat(other.lines()).filteredOn(l -> l.type() == LineType.USAGE).allSatisfy(l -> {
            assertThat(l.quantity()).isEqualByComparingTo("0");
            assertThat(l.description()).endsWith("(other usage in this time billed on sub_" + account + ")");
        });
        // its own fee: 18 of February's 28 days (2500 x 18 / 28 = 1607.14), then March in advance
        assertThat(other.lines()).filteredOn(l -> l.type() == LineType.BASE_FEE).extracting(InvoiceLine::amountMinor)
                .containsExactly(1607L, FEE);
    }

    @Test
    void aRatingFailureLeavesAVisibleDraftAndBlocksNeitherTheOtherJobsNorTheSubscription() {
        String broken = customer();
        String fine = customer();
        // 10^30 minutes: the amount does not fit a long of minor units (a bucket corrupted, or a meter without a maximum)
        seed(broken, FEB, BUILD, "1000000000000000000000000000000", 1);
        seedFebruaryUsage(fine);

        SQSBatchResponse response = handler.handleRequest(sqs(msg(februaryJob(broken)), msg(februaryJob(fine))), null);

        assertThat(failures(response)).as("a deterministic failure is not retried").isEmpty();
        Invoice draft = invoice(broken, FEB);
        assertThat(draft.status()).isEqualTo(InvoiceStatus.DRAFT);
        assertThat(draft.failureReason()).startsWith("ArithmeticException");
        assertThat(store().failedDrafts(100)).extracting(Invoice::invoiceId).contains(draft.invoiceId());
        assertThat(subscription(broken).periodStart).as("the next period is not held back").isEqualTo(MAR);
        assertThat(invoice(fine, FEB).totalMinor()).isEqualTo(SUBTOTAL);
    }

    @Test
    void anInvoiceWithHundredsOfLinesIsStoredAndReadWhole() {
        String account = customer();
        InvoiceStore store = store();
        Invoice header = draftHeader(account);
        long attempt = store.beginDraft(header).orElseThrow();
        List<InvoiceLine> lines = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            lines.add(new InvoiceLine("usage:p" + i + ":" + FEB, LineType.USAGE, "p" + i, BUILD, FEB, MAR, BigDecimal.valueOf(i),
                    BigDecimal.ZERO, BigDecimal.valueOf(i), i, "line " + i, null, null));
        }
        store.writeLines(header.invoiceId(), attempt, lines);
        long subtotal = lines.stream().mapToLong(InvoiceLine::amountMinor).sum();
        Invoice open = new Invoice(header.invoiceId(), account, account, header.subscriptionId(), FEB, MAR, "usd",
                InvoiceStatus.OPEN, lines, subtotal, 0, subtotal, catalog.version(), NOW.getEpochSecond(), NOW.getEpochSecond(), null);

        assertThat(store.finalizeDraft(open, attempt, dev.tally.credit.Drawdown.none(account, "usd", header.invoiceId())))
                .isEqualTo(InvoiceStore.FinalizeOutcome.FINALIZED);

        Invoice read = store.find(header.invoiceId()).orElseThrow();
        assertThat(read.lines()).hasSize(300).extracting(InvoiceLine::lineId).containsExactlyElementsOf(
                lines.stream().map(InvoiceLine::lineId).toList());
        assertThat(read.subtotalMinor()).isEqualTo(44_850L);
        assertThat(store.beginDraft(header)).as("a finalized invoice never opens again").isEmpty();
    }

    @Test
    void aSecondAttemptSupersedesTheFirstAndOnlyTheFinalizedAttemptsLinesAreTheInvoices() {
        String account = customer();
        InvoiceStore store = store();
        Invoice header = draftHeader(account);
        long first = store.beginDraft(header).orElseThrow();
        store.writeLines(header.invoiceId(), first, List.of(line("usage:a", 100), line("usage:stale", 5)));
        long second = store.beginDraft(header).orElseThrow();   // a redelivered job started while the first ran
        store.writeLines(header.invoiceId(), second, List.of(line("usage:a", 120)));

        Invoice fromFirst = open(header, List.of(line("usage:a", 100), line("usage:stale", 5)));
        assertThat(store.finalizeDraft(fromFirst, first, dev.tally.credit.Drawdown.none(account, "usd", header.invoiceId())))
                .isEqualTo(InvoiceStore.FinalizeOutcome.SUPERSEDED);
        Invoice fromSecond = open(header, List.of(line("usage:a", 120)));
        assertThat(store.finalizeDraft(fromSecond, second, dev.tally.credit.Drawdown.none(account, "usd", header.invoiceId())))
                .isEqualTo(InvoiceStore.FinalizeOutcome.FINALIZED);

        assertThat(store.find(header.invoiceId()).orElseThrow().lines()).extracting(InvoiceLine::lineId, InvoiceLine::amountMinor)
                .containsExactly(tuple("usage:a", 120L));
    }

    @Test
    void everyPriceOfThePlanGetsALineAndUnpricedUsageShowsAtZero() {
        String account = customer("pro_jpy");
        seed(account, FEB, BUILD, "1000", 3);
        seed(account, FEB, PULLS, "77", 2);

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        // pro_jpy prices build_minutes only: 1000 - 400 included = 600 x 2.5 yen = 1500 yen; pulls are not priced
        Invoice invoice = invoice(account, FEB);
        assertThat(invoice.currency()).isEqualTo("jpy");
        assertThat(invoice.lines()).extracting(l -> l.meter()).containsExactly(BUILD, PULLS);
        assertThat(invoice.lines()).extracting(l -> l.amountMinor()).containsExactly(1500L, 0L);
        assertThat(invoice.lines().get(1).quantity()).isEqualByComparingTo("77");
        assertThat(invoice.lines().get(1).trace().eventCount()).isEqualTo(2L);
        assertThat(invoice.lines().get(1).priceId()).isNull();
        assertThat(invoice.lines().get(1).description()).isEqualTo("Image pulls: 77 pulls (not priced on Pro (JPY))");
        assertThat(invoice.totalMinor()).isEqualTo(1500L);
    }

    @Test
    void aPeriodWithoutUsageIsInvoicedWithZeroUsageLinesAndItsFees() {
        String account = customer();

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        Invoice invoice = invoice(account, FEB);
        assertThat(invoice.lines()).filteredOn(l -> l.type() == LineType.USAGE).extracting(l -> l.meter())
                .containsExactly(BUILD, PULLS, STORAGE);
        assertThat(invoice.lines()).filteredOn(l -> l.type() == LineType.USAGE).allSatisfy(l -> {
            assertThat(l.quantity()).isEqualByComparingTo(BigDecimal.ZERO);
            assertThat(l.amountMinor()).isZero();
        });
        assertThat(invoice.totalMinor()).isEqualTo(2 * FEE);
        assertThat(subscription(account).periodStart).isEqualTo(MAR);
    }

    // ------------------------------------------------------------------------------------------------ credits

    @Test
    void creditsSmallerThanTheSubtotalAreAllApplied() {
        String account = customer();
        seedFebruaryUsage(account);
        grant(account, 1_000);

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        Invoice invoice = invoice(account, FEB);
        assertThat(invoice.creditsAppliedMinor()).isEqualTo(1_000L);
        assertThat(invoice.totalMinor()).isEqualTo(SUBTOTAL - 1_000); // 6300
        assertThat(invoice.lines()).filteredOn(l -> l.type() == LineType.CREDIT)
                .extracting(InvoiceLine::lineId, InvoiceLine::amountMinor).containsExactly(tuple("credit:" + grantId(account), -1_000L));
        assertThat(remaining(account)).isZero();
        LedgerEntry drawdown = entry(account, grantId(account) + ":drawdown:" + invoice.invoiceId());
        assertThat(drawdown.amountMinor()).isEqualTo(-1_000L);
        assertThat(drawdown.invoiceId()).isEqualTo(invoice.invoiceId());
        assertThat(drawdown.currency()).isEqualTo("usd");
        assertThat(drawdown.remainingAfterMinor()).isZero();
        assertThat(drawdown.at()).isEqualTo(NOW.getEpochSecond());
        assertThat(ledgerSum(account)).isEqualTo(remaining(account));
    }

    @Test
    void creditsLargerThanTheSubtotalPayItAllAndTheRestRemains() {
        String account = customer();
        seedFebruaryUsage(account);
        grant(account, 10_000);

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        Invoice invoice = invoice(account, FEB);
        assertThat(invoice.creditsAppliedMinor()).isEqualTo(SUBTOTAL);
        assertThat(invoice.totalMinor()).isZero();
        assertThat(remaining(account)).isEqualTo(10_000 - SUBTOTAL); // 2700
        assertThat(entry(account, grantId(account) + ":drawdown:" + invoice.invoiceId()).amountMinor())
                .isEqualTo(-SUBTOTAL);
        assertThat(ledgerSum(account)).isEqualTo(2_700L).isEqualTo(remaining(account));
    }

    @Test
    void creditsAreDrawnGrantByGrantInPriorityThenExpiryOrderAndAnExpiredGrantIsNotDrawnBeforeItsExpiryIsRecorded() {
        String account = customer();
        seedFebruaryUsage(account);
        long now = NOW.getEpochSecond();
        TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_bought", account, "usd", 10_000, 50, FEB, null));
        TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_promo", account, "usd", 800, 50, FEB, APR));
        TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_goodwill", account, "usd", 300, 10, FEB, null));
        // expired an hour ago; the billing run has not written its expiry entry yet: still not drawn
        TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_lapsed", account, "usd", 9_000, 0, FEB, now - 3_600));
        TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_yen", account, "jpy", 9_000, 0, FEB, null));

        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();

        Invoice invoice = invoice(account, FEB);
        assertThat(invoice.creditsAppliedMinor()).isEqualTo(SUBTOTAL);
        assertThat(invoice.totalMinor()).isZero();
        // priority 10 first, then the grant that expires (April) before the one that never does
        assertThat(drawdowns(account)).extracting(LedgerEntry::grantId, LedgerEntry::amountMinor, LedgerEntry::remainingAfterMinor)
                .containsExactlyInAnyOrder(tuple("cg_goodwill", -300L, 0L), tuple("cg_promo", -800L, 0L),
                        tuple("cg_bought", -6_200L, 3_800L));
        assertThat(remainingByGrant(account)).containsExactlyInAnyOrderEntriesOf(Map.of("cg_bought", 3_800L, "cg_promo", 0L,
                "cg_goodwill", 0L, "cg_lapsed", 9_000L, "cg_yen", 9_000L));
        assertThat(ledgerSum(account)).isEqualTo(remaining(account));
    }

    @Test
    void aGrantThatChangedBetweenPlanAndCommitMakesTheInvoicePlanAgain() {
        String account = customer();
        seedFebruaryUsage(account);
        CreditGrant bought = TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_bought", account, "usd", 1_000, 50, FEB, null));
        // Between this invoice's plan (1000 left) and its commit, another invoice of the account draws 400: DynamoDB
        // cancels the commit on the grant's condition, as it would.
        DynamoDbFault race = DynamoDbFault.on("TransactWriteItems").onTable(tables.invoices.tableName()).throwing(message -> {
            assertThat(tables.creditStore().commit(List.of(LedgerEntry.drawdown(bought, 1_000, 400, "tin_other", NOW.getEpochSecond()))))
                    .isEqualTo(CreditStore.Outcome.APPLIED);
            return TransactionCanceledException.builder().message(message).cancellationReasons(
                    CancellationReason.builder().code("None").build(), CancellationReason.builder().code("None").build(),
                    CancellationReason.builder().code("ConditionalCheckFailed").build()).build();
        });

        Optional<Invoice> written = service(FaultInjectingDynamoDb.wrap(backend().dynamoDb(), race)).invoice(februaryJob(account));

        assertThat(race.fired()).isEqualTo(1);
        assertThat(written).get().satisfies(i -> {
            assertThat(i.creditsAppliedMinor()).as("what was left after the other invoice").isEqualTo(600L);
            assertThat(i.totalMinor()).isEqualTo(SUBTOTAL - 600);
        });
        assertThat(credits(account)).extracting(LedgerEntry::entryId, LedgerEntry::amountMinor).containsExactlyInAnyOrder(
                tuple("cg_bought:grant", 1_000L), tuple("cg_bought:drawdown:tin_other", -400L),
                tuple("cg_bought:drawdown:" + Invoice.idFor("sub_" + account, FEB), -600L));
        assertThat(remaining(account)).isZero();
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
            assertThat(i.totalMinor()).isEqualTo(SUBTOTAL - 1_000);
            assertThat(i.createdAt()).isEqualTo(NOW.getEpochSecond());
        });
        assertThat(drawdowns(account)).hasSize(1);
        assertThat(remaining(account)).isZero();
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
            assertThat(i.subtotalMinor()).isEqualTo(SUBTOTAL);
            assertThat(i.creditsAppliedMinor()).isEqualTo(1_000L);
        });
        assertThat(drawdowns(account)).hasSize(1);
        assertThat(remaining(account)).isZero();
        assertThat(subscription(account).periodStart).isEqualTo(MAR);
        assertThat(subscription(account).version).isEqualTo(2L);
    }

    @Test
    void aCrashThatHidTheCommittedInvoiceFromTheCallerDoesNotDrawCreditsTwice() {
        String account = customer();
        seedFebruaryUsage(account);
        grant(account, 10_000);
        InvoiceJob job = februaryJob(account);
        DynamoDbFault crash = DynamoDbFault.on("TransactWriteItems").onTable(tables.invoices.tableName()).afterCall();
        InvoiceService crashing = service(FaultInjectingDynamoDb.wrap(backend().dynamoDb(), crash));

        assertThatThrownBy(() -> crashing.invoice(job)).hasMessageStartingWith(DynamoDbFault.MESSAGE);

        assertThat(crash.fired()).isEqualTo(1);
        assertThat(invoicesOf(account)).hasSize(1);
        assertThat(remaining(account)).isEqualTo(2_700L);
        assertThat(subscription(account).periodStart).isEqualTo(FEB);

        clock.set(NOW.plusSeconds(60));
        assertThat(failures(handler.handleRequest(sqs(msg(job.toJson())), null))).isEmpty();

        assertThat(invoicesOf(account)).singleElement().satisfies(i -> {
            assertThat(i.creditsAppliedMinor()).isEqualTo(SUBTOTAL);
            assertThat(i.createdAt()).isEqualTo(NOW.getEpochSecond());
        });
        assertThat(drawdowns(account)).hasSize(1);
        assertThat(remaining(account)).isEqualTo(2_700L);
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
        assertThat(invoicesOf(first)).singleElement().satisfies(i -> assertThat(i.status()).isEqualTo(InvoiceStatus.DRAFT));
        assertThat(subscription(first).periodStart).isEqualTo(FEB);
        assertThat(invoicesOf(second)).singleElement().satisfies(i -> assertThat(i.status()).isEqualTo(InvoiceStatus.OPEN));

        assertThat(failures(handler.handleRequest(sqs(one), null))).isEmpty();
        assertThat(invoicesOf(first)).singleElement().satisfies(i -> {
            assertThat(i.status()).isEqualTo(InvoiceStatus.OPEN);
            assertThat(i.totalMinor()).isEqualTo(SUBTOTAL);
        });
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

        assertThat(invoicesOf(account)).extracting(i -> i.periodStart()).containsExactly(FEB, MAR);
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
        assertThat(invoice(account, FEB).lines().get(0).amountMinor()).isEqualTo(150L);

        // A February event arrives after February was invoiced (inside the backdating window), and March usage.
        assertThat(pipeline.send(SqsMessages.message(usageEvent(TallyFixtures.uniqueId("evt"), account, BUILD, "500", MAR - 60)),
                SqsMessages.message(usageEvent(TallyFixtures.uniqueId("evt"), account, BUILD, "7", MAR + 60)))).isEmpty();
        clock.set(Instant.ofEpochSecond(APR + 7_200));
        assertThat(failures(handler.handleRequest(sqs(msg(new InvoiceJob("sub_" + account, account, MAR, APR).toJson())), null))).isEmpty();

        Invoice march = invoice(account, MAR);
        InvoiceLine adjustment = march.lines().stream().filter(l -> l.type() == LineType.ADJUSTMENT).findFirst().orElseThrow();
        assertThat(adjustment.lineId()).isEqualTo("adjustment:" + Invoice.idFor("sub_" + account, FEB)
                + ":usage:team_build_minutes_v1:" + FEB);
        assertThat(adjustment.priceId()).isEqualTo("team_build_minutes_v1");
        assertThat(adjustment.adjustsInvoiceId()).isEqualTo(Invoice.idFor("sub_" + account, FEB));
        assertThat(adjustment.periodStart()).isEqualTo(FEB);
        assertThat(adjustment.periodEnd()).isEqualTo(MAR);
        assertThat(adjustment.quantity()).isEqualByComparingTo("500");
        assertThat(adjustment.trace().eventCount()).isEqualTo(1L);
        // one invoice with 2100 minutes would say (2100 - 1500) x 1.5 = 900; February said 150, so 750 more
        assertThat(adjustment.amountMinor()).isEqualTo(750L);
        assertThat(adjustment.description()).startsWith("Usage for 2026-02-01T00:00:00Z to 2026-03-01T00:00:00Z received after invoicing");
        InvoiceLine build = march.lines().get(0);
        assertThat(build.type()).isEqualTo(LineType.USAGE);
        assertThat(build.quantity()).isEqualByComparingTo("7");
        assertThat(march.subtotalMinor()).as("the adjustment and April's fee in advance").isEqualTo(750L + FEE);

        // An invoice job for April sees nothing new for February: no second adjustment.
        clock.set(Instant.ofEpochSecond(epoch("2026-05-01T02:00:00Z")));
        assertThat(failures(handler.handleRequest(sqs(msg(new InvoiceJob("sub_" + account, account, APR,
                epoch("2026-05-01T00:00:00Z")).toJson())), null))).isEmpty();
        assertThat(invoice(account, APR).lines()).noneMatch(l -> l.type() == LineType.ADJUSTMENT);
    }

    @Test
    void aJobForAPeriodThatHasNotEndedOrIsStillInItsGracePeriodIsRefused() {
        String account = customer();
        clock.set(Instant.ofEpochSecond(MAR - 1));
        assertThat(failures(handler.handleRequest(sqs(msg(februaryJob(account))), null))).isEmpty();
        clock.set(Instant.ofEpochSecond(MAR + 3_599));   // the template's grace period is one hour
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

        Invoice invoice = invoice(account, FEB);
        assertThat(invoice.periodStart()).isEqualTo(FEB);
        assertThat(invoice.periodEnd()).isEqualTo(endedAt);
        /*
         * It ran 19 of February's 28 days, so included quantities and the base fee are 19/28 of a month's; nothing in
         * advance for March.
         *   build   2000 - 1500 x 19/28 (1017.857142...) = 982.142857... x 1.5                          = 1473
         *   pulls   20000 - 5000 x 19/28 (3392.857142...) = 16607.142857...: 10000 x 0.1 + 6607.14... x 0.05 = 1330
         *   storage 3 packages x 100                                                                   =  300
         *   base fee 2500 x 19/28 = 1696.43                                                            = 1696
         */
        assertThat(invoice.lines()).extracting(InvoiceLine::lineId, InvoiceLine::amountMinor).containsExactly(
                tuple("usage:team_build_minutes_v1:" + FEB, 1473L), tuple("usage:team_image_pulls_v1:" + FEB, 1330L),
                tuple("usage:team_storage_v1:" + FEB, 300L), tuple("base_fee:" + TEAM_FEE + ":" + FEB, 1696L));
        assertThat(invoice.lines().get(0).description())
                .isEqualTo("Build minutes: 2000 minutes (1017.86 included), 2026-02-01T00:00:00Z to 2026-02-20T00:00:00Z");
        assertThat(invoice.subtotalMinor()).isEqualTo(1473 + 1330 + 300 + 1696);
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
        UsageBucket bucket = new UsageBucket(new BucketKey(account, meter, periodStart + 3_600, Map.of()),
                new MeterValue(new BigDecimal(quantity), events, null, null, null, null, java.util.Set.of()));
        String marker = String.format("%040d", SEEDS.incrementAndGet());
        assertThat(tables.usageStore(clock).addOnce(marker, marker, List.of(bucket))).isTrue();
    }

    /** Prepaid credits bought in Checkout, as the Stripe webhook grants them: no expiry, default priority. */
    private void grant(String account, long amountMinor) {
        TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant(grantId(account), account, "usd", amountMinor, 50,
                FEB + 86_400, null));
    }

    private static String grantId(String account) {
        return "cg_" + account;
    }

    private InvoiceService service(DynamoDbClient client) {
        TallyTables t = new TallyTables(client, Env.of(env));
        return new InvoiceService(t, new DynamoDbInvoiceStore(t), new InvoiceCalculator(catalog, new UsageQuery(t.usageStore(clock), catalog)),
                catalog, clock, 3600, UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS, metrics);
    }

    private InvoiceStore store() {
        return new DynamoDbInvoiceStore(tables);
    }

    private Invoice invoice(String account, long periodStart) {
        return store().find(Invoice.idFor("sub_" + account, periodStart))
                .orElseThrow(() -> new AssertionError("no invoice of " + account + " for " + periodStart));
    }

    private List<Invoice> invoicesOf(String account) {
        return store().ofAccount(account, 0, Long.MAX_VALUE);
    }

    private static InvoiceLine line(String lineId, long amountMinor) {
        return new InvoiceLine(lineId, LineType.USAGE, "p", BUILD, FEB, MAR, BigDecimal.ONE, BigDecimal.ZERO, BigDecimal.ONE,
                amountMinor, lineId, null, null);
    }

    /** The header of the account's February invoice as a draft, not stored. */
    private Invoice draftHeader(String account) {
        return new Invoice(Invoice.idFor("sub_" + account, FEB), account, account, "sub_" + account, FEB, MAR,
                "usd", InvoiceStatus.DRAFT, List.of(), 0, 0, 0, catalog.version(), NOW.getEpochSecond(), null, null);
    }

    private Invoice open(Invoice header, List<InvoiceLine> lines) {
        long subtotal = lines.stream().mapToLong(InvoiceLine::amountMinor).sum();
        return new Invoice(header.invoiceId(), header.accountId(), header.payerAccountId(), header.subscriptionId(),
                header.periodStart(), header.periodEnd(), header.currency(), InvoiceStatus.OPEN, lines, subtotal, 0, subtotal,
                header.catalogVersion(), header.createdAt(), NOW.getEpochSecond(), null);
    }

    private SubscriptionItem subscription(String account) {
        return tables.subscriptions.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue("sub_" + account)));
    }

    private UsageRejectionItem rejection(String messageId) {
        return tables.usageRejections.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(messageId + "#0")));
    }

    private List<LedgerEntry> credits(String account) {
        return tables.creditStore().entries(account);
    }

    /** What is left of the account's grants, as stored on the grants. */
    private long remaining(String account) {
        return tables.creditStore().grants(account).stream().mapToLong(GrantBalance::remainingMinor).sum();
    }

    private Map<String, Long> remainingByGrant(String account) {
        Map<String, Long> out = new java.util.TreeMap<>();
        tables.creditStore().grants(account).forEach(g -> out.put(g.grant().grantId(), g.remainingMinor()));
        return out;
    }

    private LedgerEntry entry(String account, String entryId) {
        return credits(account).stream().filter(e -> e.entryId().equals(entryId)).findFirst()
                .orElseThrow(() -> new AssertionError("no ledger entry " + entryId + " of " + account));
    }

    private List<LedgerEntry> drawdowns(String account) {
        return credits(account).stream().filter(e -> e.type() == LedgerEntry.Type.DRAWDOWN).toList();
    }

    private long ledgerSum(String account) {
        return credits(account).stream().mapToLong(LedgerEntry::amountMinor).sum();
    }

    private static long epoch(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }
}
