package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.metrics.Metrics;
import dev.tally.reconciliation.Mismatch;
import dev.tally.reconciliation.ReconciliationReport;
import dev.tally.reconciliation.ReconciliationService;
import dev.tally.stripesync.RecordingStripeGateway;
import dev.tally.config.Env;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.CreditStore;
import dev.tally.credit.GrantSource;
import dev.tally.entitlement.DynamoDbEntitlementStore;
import dev.tally.dunning.DunningState;
import dev.tally.entitlement.EntitlementRecord;
import dev.tally.entitlement.EntitlementServices;
import dev.tally.entitlement.EntitlementsJson;
import dev.tally.metrics.Metrics;
import dev.tally.invoice.InvoiceJob;
import dev.tally.local.LocalRuntime;
import dev.tally.metrics.RecordingMetrics;
import dev.tally.local.stripe.StripeEvents;
import dev.tally.money.Currencies;
import dev.tally.alerts.AlertSettings;
import dev.tally.alerts.DynamoDbAlertStore;
import dev.tally.store.AlertItem;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceLine;
import dev.tally.invoice.LineType;
import dev.tally.store.StripeSyncItem;
import dev.tally.store.TallyTables;
import dev.tally.payment.DynamoDbPaymentStore;
import dev.tally.payment.InvoicePayment;
import dev.tally.store.UsageRejectionItem;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The demo: drives the running system through its real entry points and reads back what it did.
 *
 * <ol>
 *   <li>Signed Stripe webhooks over HTTP, built from Stripe's fixture objects: four customers, their subscriptions
 *       (three plans, two currencies), one prepaid-credit purchase, plus a redelivered event, a stale event and a
 *       forged one; beside the purchase, a promotional credit grant that expires five days after the period (what
 *       {@code tally credits grant} writes), drawn after the purchased credits and expired by a later billing run;
 *       and org_umbrella's own alert settings (what {@code tally alerts set} writes).</li>
 *   <li>About a month of usage on three meters (image pulls in several regions), sent to the usage queue over SQS in
 *       batches, with duplicates and a handful of invalid events among it.</li>
 *   <li>The clock advanced past the end of the billing period and its grace period; the billing run fired, then
 *       fired again and its invoice jobs replayed, to show that no account-period is invoiced twice.</li>
 * </ol>
 * The report is read from the tables, not from the demo's own bookkeeping, except {@code usage.sent}.
 */
public final class DemoScenario {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Function whose environment names every table (any function's does). */
    private static final String ANY_FUNCTION = "InvoiceGeneratorFunction";

    private record Customer(String account, String customerId, String name, String priceId, String currency,
                            Map<String, int[]> usage) {
        String subscriptionId() {
            return "sub_demo_" + account.substring(4);
        }
    }

    /** Usage per meter: {events, min quantity, max quantity}. */
    private static final List<Customer> CUSTOMERS = List.of(
            new Customer("org_acme", "cus_demo_acme", "Acme Corp", "price_tally_team_monthly", "usd",
                    Map.of("build_minutes", new int[]{220, 5, 40}, "image_pulls", new int[]{150, 20, 120},
                            "storage_gb_hours", new int[]{60, 100, 900})),
            new Customer("org_globex", "cus_demo_globex", "Globex", "price_tally_business_monthly", "usd",
                    Map.of("build_minutes", new int[]{260, 20, 90}, "image_pulls", new int[]{120, 400, 1500},
                            "storage_gb_hours", new int[]{50, 1000, 4000})),
            new Customer("org_initech", "cus_demo_initech", "Initech KK", "price_tally_pro_jpy_monthly", "jpy",
                    Map.of("build_minutes", new int[]{90, 2, 20})),
            new Customer("org_umbrella", "cus_demo_umbrella", "Umbrella", "price_tally_team_monthly", "usd",
                    Map.of("build_minutes", new int[]{20, 1, 10}, "image_pulls", new int[]{15, 1, 30})));

    private static final long GLOBEX_CREDITS_MINOR = 25_000;
    /** Regions of the image pulls, in turn (not drawn from the random sequence, which fixes the other values). */
    private static final List<String> REGIONS = List.of("us", "eu", "us", "ap");
    /** The promotional grant beside Globex's purchase: 50.00 USD, priority 60 (after the purchase), expiring. */
    static final String GLOBEX_PROMO_GRANT = "cg_demo_globex_launch";
    static final long GLOBEX_PROMO_MINOR = 5_000;
    static final int GLOBEX_PROMO_PRIORITY = 60;
    /** The promotional grant expires this long after the billing period's end: warned at the first billing run. */
    static final long GLOBEX_PROMO_EXPIRES_AFTER_PERIOD = 5 * 86_400L;

    private final LocalRuntime runtime;
    private final String webhookSecret;
    private final long gracePeriodSeconds;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, Integer> webhookOutcomes = new TreeMap<>();
    private int webhooksSent;
    private long duplicatesSent;
    private long lateSent;
    private Progress progress = Progress.none();

    /**
     * @param runtime a started local runtime whose stripe-webhook function uses {@code webhookSecret}
     * @param webhookSecret the signing secret, {@code whsec_...}
     * @param gracePeriodSeconds the billing run's grace period, as configured in the runtime
     * @param out where progress is printed
     */
    public DemoScenario(LocalRuntime runtime, String webhookSecret, long gracePeriodSeconds, PrintStream out) {
        this.runtime = runtime;
        this.webhookSecret = webhookSecret;
        this.gracePeriodSeconds = gracePeriodSeconds;
        this.out = out;
    }

    /**
     * @param progress where to show progress while usage is sent and processed (on a terminal only)
     * @return this scenario
     */
    DemoScenario withProgress(Progress progress) {
        this.progress = progress;
        return this;
    }

    /**
     * Runs the scenario.
     *
     * @return the report (shape in README.md)
     * @throws IllegalStateException if the system does not settle within the time limits
     */
    public ObjectNode run() {
        Env env = Env.of(runtime.functionEnvironment(ANY_FUNCTION));
        TallyTables tables = new TallyTables(AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build(), env);
        Instant now = runtime.clock().instant();
        long start = now.minus(25, ChronoUnit.DAYS).truncatedTo(ChronoUnit.HOURS).getEpochSecond();
        long periodEnd = Instant.ofEpochSecond(start).atZone(ZoneOffset.UTC).plusMonths(1).toEpochSecond();
        long usageUntil = now.minus(1, ChronoUnit.HOURS).getEpochSecond();

        out.printf("%n== Stripe webhooks -> %s/webhooks/stripe%n", runtime.httpEndpoint());
        sendWebhooks(start, periodEnd);
        sendRefundedCreditPurchase(start);
        out.printf("   %s sent: %s%n", Words.count(webhooksSent, "webhook"), webhookOutcomes);
        CreditGrant promo = new CreditGrant(GLOBEX_PROMO_GRANT, "org_globex", "usd", GLOBEX_PROMO_MINOR, GLOBEX_PROMO_PRIORITY,
                start + 600, periodEnd + GLOBEX_PROMO_EXPIRES_AFTER_PERIOD, GrantSource.PROMOTIONAL, "demo", "Launch offer",
                "demo", now.getEpochSecond());
        if (new CreditLedger(tables.creditStore()).grant(promo) != CreditStore.Outcome.APPLIED) {
            throw new IllegalStateException("credit grant " + GLOBEX_PROMO_GRANT + " exists already");
        }
        out.printf("   and a promotional credit grant (tally credits grant): %s to org_globex, priority %d, expires %s%n",
                Currencies.format(GLOBEX_PROMO_MINOR, "usd"), GLOBEX_PROMO_PRIORITY, Instant.ofEpochSecond(promo.expiresAt()));
        configureAlerts(tables);

        long sent;
        ObjectNode dunning;
        try (SqsClient sqs = AwsClients.configure(SqsClient.builder(), env, "SQS").build()) {
            String usageQueue = runtime.queueUrl("UsageQueue");
            out.printf("%n== Usage events -> %s%n", usageQueue);
            sent = sendUsage(sqs, usageQueue, start, usageUntil);
            progress.show("   usage sent; waiting until every event is counted or rejected...");
            runtime.awaitIdle(Duration.ofMinutes(3));
            progress.done();
            out.printf("   %s sent and processed%n", Words.count(sent, "event"));

            // Late usage inside the grace period: the period has ended but is not invoiced yet, so the event counts there.
            Instant inGrace = Instant.ofEpochSecond(periodEnd + Math.min(600, gracePeriodSeconds / 2));
            runtime.clock().set(inGrace);
            sendLate(sqs, usageQueue, "ue_late_in_grace", LATE_IN_GRACE_MINUTES, periodEnd - 300);
            runtime.awaitIdle(Duration.ofMinutes(3));
            out.printf("%n== Clock at %s, inside the grace period: a late event for the ended period (%s) counts there%n",
                    inGrace, Words.count(LATE_IN_GRACE_MINUTES, "build minute"));

            Instant billingTime = Instant.ofEpochSecond(periodEnd + gracePeriodSeconds + 60);
            out.printf("%n== Clock advanced to %s (period end %s + grace %d s); billing run%n",
                    billingTime, Instant.ofEpochSecond(periodEnd), gracePeriodSeconds);
            runtime.clock().set(billingTime);
            Object firstRun = runtime.runSchedule("BillingRunFunction");
            runtime.awaitIdle(Duration.ofMinutes(3));
            int invoicesAfterFirst = tables.invoices.scan().items().stream().toList().size();
            out.printf("   billing run queued %s; %s written%n", Words.count(((Number) firstRun).longValue(), "invoice job"),
                    Words.count(invoicesAfterFirst, "invoice"));

            Object secondRun = runtime.runSchedule("BillingRunFunction");
            List<SendMessageBatchRequestEntry> replays = new ArrayList<>();
            for (Customer c : CUSTOMERS) {
                String body = new InvoiceJob(c.subscriptionId(), c.account(), start, periodEnd).toJson();
                replays.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(replays.size())).messageBody(body).build());
            }
            sqs.sendMessageBatch(b -> b.queueUrl(runtime.queueUrl("InvoiceJobsQueue")).entries(replays));
            runtime.awaitIdle(Duration.ofMinutes(3));
            int invoicesAfterReplay = tables.invoices.scan().items().stream().toList().size();
            out.printf("   second billing run queued %s; %s replayed; invoices still %d%n",
                    Words.count(((Number) secondRun).longValue(), "job"), Words.count(replays.size(), "invoice job"),
                    invoicesAfterReplay);
            dunning = umbrellaDunningWalk(tables, start);

            // Late usage after invoicing: counted in its hour, billed as an adjustment on the next invoice.
            sendLate(sqs, usageQueue, "ue_late_after_invoicing", LATE_AFTER_INVOICING_MINUTES, periodEnd - 120);
            runtime.awaitIdle(Duration.ofMinutes(3));
            long nextEnd = Instant.ofEpochSecond(start).atZone(ZoneOffset.UTC).plusMonths(2).toEpochSecond();
            Instant nextBilling = Instant.ofEpochSecond(nextEnd + gracePeriodSeconds + 60);
            out.printf("%n== A late event for the invoiced period (%s), then the clock to %s; billing run%n",
                    Words.count(LATE_AFTER_INVOICING_MINUTES, "build minute"), nextBilling);
            runtime.clock().set(nextBilling);
            Object nextRun = runtime.runSchedule("BillingRunFunction");
            runtime.awaitIdle(Duration.ofMinutes(3));
            out.printf("   billing run queued %s; invoices now %d, the late usage on org_acme's as an adjustment%n",
                    Words.count(((Number) nextRun).longValue(), "invoice job"), tables.invoices.scan().items().stream().toList().size());
        }
        ObjectNode report = report(tables, sent, runtime.clock().instant().getEpochSecond());
        report.set("dunning_walk", dunning);
        print(report);
        report.set("reconciliation", reconcile(tables, env));
        return report;
    }

    /** Umbrella's prepaid-credit purchase that Stripe then refunds in full: its credits are revoked. */
    static final String UMBRELLA_REFUNDED_SESSION = "cs_demo_umbrella_refunded";
    static final long UMBRELLA_REFUNDED_MINOR = 3_000;
    /** The Stripe invoice that pays Umbrella's first Tally invoice: its payment fails once, then succeeds. */
    static final String UMBRELLA_STRIPE_INVOICE = "in_demo_umbrella_first";

    /** Umbrella buys 30.00 USD of credits, then the charge is refunded in full: the unused credits are revoked. */
    private void sendRefundedCreditPurchase(long start) {
        String pi = StripeEvents.paymentIntentOf(UMBRELLA_REFUNDED_SESSION);
        post(StripeEvents.event("evt_demo_umbrella_credits", "checkout.session.completed", start + 900,
                StripeEvents.creditPurchase(UMBRELLA_REFUNDED_SESSION, "cus_demo_umbrella", UMBRELLA_REFUNDED_MINOR, "usd",
                        start + 800)), webhookSecret);
        post(StripeEvents.event("evt_demo_umbrella_refund", "charge.refunded", start + 1800,
                StripeEvents.charge("ch_demo_umbrella_credits", "cus_demo_umbrella", pi, UMBRELLA_REFUNDED_MINOR,
                        UMBRELLA_REFUNDED_MINOR, "usd", start + 800)), webhookSecret);
        out.printf("   org_umbrella bought %s of credits in Checkout; Stripe refunded the charge, so they were revoked%n",
                Currencies.format(UMBRELLA_REFUNDED_MINOR, "usd"));
    }

    /**
     * Stripe reports the payment of Umbrella's first Tally invoice through signed webhooks, and Umbrella walks through
     * dunning: the first attempt fails ({@code invoice.payment_failed}, Stripe retries three days later) and the account
     * is {@code past_due}; the clock moves past its plan's {@code restricted} step and the hourly billing run enters it;
     * then the retry succeeds ({@code invoice.paid}): the invoice is {@code paid} and the account {@code active} again.
     *
     * @return the walk, as {@link #dunningWalk} returns it
     */
    private ObjectNode umbrellaDunningWalk(TallyTables tables, long start) {
        Invoice first = tables.invoices.scan().items().stream()
                .filter(i -> "org_umbrella".equals(i.accountId) && Long.valueOf(start).equals(i.periodStart))
                .findFirst().flatMap(i -> new DynamoDbInvoiceStore(tables).find(i.invoiceId))
                .orElseThrow(() -> new IllegalStateException("org_umbrella has no invoice for its first period"));
        int restrictedAfterDays = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE).plan(UMBRELLA_PLAN_AFTER_UPGRADE)
                .orElseThrow().dunning().steps().stream().filter(step -> step.state() == DunningState.RESTRICTED)
                .findFirst().orElseThrow().afterDays();
        return dunningWalk("org_umbrella", UMBRELLA_STRIPE_INVOICE, () -> {
            long now = runtime.clock().instant().getEpochSecond();
            ObjectNode failed = StripeEvents.invoice(UMBRELLA_STRIPE_INVOICE, "cus_demo_umbrella", "sub_demo_umbrella",
                    first.totalMinor(), first.currency(), false, now);
            failed.putObject("metadata").put("tally_invoice_id", first.invoiceId());
            post(StripeEvents.event("evt_demo_umbrella_payment_failed", "invoice.payment_failed", now, failed), webhookSecret);
            out.printf("   Stripe: the payment of %s (%s) failed; Stripe retries in three days%n", first.invoiceId(),
                    Currencies.format(first.totalMinor(), first.currency()));
        }, () -> {
            long now = runtime.clock().instant().getEpochSecond();
            ObjectNode paid = StripeEvents.invoice(UMBRELLA_STRIPE_INVOICE, "cus_demo_umbrella", "sub_demo_umbrella",
                    first.totalMinor(), first.currency(), true, now).put("attempt_count", 2);
            paid.putObject("metadata").put("tally_invoice_id", first.invoiceId());
            post(StripeEvents.event("evt_demo_umbrella_paid", "invoice.paid", now, paid), webhookSecret);
            out.printf("   Stripe: the second attempt succeeded; %s is paid%n", first.invoiceId());
        }, restrictedAfterDays);
    }

    /** The payments table, for the report: one object per Stripe invoice, by id. */
    private static ArrayNode paymentsReport(TallyTables tables) {
        ArrayNode payments = JSON.createArrayNode();
        tables.client.scanPaginator(r -> r.tableName(tables.paymentsTable).consistentRead(true)).items().stream()
                .map(DynamoDbPaymentStore::fromItem).sorted(Comparator.comparing(InvoicePayment::stripeInvoiceId))
                .forEach(p -> payments.addObject().put("stripe_invoice_id", p.stripeInvoiceId()).put("account", p.accountId())
                        .put("tally_invoice_id", p.tallyInvoiceId()).put("state", p.paymentState().wire())
                        .put("currency", p.currency()).put("amount_due_minor", p.amountDueMinor())
                        .put("amount_paid_minor", p.amountPaidMinor()).put("attempt_count", p.attemptCount())
                        .put("next_payment_attempt_at", p.nextPaymentAttemptAt()).put("last_failure_at", p.lastFailureAt())
                        .put("paid_at", p.paidAt()).put("last_event_type", p.lastEventType()));
        return payments;
    }

    /** org_umbrella's own spend alert (tally alerts set org_umbrella --spend 3000 --currency usd): 30.00 USD. */
    static final long UMBRELLA_SPEND_ALERT_MINOR = 3_000;

    /**
     * Customer alert settings of the demo's accounts, as {@code tally alerts set} writes them: org_umbrella's own spend
     * amount and usage shares replace its plan's; the others follow their plans' ({@code alerts} in the catalog).
     */
    private void configureAlerts(TallyTables tables) {
        new DynamoDbAlertStore(tables).saveSettings(new AlertSettings("org_umbrella", List.of(new BigDecimal("0.25"), BigDecimal.ONE),
                List.of(UMBRELLA_SPEND_ALERT_MINOR), null, "usd", runtime.clock().instant().getEpochSecond()));
        out.printf("   and alert settings (tally alerts set org_umbrella --usage-shares 25,100 --spend %d --currency usd)%n",
                UMBRELLA_SPEND_ALERT_MINOR);
    }

    /**
     * The demo's last step, as {@code tally reconcile} runs it: every period of every account proved against the usage
     * events, the buckets, the prices, the credit ledgers, the billing cycles and what the Stripe sync recorded; the
     * report is stored and printed.
     *
     * @return the report's {@code reconciliation}: {@code run_id}, {@code checked} (per check, and {@code total}) and
     *         {@code mismatches} (each with check, account, meter, period, invoice, expected and found)
     */
    private ObjectNode reconcile(TallyTables tables, Env env) {
        Catalog catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
        ReconciliationReport result = ReconciliationService.onDynamoDb(tables, env.require("RECONCILIATIONS_TABLE"), catalog,
                        new RecordingStripeGateway(tables, runtime.clock()),
                        runtime.handlerCollaborator() instanceof Metrics m ? m : Metrics.NONE, runtime.clock())
                .reconcile(new ReconciliationService.Scope(0, Long.MAX_VALUE, null));
        int found = result.mismatches().size();
        out.printf("%n== Reconciliation (tally reconcile): %s, %d %s%n", Words.count(result.checkedTotal(), "check"),
                found, found == 1 ? "mismatch" : "mismatches");
        result.checked().forEach((check, n) -> out.printf("   %-22s %6d checked%n", check.wireName(), n));
        for (Mismatch m : result.mismatches()) {
            out.printf("   MISMATCH %s %s %s %s: expected %s, found %s%n", m.check().wireName(), m.accountId(), m.invoiceId(),
                    m.subject(), m.expected(), m.found());
        }
        ObjectNode json = result.toJson();
        ObjectNode node = JSON.createObjectNode();
        node.put("run_id", result.runId());
        node.set("checked", json.get("checked"));
        node.set("mismatches", json.get("mismatches"));
        return node;
    }

    /** Days into the first period at which org_umbrella moves from Team to Business. */
    static final int UPGRADE_AFTER_DAYS = 10;
    /** The plan org_umbrella moves to. */
    static final String UMBRELLA_PLAN_AFTER_UPGRADE = "business";
    /** Build minutes of the late event sent inside the grace period. */
    static final int LATE_IN_GRACE_MINUTES = 30;
    /** Build minutes of the late event sent after its period was invoiced. */
    static final int LATE_AFTER_INVOICING_MINUTES = 500;

    private void sendLate(SqsClient sqs, String queueUrl, String id, int minutes, long timestamp) {
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("{\"id\":\"" + id + "\",\"account\":\"org_acme\","
                + "\"meter\":\"build_minutes\",\"quantity\":" + minutes + ",\"timestamp\":" + timestamp + "}"));
        lateSent++;
    }

    private void sendWebhooks(long start, long periodEnd) {
        List<String> customerEvents = new ArrayList<>();
        for (Customer c : CUSTOMERS) {
            String event = StripeEvents.event("evt_demo_cus_" + c.account().substring(4), "customer.created", start - 3600,
                    StripeEvents.customer(c.customerId(), c.account(), c.name(), "billing@" + c.account().substring(4) + ".example", start - 3600));
            customerEvents.add(event);
            post(event, webhookSecret);
        }
        for (Customer c : CUSTOMERS) {
            post(StripeEvents.event("evt_demo_sub_" + c.account().substring(4), "customer.subscription.created", start,
                    StripeEvents.subscription(c.subscriptionId(), c.customerId(), c.priceId(), c.currency(), start, periodEnd)), webhookSecret);
        }
        // Umbrella upgrades from Team to Business ten days into the period: two phases, each prorated to the second,
        // and Business's minimum commitment trued up for its share of the period.
        long upgradeAt = start + UPGRADE_AFTER_DAYS * 86_400L;
        post(StripeEvents.event("evt_demo_sub_umbrella_upgrade", "customer.subscription.updated", upgradeAt,
                StripeEvents.subscription("sub_demo_umbrella", "cus_demo_umbrella", "price_tally_business_monthly", "usd",
                        start, periodEnd)), webhookSecret);
        post(StripeEvents.event("evt_demo_credits_globex", "checkout.session.completed", start + 600,
                StripeEvents.creditPurchase("cs_demo_globex_credits", "cus_demo_globex", GLOBEX_CREDITS_MINOR, "usd", start + 600)), webhookSecret);
        // Stripe redelivers an event it is unsure about: same id, no second effect.
        post(customerEvents.get(0), webhookSecret);
        post(StripeEvents.event("evt_demo_credits_globex", "checkout.session.completed", start + 600,
                StripeEvents.creditPurchase("cs_demo_globex_credits", "cus_demo_globex", GLOBEX_CREDITS_MINOR, "usd", start + 600)), webhookSecret);
        // An older customer.updated arriving late must not overwrite the newer state.
        post(StripeEvents.event("evt_demo_cus_acme_old", "customer.updated", start - 7200,
                StripeEvents.customer("cus_demo_acme", "org_acme", "Acme (old name)", "old@acme.example", start - 7200)), webhookSecret);
        // A forged request: signed with the wrong secret.
        post(StripeEvents.event("evt_demo_forged", "checkout.session.completed", start,
                StripeEvents.creditPurchase("cs_demo_forged", "cus_demo_acme", 9_999_999, "usd", start)), "whsec_forged");
    }

    private void post(String payload, String secret) {
        String signature = StripeEvents.sign(payload, secret, runtime.clock().instant().getEpochSecond());
        HttpRequest request = HttpRequest.newBuilder(runtime.httpEndpoint().resolve("/webhooks/stripe"))
                .header("content-type", "application/json").header("stripe-signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(payload)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            String outcome = response.statusCode() + " " + JSON.readTree(response.body()).path("outcome").asText("?");
            webhookOutcomes.merge(outcome, 1, Integer::sum);
            webhooksSent++;
        } catch (IOException e) {
            throw new UncheckedIOException("webhook POST failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private long sendUsage(SqsClient sqs, String queueUrl, long from, long until) {
        Random random = new Random(42);
        List<String> events = new ArrayList<>();
        for (Customer c : CUSTOMERS) {
            for (Map.Entry<String, int[]> meter : new TreeMap<>(c.usage()).entrySet()) {
                int[] p = meter.getValue();
                for (int i = 0; i < p[0]; i++) {
                    ObjectNode e = JSON.createObjectNode();
                    e.put("id", "ue_" + new UUID(random.nextLong(), random.nextLong()));
                    e.put("account", c.account());
                    e.put("meter", meter.getKey());
                    int whole = p[1] + random.nextInt(p[2] - p[1] + 1);
                    e.put("quantity", meter.getKey().equals("storage_gb_hours")
                            ? new BigDecimal(whole).add(BigDecimal.valueOf(random.nextInt(100), 2)) : new BigDecimal(whole));
                    e.put("timestamp", from + (long) random.nextInt((int) (until - from)));
                    ObjectNode properties = e.putObject("properties").put("source", "demo");
                    if (meter.getKey().equals("image_pulls")) {
                        // image_pulls has a region dimension; Business prices pulls in the EU apart (meter_filter)
                        properties.put("region", REGIONS.get(i % REGIONS.size()));
                    }
                    events.add(e.toString());
                }
            }
        }
        // Messages of 1 to 10 events, as a product's batching client would send them.
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < events.size(); ) {
            int n = Math.min(events.size() - i, 1 + random.nextInt(10));
            bodies.add(n == 1 ? events.get(i) : "[" + String.join(",", events.subList(i, i + n)) + "]");
            i += n;
        }
        long sent = events.size();
        // Duplicates: about 4 % of the events sent again, alone, as a retrying producer would.
        for (int i = 0; i < events.size(); i += 25) {
            bodies.add(events.get(i));
            sent++;
            duplicatesSent++;
        }
        // Invalid events, each rejected with its reason and kept.
        long now = runtime.clock().instant().getEpochSecond();
        List<String> invalid = List.of(
                "{\"id\":\"ue_bad_meter\",\"account\":\"org_acme\",\"meter\":\"gpu_hours\",\"quantity\":3,\"timestamp\":" + (now - 60) + "}",
                "{\"id\":\"ue_bad_account\",\"account\":\"org_nobody\",\"meter\":\"build_minutes\",\"quantity\":3,\"timestamp\":" + (now - 60) + "}",
                "{\"id\":\"ue_negative\",\"account\":\"org_acme\",\"meter\":\"build_minutes\",\"quantity\":-5,\"timestamp\":" + (now - 60) + "}",
                "{\"id\":\"ue_future\",\"account\":\"org_acme\",\"meter\":\"build_minutes\",\"quantity\":5,\"timestamp\":" + (now + 3600) + "}",
                "{\"account\":\"org_acme\",\"meter\":\"build_minutes\",\"quantity\":5,\"timestamp\":" + (now - 60) + "}",
                "{\"id\":\"ue_beyond_backdating_window\",\"account\":\"org_acme\",\"meter\":\"build_minutes\",\"quantity\":5,\"timestamp\":" + (now - 36 * 86400) + "}",
                "{\"id\":\"ue_absurd_quantity\",\"account\":\"org_acme\",\"meter\":\"build_minutes\",\"quantity\":18446744073709551615,\"timestamp\":" + (now - 60) + "}",
                "this is not json");
        bodies.addAll(invalid);
        sent += invalid.size();
        java.util.Collections.shuffle(bodies.subList(0, bodies.size()), random);

        for (int i = 0; i < bodies.size(); i += 10) {
            List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int j = i; j < Math.min(bodies.size(), i + 10); j++) {
                entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(j - i)).messageBody(bodies.get(j)).build());
            }
            progress.show("   usage: " + i + " of " + Words.count(bodies.size(), "message") + " sent");
            var response = sqs.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
            if (!response.failed().isEmpty()) {
                throw new IllegalStateException("SQS refused usage messages: " + response.failed());
            }
        }
        // One event whose stored item would pass DynamoDB's 400 KB (a producer attaching a whole log as a property),
        // in a message beside a valid event: rejected ITEM_TOO_LARGE and kept, the valid one counted.
        String blob = "x".repeat(410 * 1024);
        sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody("[{\"id\":\"ue_oversized\",\"account\":\"org_acme\","
                + "\"meter\":\"build_minutes\",\"quantity\":1,\"timestamp\":" + (now - 120) + ",\"properties\":{\"log\":\"" + blob
                + "\"}},{\"id\":\"ue_beside_oversized\",\"account\":\"org_acme\",\"meter\":\"build_minutes\",\"quantity\":2,"
                + "\"timestamp\":" + (now - 120) + "}]"));
        return sent + 2;
    }

    /**
     * Walks one account into dunning and back on the advanced clock: a failed payment of one of its invoices makes it
     * {@code past_due}; the billing run after the policy's days makes it {@code restricted}; the invoice paid restores
     * {@code active}. The payment results reach Tally as their actions deliver them (the demo: signed
     * {@code invoice.payment_failed} and {@code invoice.paid} webhooks, which stripe-webhook writes to the
     * {@code payments} table, whose stream drives the entitlements function).
     *
     * @param account the account whose invoice is unpaid
     * @param stripeInvoiceId the Stripe invoice whose payment fails, then succeeds
     * @param paymentFails delivers the failed payment, at the clock's time
     * @param paymentSucceeds delivers the payment, at the clock's time
     * @param restrictedAfterDays the account's plan's days from the failure to {@code restricted}
     * @return {@code {"account", "stripe_invoice_id", "states": [state after each step], "history": [...]}}
     */
    ObjectNode dunningWalk(String account, String stripeInvoiceId, Runnable paymentFails, Runnable paymentSucceeds,
                           int restrictedAfterDays) {
        Env env = Env.of(runtime.functionEnvironment(ANY_FUNCTION));
        TallyTables tables = new TallyTables(AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build(), env);
        DynamoDbEntitlementStore store = new DynamoDbEntitlementStore(tables.client, env.require("ENTITLEMENTS_TABLE"));
        ObjectNode walk = JSON.createObjectNode().put("account", account).put("stripe_invoice_id", stripeInvoiceId);
        ArrayNode states = walk.putArray("states");

        out.printf("%n== Dunning: invoice %s of %s%n", stripeInvoiceId, account);
        paymentFails.run();
        runtime.awaitIdle(Duration.ofMinutes(3));
        states.add(dunningState(store, account));

        Instant restrictTime = runtime.clock().instant().plus(restrictedAfterDays, ChronoUnit.DAYS).plus(1, ChronoUnit.HOURS);
        out.printf("   clock advanced %d days to %s; billing run (the dunning clock)%n", restrictedAfterDays, restrictTime);
        runtime.clock().set(restrictTime);
        runtime.runSchedule("BillingRunFunction");
        runtime.awaitIdle(Duration.ofMinutes(3));
        states.add(dunningState(store, account));

        paymentSucceeds.run();
        runtime.awaitIdle(Duration.ofMinutes(3));
        states.add(dunningState(store, account));
        ArrayNode history = walk.putArray("history");
        store.find(account).map(EntitlementRecord::history).orElse(List.of()).forEach(h -> {
            history.addObject().put("at", h.at()).put("from", h.from()).put("to", h.to()).put("cause", h.cause())
                    .put("description", h.description());
            out.printf("   %s  %-10s -> %-10s  %s%n", Instant.ofEpochSecond(h.at()), h.from(), h.to(), h.description());
        });
        return walk;
    }

    private String dunningState(DynamoDbEntitlementStore store, String account) {
        String state = store.find(account).map(r -> r.entitlements().dunningState().wire()).orElse("active");
        out.printf("   %s is %s%n", account, state);
        return state;
    }

    private ObjectNode report(TallyTables tables, long sent, long at) {
        ObjectNode report = JSON.createObjectNode();
        int counted = 0;
        for (var page : tables.client.scanPaginator(r -> r.tableName(tables.usageEventsTable).select("COUNT").consistentRead(true))) {
            counted += page.count();
        }
        List<UsageRejectionItem> rejected = tables.usageRejections.scan().items().stream().toList();
        ObjectNode usage = report.putObject("usage");
        usage.put("sent", sent + lateSent);
        usage.put("counted", counted);
        // The duplicates the scenario sent on purpose; the test checks sent = counted + duplicates + rejected.
        usage.put("duplicates", duplicatesSent);
        usage.put("rejected", rejected.size());
        ObjectNode reasons = usage.putObject("rejections_by_reason");
        rejected.stream().map(r -> r.reason).sorted().forEach(r -> reasons.put(r, reasons.path(r).asInt(0) + 1));

        ObjectNode webhooks = report.putObject("webhooks");
        webhooks.put("sent", webhooksSent);
        webhookOutcomes.forEach(webhooks::put);

        DynamoDbInvoiceStore store = new DynamoDbInvoiceStore(tables);
        List<Invoice> all = tables.invoices.scan().items().stream().map(h -> store.find(h.invoiceId).orElseThrow())
                .sorted(Comparator.comparing(Invoice::accountId).thenComparing(Invoice::periodStart)).toList();
        long lateAdjusted = all.stream().flatMap(i -> i.lines().stream())
                .filter(l -> l.type() == LineType.ADJUSTMENT).mapToLong(l -> l.trace().eventCount()).sum();
        usage.put("late_adjusted", lateAdjusted);

        ArrayNode invoices = report.putArray("invoices");
        for (Invoice inv : all) {
            ObjectNode i = invoices.addObject();
            i.put("invoice_id", inv.invoiceId()).put("account", inv.accountId()).put("subscription", inv.subscriptionId())
                    .put("status", inv.status().wireName())
                    .put("period_start", inv.periodStart()).put("period_end", inv.periodEnd())
                    .put("currency", inv.currency());
            ArrayNode lines = i.putArray("lines");
            for (InvoiceLine l : inv.lines()) {
                lines.addObject().put("line_id", l.lineId()).put("type", l.type().wireName()).put("price_id", l.priceId())
                        .put("meter", l.meter()).put("period_start", l.periodStart()).put("period_end", l.periodEnd())
                        .put("adjusts_invoice_id", l.adjustsInvoiceId()).put("quantity", l.quantity())
                        .put("included_quantity", l.includedQuantity()).put("billable_quantity", l.billableQuantity())
                        .put("amount_minor", l.amountMinor()).put("usage_events", l.trace().eventCount())
                        .put("description", l.description());
            }
            i.put("subtotal_minor", inv.subtotalMinor()).put("credits_applied_minor", inv.creditsAppliedMinor())
                    .put("total_minor", inv.totalMinor());
        }

        ArrayNode ledgers = report.putArray("credit_ledger");
        CreditLedger ledger = new CreditLedger(tables.creditStore());
        for (Customer c : CUSTOMERS) {
            ObjectNode account = CreditsJson.account(ledger, c.account(), null, at);
            if (!account.get("balances").isEmpty()) {
                ledgers.add(account);
            }
        }

        report.set("payments", paymentsReport(tables));
        ObjectNode entitlements = report.putObject("entitlements");
        var current = EntitlementServices.create(Env.of(runtime.functionEnvironment(ANY_FUNCTION)), tables, Metrics.NONE, false);
        for (Customer c : CUSTOMERS) {
            current.current(c.account(), at).ifPresent(e -> entitlements.set(c.account(), EntitlementsJson.toNode(e)));
        }

        ArrayNode alerts = report.putArray("alerts");
        tables.alerts.scan().items().stream().filter(DynamoDbAlertStore::isAlert)
                .sorted(Comparator.comparing((AlertItem a) -> a.alertId)).forEach(a -> {
            try {
                JsonNode detail = JSON.readTree(a.detail);
                alerts.addObject().put("id", a.alertId).put("type", a.type).put("detail_type", a.type)
                        .put("schema_version", detail.path("schema_version").asInt()).put("account", a.accountId)
                        .put("status", a.status).set("detail", detail);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });

        ArrayNode requests = report.putArray("stripe_requests");
        tables.stripeSync.scan().items().stream()
                .filter(r -> r.recordKey.startsWith(StripeSyncItem.REQUEST_PREFIX))
                .sorted(Comparator.comparing((StripeSyncItem r) -> r.invoiceId).thenComparing(r -> step(r.idempotencyKey))
                        .thenComparing(r -> r.idempotencyKey))
                .forEach(r -> {
                    try {
                        requests.addObject().put("invoice_id", r.invoiceId).put("method", r.method).put("path", r.path)
                                .put("idempotency_key", r.idempotencyKey).set("params", JSON.readTree(r.params));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });

        // What the functions reported through the Metrics port (EMF in AWS), from the runtime's shared recorder.
        if (runtime.handlerCollaborator() instanceof RecordingMetrics metrics) {
            ObjectNode figures = report.putObject("metrics");
            ObjectNode totals = figures.putObject("totals");
            metrics.totals().forEach(totals::put);
            ObjectNode byDimensions = figures.putObject("by_dimensions");
            metrics.byDimensions().forEach(byDimensions::put);
        }
        return report;
    }

    /** Order of a sync's requests: the invoice, its items (credit lines among them), finalize. */
    private static int step(String key) {
        if (key.endsWith(":invoice")) {
            return 0;
        }
        return key.contains(":line:") ? 1 : 2;
    }

    private void print(ObjectNode report) {
        ObjectNode usage = (ObjectNode) report.get("usage");
        out.printf("%n== Usage%n   sent %d = counted %d + duplicates %d + rejected %d   %s%n",
                usage.get("sent").asLong(), usage.get("counted").asLong(), usage.get("duplicates").asLong(),
                usage.get("rejected").asLong(), usage.get("rejections_by_reason"));
        out.printf("%n== Invoices%n");
        for (var inv : report.get("invoices")) {
            String cur = inv.get("currency").asText();
            out.printf("   %s  %s  %s .. %s%n", inv.get("invoice_id").asText(), inv.get("status").asText(),
                    Instant.ofEpochSecond(inv.get("period_start").asLong()), Instant.ofEpochSecond(inv.get("period_end").asLong()));
            for (var l : inv.get("lines")) {
                if (!"credit".equals(l.get("type").asText())) {
                    out.printf("      %-64s %16s%n", l.get("description").asText(), Currencies.format(l.get("amount_minor").asLong(), cur));
                }
            }
            out.printf("      %-64s %16s%n", "subtotal", Currencies.format(inv.get("subtotal_minor").asLong(), cur));
            for (var l : inv.get("lines")) {
                if ("credit".equals(l.get("type").asText())) {
                    out.printf("      %-64s %16s%n", l.get("description").asText(), Currencies.format(l.get("amount_minor").asLong(), cur));
                }
            }
            out.printf("      %-64s %16s%n", "total due", Currencies.format(inv.get("total_minor").asLong(), cur));
        }
        out.printf("%n== Prepaid credit (tally credits ACCOUNT)%n");
        for (var account : report.get("credit_ledger")) {
            for (var balance : account.get("balances")) {
                String cur = balance.get("currency").asText();
                out.printf("   %s: %s available%n", account.get("account").asText(), Currencies.format(balance.get("available_minor").asLong(), cur));
                for (var g : balance.get("grants")) {
                    out.printf("      %-26s %-12s priority %3d  %16s left of %16s  %s%n", g.get("grant_id").asText(),
                            g.get("source").asText(), g.get("priority").asInt(), Currencies.format(g.get("remaining_minor").asLong(), cur),
                            Currencies.format(g.get("amount_minor").asLong(), cur), g.get("status").asText());
                }
            }
            for (var e : account.get("entries")) {
                out.printf("      %s %-10s %-26s %16s%n", Instant.ofEpochSecond(e.get("at").asLong()), e.get("type").asText(),
                        e.get("grant_id").asText(), Currencies.format(e.get("amount_minor").asLong(), e.get("currency").asText()));
            }
        }
        out.printf("%n== Entitlements (tally entitlements ACCOUNT)%n");
        report.get("entitlements").fields().forEachRemaining(e -> out.printf("   %-14s plan %-9s dunning %-10s features %s%n",
                e.getKey(), e.getValue().path("plan").asText("none"), e.getValue().path("dunning").path("state").asText(),
                e.getValue().path("features")));
        out.printf("%n== Alerts%n");
        for (var a : report.get("alerts")) {
            out.printf("   %-26s v%d %s%n", a.get("detail_type").asText(), a.get("schema_version").asInt(), a.get("detail"));
        }
        out.printf("%n== Stripe requests (recorded: no API key)%n");
        for (var r : report.get("stripe_requests")) {
            out.printf("   %s %-44s Idempotency-Key: %s%n", r.get("method").asText(), r.get("path").asText(), r.get("idempotency_key").asText());
        }
    }
}
