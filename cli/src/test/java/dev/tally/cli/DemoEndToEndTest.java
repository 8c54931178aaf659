package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import dev.tally.local.LocalRuntime;
import dev.tally.store.TallyTables;
import dev.tally.usage.DynamoDbUsageStore;
import dev.tally.usage.RecordedEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the demo scenario end to end on the local runtime (free ports) and checks the arithmetic users rely on: every
 * event sent is counted, a duplicate or rejected; every invoice adds up; each line's quantity is exactly the sum of
 * the distinct events counted for it; no account-period is invoiced twice although the billing run fired twice and
 * its jobs were replayed; each Stripe request has its own idempotency key.
 */
class DemoEndToEndTest {
    private static LocalRuntime runtime;
    private static ObjectNode report;
    private static TallyTables tables;
    /** Everything logged while the demo ran (the functions log through SLF4J to stderr here, stdout in Lambda). */
    private static String logs;
    private static String webhookSecret;

    @BeforeAll
    static void runDemo() {
        RuntimeOptions options = CliTestSupport.runtimeOptions();
        webhookSecret = options.webhookSecret;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream err = System.err;
        PrintStream out = System.out;
        PrintStream tee = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setErr(tee);
        System.setOut(tee);
        try {
            runtime = RuntimeFactory.start(options, false);
            report = new DemoScenario(runtime, options.webhookSecret, options.gracePeriodSeconds,
                    new PrintStream(OutputStream.nullOutputStream())).run();
        } finally {
            System.setErr(err);
            System.setOut(out);
            logs = captured.toString(StandardCharsets.UTF_8);
            err.print(logs);
        }
        Env env = Env.of(runtime.functionEnvironment("InvoiceGeneratorFunction"));
        tables = new TallyTables(AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build(), env);
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    /**
     * The demo's Stripe customers have names and emails (DemoScenario's fixtures); no log line of any function may carry
     * them, nor the webhook's signing secret. The capture is checked to hold the functions' lines first, so this
     * cannot pass by capturing nothing.
     */
    @Test
    void noLogLineCarriesTheFixturesPersonalDataOrASecret() {
        assertThat(logs).as("the capture holds the functions' log lines").contains("usage event rejected").contains("finalized");
        for (String personal : List.of("Acme Corp", "Acme (old name)", "Globex", "Initech KK", "Umbrella",
                "@acme.example", "@globex.example", "@initech.example", "@umbrella.example")) {
            assertThat(logs.lines().filter(l -> l.contains(personal)).toList()).as("log lines holding " + personal).isEmpty();
        }
        assertThat(logs).doesNotContain(webhookSecret);
    }

    @Test
    void reportsTheFunctionsMetrics() {
        JsonNode totals = report.path("metrics").path("totals");
        assertThat(totals.path("UsageEventsCounted").asLong()).isEqualTo(report.path("usage").path("counted").asLong());
        assertThat(totals.path("InvoicesFinalized").asLong()).isEqualTo(report.path("invoices").size());
        assertThat(totals.path("UsageEventsRejected").asLong()).isEqualTo(report.path("usage").path("rejected").asLong());
        assertThat(totals.path("BillingRunsCompleted").asLong()).isPositive();
    }

    @Test
    void everyUsageEventSentIsCountedDuplicateOrRejected() {
        JsonNode usage = report.get("usage");
        assertThat(usage.get("sent").asLong())
                .isEqualTo(usage.get("counted").asLong() + usage.get("duplicates").asLong() + usage.get("rejected").asLong());
        assertThat(usage.get("duplicates").asLong()).isPositive();
        assertThat(usage.get("rejected").asLong()).isEqualTo(9);
        assertThat(usage.get("rejections_by_reason").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("UNKNOWN_METER", "UNKNOWN_ACCOUNT", "NEGATIVE_QUANTITY", "TIMESTAMP_IN_FUTURE",
                        "INVALID_FIELD", "TIMESTAMP_TOO_OLD", "QUANTITY_ABOVE_MAXIMUM", "ITEM_TOO_LARGE", "MALFORMED_JSON");
        // the late event after invoicing is billed as an adjustment on the next invoice
        assertThat(usage.get("late_adjusted").asLong()).isEqualTo(1);
    }

    @Test
    void eachInvoiceTotalIsItsLinesLessCreditsApplied() {
        assertThat(report.get("invoices")).hasSize(8);
        for (JsonNode invoice : report.get("invoices")) {
            // Finalized; Umbrella's first one was then paid (Stripe's invoice.paid, after a failed attempt).
            boolean paidByStripe = invoice.get("invoice_id").asText().equals(umbrellaFirstInvoiceId());
            assertThat(invoice.get("status").asText()).isEqualTo(paidByStripe ? "paid" : "open");
            long lines = StreamSupport.stream(invoice.get("lines").spliterator(), false)
                    .filter(l -> !l.get("type").asText().equals("credit")).mapToLong(l -> l.get("amount_minor").asLong()).sum();
            long credits = -StreamSupport.stream(invoice.get("lines").spliterator(), false)
                    .filter(l -> l.get("type").asText().equals("credit")).mapToLong(l -> l.get("amount_minor").asLong()).sum();
            assertThat(invoice.get("subtotal_minor").asLong()).isEqualTo(lines);
            assertThat(invoice.get("credits_applied_minor").asLong()).isEqualTo(credits).isBetween(0L, lines);
            assertThat(invoice.get("total_minor").asLong()).isEqualTo(lines - credits);
            invoice.get("lines").forEach(l -> assertThat(l.get("line_id").asText()).startsWith(l.get("type").asText()));
        }
    }

    @Test
    void eachPeriodsUsageLinePlusItsAdjustmentsIsTheSumOfTheDistinctEventsCountedInIt() {
        List<RecordedEvent> counted = new java.util.ArrayList<>();
        for (var page : tables.client.scanPaginator(r -> r.tableName(tables.usageEventsTable).consistentRead(true))) {
            page.items().forEach(item -> counted.add(DynamoDbUsageStore.eventFromItem(item)));
        }
        Map<String, BigDecimal> billed = new HashMap<>();
        Map<String, Long> billedEvents = new HashMap<>();
        Map<String, long[]> periods = new HashMap<>();
        for (JsonNode invoice : report.get("invoices")) {
            for (JsonNode line : invoice.get("lines")) {
                if (!List.of("usage", "adjustment").contains(line.get("type").asText()) || line.get("meter").isNull()) {
                    continue;   // fees, true-ups and credits price no usage
                }
                String key = invoice.get("account").asText() + "/" + line.get("meter").asText() + "@" + line.get("period_start").asLong();
                billed.merge(key, line.get("quantity").decimalValue(), BigDecimal::add);
                billedEvents.merge(key, line.get("usage_events").asLong(), Long::sum);
                periods.put(key, new long[] {line.get("period_start").asLong(), line.get("period_end").asLong()});
            }
        }
        assertThat(periods).isNotEmpty();
        periods.forEach((key, period) -> {
            String accountMeter = key.substring(0, key.indexOf('@'));
            List<RecordedEvent> in = counted.stream().filter(e -> (e.account() + "/" + e.meter()).equals(accountMeter)
                    && e.timestamp() >= period[0] && e.timestamp() < period[1]).toList();
            assertThat(billed.get(key)).as(key).isEqualByComparingTo(in.stream().map(RecordedEvent::quantity).reduce(BigDecimal.ZERO, BigDecimal::add));
            assertThat(billedEvents.get(key)).as(key).isEqualTo(in.size());
        });
    }

    @Test
    void usageReceivedAfterInvoicingIsAnAdjustmentOnTheNextInvoice() {
        List<JsonNode> acme = StreamSupport.stream(report.get("invoices").spliterator(), false)
                .filter(i -> i.get("account").asText().equals("org_acme")).toList();
        assertThat(acme).hasSize(2);
        JsonNode adjustment = StreamSupport.stream(acme.get(1).get("lines").spliterator(), false)
                .filter(l -> l.get("type").asText().equals("adjustment")).findFirst().orElseThrow();
        assertThat(adjustment.get("adjusts_invoice_id").asText()).isEqualTo(acme.get(0).get("invoice_id").asText());
        assertThat(adjustment.get("quantity").decimalValue()).isEqualByComparingTo(BigDecimal.valueOf(DemoScenario.LATE_AFTER_INVOICING_MINUTES));
        assertThat(adjustment.get("period_start").asLong()).isEqualTo(acme.get(0).get("period_start").asLong());
        // Acme's team plan: 1.5 cents a minute beyond 1500 included, and the first period was already beyond them
        JsonNode firstBuild = StreamSupport.stream(acme.get(0).get("lines").spliterator(), false)
                .filter(l -> l.get("meter").asText().equals("build_minutes")).findFirst().orElseThrow();
        assertThat(firstBuild.get("quantity").decimalValue()).isGreaterThan(new BigDecimal("1500"));
        assertThat(adjustment.get("amount_minor").asLong()).isEqualTo(750L);
    }

    @Test
    void umbrellasUpgradeMidPeriodIsProratedToTheSecondAndItsCommitmentTrueUpFollows() {
        JsonNode umbrella = StreamSupport.stream(report.get("invoices").spliterator(), false)
                .filter(i -> i.get("account").asText().equals("org_umbrella")).findFirst().orElseThrow();
        long start = umbrella.get("period_start").asLong();
        long end = umbrella.get("period_end").asLong();
        long upgrade = start + DemoScenario.UPGRADE_AFTER_DAYS * 86_400L;
        Map<String, JsonNode> byId = new HashMap<>();
        umbrella.get("lines").forEach(l -> byId.put(l.get("line_id").asText(), l));
        BigDecimal businessShare = BigDecimal.valueOf(end - upgrade).divide(BigDecimal.valueOf(end - start), java.math.MathContext.DECIMAL128);
        BigDecimal teamShare = BigDecimal.valueOf(upgrade - start).divide(BigDecimal.valueOf(end - start), java.math.MathContext.DECIMAL128);
        // Team's usage up to the upgrade, Business's from it
        assertThat(byId.get("usage:team_build_minutes_v1:" + start).get("period_end").asLong()).isEqualTo(upgrade);
        assertThat(byId.get("usage:business_build_minutes_v1:" + upgrade).get("period_start").asLong()).isEqualTo(upgrade);
        // Business's base fee in arrears (9900) and Team's in advance (2500, never billed before), each for its share
        assertThat(byId.get("base_fee:business_base_fee_v1:" + upgrade).get("amount_minor").asLong())
                .isEqualTo(round(new BigDecimal("9900").multiply(businessShare)));
        assertThat(byId.get("base_fee:team_base_fee_v1:" + start).get("amount_minor").asLong())
                .isEqualTo(round(new BigDecimal("2500").multiply(teamShare)));
        // Business's commitment (50000 a month) for its share, less what its usage charged
        long businessUsage = StreamSupport.stream(umbrella.get("lines").spliterator(), false)
                .filter(l -> l.get("type").asText().equals("usage") && l.get("price_id").asText().startsWith("business_"))
                .mapToLong(l -> l.get("amount_minor").asLong()).sum();
        JsonNode trueUp = byId.get("minimum_true_up:business_minimum_commitment_v1:" + upgrade);
        assertThat(trueUp.get("type").asText()).isEqualTo("minimum_true_up");
        assertThat(trueUp.get("amount_minor").asLong())
                .isEqualTo(round(new BigDecimal("50000").multiply(businessShare).subtract(BigDecimal.valueOf(businessUsage))));
    }

    private static long round(BigDecimal minor) {
        return minor.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    }

    @Test
    void businessPricesImagePullsInTheEuApartFromTheRest() {
        JsonNode globex = StreamSupport.stream(report.get("invoices").spliterator(), false)
                .filter(i -> i.get("account").asText().equals("org_globex")).findFirst().orElseThrow();
        Map<String, JsonNode> byPrice = new HashMap<>();
        globex.get("lines").forEach(l -> byPrice.put(l.get("price_id").asText(), l));
        JsonNode eu = byPrice.get("business_image_pulls_eu_v1");
        JsonNode rest = byPrice.get("business_image_pulls_v1");
        assertThat(eu.get("line_id").asText()).startsWith("usage:business_image_pulls_eu_v1:");
        List<RecordedEvent> pulls = new java.util.ArrayList<>();
        for (var page : tables.client.scanPaginator(r -> r.tableName(tables.usageEventsTable).consistentRead(true))) {
            page.items().stream().map(DynamoDbUsageStore::eventFromItem)
                    .filter(e -> e.account().equals("org_globex") && e.meter().equals("image_pulls")
                            && e.timestamp() >= eu.get("period_start").asLong() && e.timestamp() < eu.get("period_end").asLong())
                    .forEach(pulls::add);
        }
        BigDecimal inEu = pulls.stream().filter(e -> "eu".equals(e.dimensions().get("region")))
                .map(RecordedEvent::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal elsewhere = pulls.stream().filter(e -> !"eu".equals(e.dimensions().get("region")))
                .map(RecordedEvent::quantity).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(inEu).isPositive();
        assertThat(eu.get("quantity").decimalValue()).isEqualByComparingTo(inEu);
        assertThat(rest.get("quantity").decimalValue()).isEqualByComparingTo(elsewhere);
        // nothing included in the EU: graduated, 0.05 cents a pull up to 100,000 (the demo stays far below)
        assertThat(eu.get("amount_minor").asLong())
                .isEqualTo(inEu.multiply(new BigDecimal("0.05")).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact());
    }

    @Test
    void prepaidCreditsAreDrawnGrantByGrantOnceAndTheLedgerAgrees() {
        JsonNode globex = StreamSupport.stream(report.get("invoices").spliterator(), false)
                .filter(i -> i.get("account").asText().equals("org_globex")).findFirst().orElseThrow();
        long subtotal = globex.get("subtotal_minor").asLong();
        long applied = globex.get("credits_applied_minor").asLong();
        // the purchase (priority 50) first, then the promotional grant (priority 60), up to the subtotal
        assertThat(applied).isEqualTo(Math.min(25_000L + DemoScenario.GLOBEX_PROMO_MINOR, subtotal));
        JsonNode ledger = StreamSupport.stream(report.get("credit_ledger").spliterator(), false)
                .filter(l -> l.get("account").asText().equals("org_globex")).findFirst().orElseThrow();
        assertThat(report.get("credit_ledger")).extracting(l -> l.get("account").asText())
                .containsExactly("org_globex", "org_umbrella");
        JsonNode usd = ledger.get("balances").get(0);
        assertThat(usd.get("currency").asText()).isEqualTo("usd");
        List<JsonNode> grants = StreamSupport.stream(usd.get("grants").spliterator(), false).toList();
        assertThat(grants).extracting(g -> g.get("source").asText()).containsExactly("purchase", "promotional");
        JsonNode bought = grants.get(0);
        JsonNode promo = grants.get(1);
        assertThat(bought.get("grant_id").asText()).isEqualTo("cg_cs_demo_globex_credits");
        assertThat(bought.get("amount_minor").asLong()).isEqualTo(25_000L);
        assertThat(promo.get("grant_id").asText()).isEqualTo(DemoScenario.GLOBEX_PROMO_GRANT);
        assertThat(promo.get("priority").asInt()).isEqualTo(DemoScenario.GLOBEX_PROMO_PRIORITY);
        assertThat(promo.get("expires_at").asLong()).isEqualTo(globex.get("period_end").asLong() + DemoScenario.GLOBEX_PROMO_EXPIRES_AFTER_PERIOD);
        long fromPromo = Math.max(0, applied - 25_000L);
        long promoLeft = DemoScenario.GLOBEX_PROMO_MINOR - fromPromo;
        assertThat(bought.get("remaining_minor").asLong()).isEqualTo(25_000L - Math.min(applied, 25_000L));
        assertThat(promo.get("remaining_minor").asLong()).as("expired by the second billing run").isZero();
        assertThat(promo.get("status").asText()).isEqualTo("expired");
        assertThat(usd.get("available_minor").asLong()).isEqualTo(bought.get("remaining_minor").asLong());

        // Every grant's entries add up to what is left of it; the invoice's drawdown entries to what it applied.
        Map<String, Long> sums = new HashMap<>();
        long drawn = 0;
        for (JsonNode e : ledger.get("entries")) {
            sums.merge(e.get("grant_id").asText(), e.get("amount_minor").asLong(), Long::sum);
            if (e.get("type").asText().equals("drawdown")) {
                assertThat(e.get("invoice_id").asText()).isEqualTo(globex.get("invoice_id").asText());
                drawn -= e.get("amount_minor").asLong();
            }
        }
        assertThat(drawn).isEqualTo(applied);
        for (JsonNode g : grants) {
            assertThat(sums.get(g.get("grant_id").asText())).as(g.get("grant_id").asText()).isEqualTo(g.get("remaining_minor").asLong());
        }
        List<JsonNode> expiries = StreamSupport.stream(ledger.get("entries").spliterator(), false)
                .filter(e -> e.get("type").asText().equals("expiry")).toList();
        List<String> alertIds = StreamSupport.stream(report.get("alerts").spliterator(), false).map(a -> a.get("id").asText()).toList();
        assertThat(alertIds).contains("credit_grant_expiring:org_globex:" + DemoScenario.GLOBEX_PROMO_GRANT);
        if (promoLeft > 0) {
            assertThat(expiries).singleElement().satisfies(e -> {
                assertThat(e.get("amount_minor").asLong()).isEqualTo(-promoLeft);
                assertThat(e.get("at").asLong()).isEqualTo(promo.get("expires_at").asLong());
            });
            assertThat(alertIds).contains("credit_grant_expired:org_globex:" + DemoScenario.GLOBEX_PROMO_GRANT);
        } else {
            assertThat(expiries).isEmpty();
        }
    }

    @Test
    void noAccountPeriodIsInvoicedTwiceAndStripeKeysAreUnique() {
        Set<String> accountPeriods = new HashSet<>();
        for (JsonNode invoice : report.get("invoices")) {
            assertThat(accountPeriods.add(invoice.get("account").asText() + "@" + invoice.get("period_start").asLong())).isTrue();
        }
        List<String> keys = StreamSupport.stream(report.get("stripe_requests").spliterator(), false)
                .map(r -> r.get("idempotency_key").asText()).toList();
        assertThat(keys).isNotEmpty().doesNotHaveDuplicates();
        // One finalize per invoice with a non-zero subtotal; the zero invoice (org_umbrella) is not sent.
        long finalizes = keys.stream().filter(k -> k.endsWith(":finalize")).count();
        long billable = StreamSupport.stream(report.get("invoices").spliterator(), false)
                .filter(i -> i.get("subtotal_minor").asLong() > 0).count();
        // three of the first period's invoices, and the second period's with usage or an adjustment
        assertThat(finalizes).isEqualTo(billable).isGreaterThanOrEqualTo(3);
    }

    @Test
    void webhooksWereVerifiedDeduplicatedAndOrderSafe() {
        JsonNode webhooks = report.get("webhooks");
        assertThat(webhooks.path("200 duplicate").asInt()).isEqualTo(2);
        assertThat(webhooks.path("200 stale").asInt()).isEqualTo(1);
        assertThat(webhooks.path("400 rejected").asInt()).isEqualTo(1);
        assertThat(tables.accounts.getItem(r -> r.key(k -> k.partitionValue("org_acme"))).name).isEqualTo("Acme Corp");
    }

    @Test
    void aRefundedCreditPurchaseIsRevoked() {
        JsonNode umbrella = StreamSupport.stream(report.get("credit_ledger").spliterator(), false)
                .filter(l -> l.get("account").asText().equals("org_umbrella")).findFirst().orElseThrow();
        JsonNode usd = umbrella.get("balances").get(0);
        assertThat(usd.get("available_minor").asLong()).isZero();
        String grantId = "cg_" + DemoScenario.UMBRELLA_REFUNDED_SESSION;
        assertThat(StreamSupport.stream(umbrella.get("entries").spliterator(), false)
                .filter(e -> e.get("grant_id").asText().equals(grantId))
                .map(e -> e.get("type").asText() + " " + e.get("amount_minor").asLong()))
                .containsExactly("grant " + DemoScenario.UMBRELLA_REFUNDED_MINOR, "revocation -" + DemoScenario.UMBRELLA_REFUNDED_MINOR);
    }

    private static String umbrellaFirstInvoiceId() {
        return StreamSupport.stream(report.get("invoices").spliterator(), false)
                .filter(i -> i.get("account").asText().equals("org_umbrella")).findFirst().orElseThrow()
                .get("invoice_id").asText();
    }

    @Test
    void umbrellasFirstInvoiceIsPaidAfterAFailedAttempt() {
        JsonNode invoice = StreamSupport.stream(report.get("invoices").spliterator(), false)
                .filter(i -> i.get("account").asText().equals("org_umbrella")).findFirst().orElseThrow();
        assertThat(invoice.get("status").asText()).isEqualTo("paid");
        assertThat(report.get("payments")).hasSize(1);
        JsonNode payment = report.get("payments").get(0);
        assertThat(payment.get("stripe_invoice_id").asText()).isEqualTo(DemoScenario.UMBRELLA_STRIPE_INVOICE);
        assertThat(payment.get("tally_invoice_id").asText()).isEqualTo(invoice.get("invoice_id").asText());
        assertThat(payment.get("state").asText()).isEqualTo("paid");
        assertThat(payment.get("attempt_count").asLong()).isEqualTo(2);
        assertThat(payment.get("amount_paid_minor").asLong()).isEqualTo(invoice.get("total_minor").asLong());
        // Paid after the dunning walk: Business enters restricted 14 days after the failure; the clock went one hour past
        // (and runs on while the billing run is processed: a few seconds).
        assertThat(payment.get("paid_at").asLong() - payment.get("last_failure_at").asLong())
                .isBetween(14 * 86_400L + 3_600, 14 * 86_400L + 3_600 + 120);
        assertThat(payment.get("next_payment_attempt_at").isNull()).isTrue();
    }

    @Test
    void umbrellaWalksIntoDunningOnTheFailedPaymentAndBackWhenPaid() {
        JsonNode walk = report.get("dunning_walk");
        assertThat(walk.get("account").asText()).isEqualTo("org_umbrella");
        assertThat(walk.get("states")).extracting(JsonNode::asText).containsExactly("past_due", "restricted", "active");
        assertThat(walk.get("history")).extracting(h -> h.get("from").asText() + "->" + h.get("to").asText() + " " + h.get("cause").asText())
                .containsExactly("active->past_due payment_failed", "past_due->restricted days_elapsed", "restricted->active payment_received");
        assertThat(report.get("entitlements").get("org_umbrella").get("dunning").get("state").asText()).isEqualTo("active");
    }

    @Test
    void theReportHasEachAccountsEntitlements() {
        JsonNode entitlements = report.get("entitlements");
        assertThat(entitlements.fieldNames()).toIterable()
                .containsExactlyInAnyOrder("org_acme", "org_globex", "org_initech", "org_umbrella");
        assertThat(entitlements.get("org_acme").get("plan").asText()).isEqualTo("team");
        assertThat(entitlements.get("org_umbrella").get("plan").asText()).as("upgraded to Business").isEqualTo("business");
        assertThat(entitlements.get("org_umbrella").get("features")).extracting(JsonNode::asText).contains("sso");
        JsonNode initech = entitlements.get("org_initech").get("limits").get(0);
        assertThat(initech.get("meter").asText()).isEqualTo("build_minutes");
        assertThat(initech.get("overage_allowed").asBoolean()).isFalse();
        for (JsonNode e : entitlements) {
            assertThat(e.get("dunning").get("state").asText()).isEqualTo("active");
            assertThat(e.get("access").asBoolean()).isTrue();
        }
    }

    @Test
    void alertsAreRaisedOncePerThreshold() {
        List<String> ids = StreamSupport.stream(report.get("alerts").spliterator(), false).map(a -> a.get("id").asText()).toList();
        assertThat(ids).doesNotHaveDuplicates()
                .contains("usage:org_acme:build_minutes:" + report.get("invoices").get(0).get("period_start").asLong() + ":1");
        assertThat(StreamSupport.stream(report.get("alerts").spliterator(), false).map(a -> a.get("type").asText()))
                .contains("usage.threshold_crossed", "credits.balance_low");
    }

    @Test
    void alertsOfEveryKindCarryTheirDetailTypeAndAVersionedDetailValidAgainstItsSchema() {
        List<JsonNode> alerts = StreamSupport.stream(report.get("alerts").spliterator(), false).toList();
        assertThat(alerts).extracting(a -> a.get("detail_type").asText()).contains("usage.threshold_crossed",
                "usage.overage_started", "spend.threshold_crossed", "credits.balance_low", "credits.balance_exhausted",
                "credits.grant_expiring", "payment.failed", "dunning.step_reached");
        assertThat(alerts).allSatisfy(a -> {
            assertThat(a.get("schema_version").asInt()).isEqualTo(1);
            assertThat(a.get("status").asText()).isEqualTo("published");
            assertThat(a.get("detail").get("alert_id").asText()).isEqualTo(a.get("id").asText());
            assertThat(dev.tally.alerts.AlertSchemas.problems(a.get("detail_type").asText(), a.get("detail").toString()))
                    .as(a.get("id").asText()).isEmpty();
        });
        long periodStart = report.get("invoices").get(0).get("period_start").asLong();
        assertThat(alerts).extracting(a -> a.get("id").asText()).contains("overage:org_acme:build_minutes:" + periodStart);
        // org_umbrella's own spend amount (tally alerts set), and Globex's plan amount (Business: 500.00 USD)
        assertThat(alerts).filteredOn(a -> a.get("detail_type").asText().equals("spend.threshold_crossed")
                        && a.get("account").asText().equals("org_umbrella"))
                .anySatisfy(a -> {
                    assertThat(a.get("detail").get("threshold_minor").asLong()).isEqualTo(DemoScenario.UMBRELLA_SPEND_ALERT_MINOR);
                    assertThat(a.get("detail").get("configured_by").asText()).isEqualTo("account");
                });
        assertThat(alerts).filteredOn(a -> a.get("id").asText().startsWith("spend:org_globex:") && a.get("id").asText().endsWith(":usd:50000"))
                .singleElement().satisfies(a -> assertThat(a.get("detail").get("configured_by").asText()).isEqualTo("plan"));
    }

    @Test
    void theDemoEndsWithAReconciliationThatFindsNothing() {
        JsonNode reconciliation = report.get("reconciliation");
        assertThat(reconciliation.get("run_id").asText()).startsWith("rec_");
        assertThat(reconciliation.get("mismatches")).isEmpty();
        JsonNode checked = reconciliation.get("checked");
        // Eight invoices, one per subscription-period: each period checked once, each finalized invoice against what
        // the Stripe sync recorded; every usage line against the event log, and the credit ledger of org_globex.
        assertThat(checked.get("subscription_periods").asLong()).isEqualTo(8);
        assertThat(checked.get("stripe").asLong()).isEqualTo(8);
        assertThat(checked.get("usage_model").asLong()).isEqualTo(checked.get("invoiced_usage").asLong()).isPositive();
        assertThat(checked.get("credit_ledger").asLong()).isPositive();
        assertThat(checked.get("total").asLong()).isEqualTo(checked.get("usage_model").asLong()
                + checked.get("invoiced_usage").asLong() + checked.get("line_amount").asLong()
                + checked.get("credit_ledger").asLong() + checked.get("subscription_periods").asLong()
                + checked.get("stripe").asLong());
    }
}
