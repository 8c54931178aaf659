package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.config.Env;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditStore;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.GrantSource;
import dev.tally.credit.LedgerEntry;
import dev.tally.local.LocalRuntime;
import dev.tally.credit.Drawdown;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.invoice.InvoiceStore;
import dev.tally.invoice.LineType;
import dev.tally.invoice.InvoiceLine;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.store.UsageRejectionItem;
import dev.tally.cli.CliTestSupport.Result;
import dev.tally.testsupport.TallyFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;


import static dev.tally.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operations commands ({@code tally usage rejections|replay}, {@code tally invoices [show]}, {@code tally dlq
 * redrive}) against one local runtime, run the way a user runs them (picocli, endpoints as options) and checked
 * through the tables and queues. Each test works on its own account ids, so the tests share the runtime.
 */
class OpsCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration IDLE = Duration.ofSeconds(30);

    private static CliTestSupport.Running running;
    private static LocalRuntime runtime;
    private static TallyTables tables;
    private static SqsClient sqs;

    @BeforeAll
    static void start() {
        running = CliTestSupport.Running.start(false);
        runtime = running.runtime();
        tables = running.tables();
        sqs = running.sqs();
    }

    @AfterAll
    static void stop() {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void rejectionsAreListedWithTheirReasonsAndFiltered() {
        String account = TallyFixtures.uniqueId("org_unknown");
        long now = now();
        sendUsage("[" + event("ue_meter_" + account, account, "gpu_hours", "3", now - 60) + ","
                + event("ue_negative_" + account, account, "build_minutes", "-5", now - 60) + ","
                + event("ue_account_" + account, account, "build_minutes", "2", now - 60) + "]");
        runtime.awaitIdle(IDLE);

        Result all = tally("usage", "rejections", "--account", account);
        assertThat(all.exitCode()).isZero();
        assertThat(all.out()).contains("REJECTION ID", "REASON", "DETAIL")
                .contains("UNKNOWN_METER", "NEGATIVE_QUANTITY", "UNKNOWN_ACCOUNT")
                .contains("ue_meter_" + account, "ue_negative_" + account, "ue_account_" + account)
                .contains("no meter gpu_hours", "no account " + account);
        assertThat(all.out().lines().filter(l -> l.contains(account))).hasSize(3);

        Result oneReason = tally("usage", "rejections", "--account", account, "--reason", "UNKNOWN_METER");
        assertThat(oneReason.out().lines().filter(l -> l.contains(account)))
                .singleElement().asString().contains("ue_meter_" + account);

        Result json = tally("usage", "rejections", "--account", account, "--json");
        List<JsonNode> lines = json.out().lines().map(OpsCommandsTest::parse).toList();
        assertThat(lines).hasSize(3).allSatisfy(l -> {
            assertThat(l.get("accountId").asText()).isEqualTo(account);
            assertThat(l.get("receivedAt").asLong()).isBetween(now - 5, now() + 5);
            assertThat(l.get("replayedAt").isNull()).isTrue();
        });
        JsonNode unknownAccount = lines.stream().filter(l -> l.get("reason").asText().equals("UNKNOWN_ACCOUNT"))
                .findFirst().orElseThrow();
        assertThat(parse(unknownAccount.get("body").asText()).get("quantity").decimalValue()).isEqualByComparingTo("2");

        Result limited = tally("usage", "rejections", "--account", account, "--limit", "1");
        assertThat(limited.out().lines().filter(l -> l.contains(account))).hasSize(1);
        assertThat(limited.err()).isEqualTo("1 of 3 rejections shown (newest first); --limit 0 shows all.\n");

        assertThat(tally("usage", "rejections", "--account", "org_nobody_at_all").out()).contains("No rejected usage events match.");
        assertThat(tally("usage", "rejections", "--reason", "NOT_A_REASON").exitCode()).isEqualTo(2);
        assertThat(tally("usage", "rejections", "--limit", "-1").exitCode()).isEqualTo(2);
    }

    @Test
    void usageShowGivesTheCurrentPeriodPerMeterByDayAndByDimension() {
        String account = TallyFixtures.uniqueId("org_show");
        long now = now();
        long anchor = now - 10 * 86_400;
        TallyFixtures.seedCustomer(tables, account, "team", anchor, anchor);
        long twoDaysAgo = now - 2 * 86_400;
        sendUsage("[" + event(TallyFixtures.uniqueId("ue"), account, "build_minutes", "12.5", twoDaysAgo) + ","
                + event(TallyFixtures.uniqueId("ue"), account, "build_minutes", "7.5", now - 60) + ","
                + event(TallyFixtures.uniqueId("ue"), account, "image_pulls", "1", now - 60) + "]");
        runtime.awaitIdle(IDLE);

        Result period = tally("usage", "show", account, "--json");
        assertThat(period.exitCode()).isZero();
        List<JsonNode> rows = period.out().lines().map(OpsCommandsTest::parse).toList();
        JsonNode build = rows.stream().filter(r -> r.get("meter").asText().equals("build_minutes")).findFirst().orElseThrow();
        assertThat(build.get("quantity").decimalValue()).isEqualByComparingTo("20");
        assertThat(build.get("events").asLong()).isEqualTo(2);
        assertThat(build.get("from").asLong()).isEqualTo(anchor);
        assertThat(build.get("unit").asText()).isEqualTo("minute");
        assertThat(rows.stream().filter(r -> r.get("meter").asText().equals("image_pulls")).findFirst().orElseThrow()
                .get("quantity").decimalValue()).isEqualByComparingTo("1");

        Result byDay = tally("usage", "show", account, "--meter", "build_minutes", "--by", "day", "--json");
        assertThat(byDay.out().lines().map(OpsCommandsTest::parse).map(r -> r.get("quantity").decimalValue().stripTrailingZeros().toPlainString()).toList())
                .isEqualTo(java.time.LocalDate.ofEpochDay(twoDaysAgo / 86_400).equals(java.time.LocalDate.ofEpochDay((now - 60) / 86_400))
                        ? List.of("20") : List.of("12.5", "7.5"));

        Result text = tally("usage", "show", account, "--meter", "build_minutes");
        assertThat(text.out()).contains("20 minutes");
        assertThat(tally("usage", "show", account, "--meter", "gpu_hours").exitCode()).isEqualTo(2);
        assertThat(tally("usage", "show", account, "--by", "week").exitCode()).isEqualTo(2);
        assertThat(tally("usage", "show", account, "--meter", "build_minutes", "--group-by", "region").exitCode()).isEqualTo(2);
    }

    @Test
    void replayCountsAnEventOnceItsAccountExistsAndMarksItReplayed() {
        String account = TallyFixtures.uniqueId("org_late");
        String eventId = "ue_replay_" + account;
        long now = now();
        sendUsage(event(eventId, account, "build_minutes", "7", now - 60));
        runtime.awaitIdle(IDLE);
        UsageRejectionItem rejection = rejectionsOf(account).getFirst();
        assertThat(rejection.reason).isEqualTo("UNKNOWN_ACCOUNT");

        // Nothing to replay for an unknown id: exit 1, nothing sent.
        Result unknown = tally("usage", "replay", "--rejection", "no-such-rejection#0", rejection.rejectionId);
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("no rejection no-such-rejection#0");
        assertThat(tables.usageRejections.getItem(rejection).replayedAt).isNull();

        // The account is created (as the Stripe webhook would), then the rejection is replayed.
        SubscriptionItem sub = TallyFixtures.seedCustomer(tables, account, "team", now - 10 * 86_400, now);
        // The target queue is checked first, also in a dry run: nothing is read or marked when it is missing.
        Result noQueue = tally("usage", "replay", "--reason", "UNKNOWN_ACCOUNT", "--account", account, "--dry-run",
                "--queue-url", "NoSuchQueue");
        assertThat(noQueue.exitCode()).isEqualTo(1);
        assertThat(noQueue.out()).isEmpty();
        assertThat(noQueue.err()).startsWith("tally usage replay: no SQS queue NoSuchQueue (the usage queue, --queue-url)");
        assertThat(tally("usage", "replay", "--reason", "UNKNOWN_ACCOUNT", "--account", account, "--queue-url",
                "NoSuchQueue").exitCode()).isEqualTo(1);
        assertThat(tables.usageRejections.getItem(rejection).replayedAt).isNull();

        Result dryRun = tally("usage", "replay", "--reason", "UNKNOWN_ACCOUNT", "--account", account, "--dry-run");
        assertThat(dryRun.out()).contains(rejection.rejectionId, "Dry run: would send 1 of 1");
        assertThat(tables.usageRejections.getItem(rejection).replayedAt).isNull();

        Result replay = tally("usage", "replay", "--reason", "UNKNOWN_ACCOUNT", "--account", account);
        assertThat(replay.exitCode()).isZero();
        assertThat(replay.out()).isEqualTo("Sent 1 of 1 matching rejection to " + runtime.queueUrl("UsageQueue") + ".\n");
        runtime.awaitIdle(IDLE);
        var usage = new dev.tally.usage.UsageQuery(tables.usageStore(java.time.Clock.systemUTC()),
                dev.tally.catalog.CatalogLoader.fromClasspath(dev.tally.catalog.CatalogLoader.DEFAULT_RESOURCE));
        assertThat(usage.value(account, "build_minutes", now - 86_400, now + 3_600, d -> true).count()).isEqualTo(1);
        assertThat(usage.quantity(account, "build_minutes", now - 86_400, now + 3_600)).isEqualByComparingTo("7");
        assertThat(tables.usageRejections.getItem(rejection).replayedAt).isBetween(now - 5, now() + 5);
        assertThat(rejectionsOf(account)).hasSize(1);

        // Already replayed: skipped.
        Result second = tally("usage", "replay", "--rejection", rejection.rejectionId);
        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).isEqualTo("Sent 0 of 1 matching rejection to " + runtime.queueUrl("UsageQueue")
                + "; 1 already replayed, skipped (--again sends it).\n");

        // --again sends it anyway; ingestion recognises the event id and counts nothing twice.
        assertThat(tally("usage", "replay", "--rejection", rejection.rejectionId, "--again").out()).contains("Sent 1 of 1");
        runtime.awaitIdle(IDLE);
        assertThat(usage.value(account, "build_minutes", now - 86_400, now + 3_600, d -> true).count()).isEqualTo(1);
        assertThat(usage.quantity(account, "build_minutes", now - 86_400, now + 3_600)).isEqualByComparingTo("7");
    }

    @Test
    void invoicesAreListedAndShownWithTheirAmounts() {
        String usd = TallyFixtures.uniqueId("org_inv");
        String jpy = TallyFixtures.uniqueId("org_inv_jpy");
        long start = 1_767_225_600L; // 2026-01-01T00:00:00Z
        long end = 1_769_904_000L;   // 2026-02-01T00:00:00Z
        TallyFixtures.seedCustomer(tables, usd, "team", start, start);
        TallyFixtures.seedCustomer(tables, jpy, "pro_jpy", start, start);
        Invoice usdInvoice = store(invoice(usd, "usd", start, end, 2_345L,
                line("team_build_minutes_v1", "build_minutes", "2345", "1500", "845", 8_450L, 220L),
                line("team_image_pulls_v1", "image_pulls", "1234.5", "0", "1234.5", 3_895L, 150L)));
        Invoice jpyInvoice = store(invoice(jpy, "jpy", start, end, 0L,
                line("pro_jpy_build_minutes_v1", "build_minutes", "1500", "0", "1500", 1_500L, 90L)));

        Result list = tally("invoices");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains("INVOICE ID", "STATUS", "SUBTOTAL", "CREDITS APPLIED", "TOTAL");
        assertThat(list.row(usdInvoice.invoiceId())).containsExactly(usdInvoice.invoiceId(), usd, "open",
                "2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z", "USD", "123.45 USD", "-23.45 USD", "100.00 USD");
        assertThat(list.row(jpyInvoice.invoiceId())).containsExactly(jpyInvoice.invoiceId(), jpy, "open",
                "2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z", "JPY", "1500 JPY", "0 JPY", "1500 JPY");

        Result one = tally("invoices", "--account", usd);
        assertThat(one.out()).contains(usdInvoice.invoiceId()).doesNotContain(jpy);
        assertThat(tally("invoices", "--account", usd, "--status", "draft").out()).contains("No invoices for account " + usd
                + " with status draft.");
        JsonNode json = parse(tally("invoices", "--account", usd, "--json").out().strip());
        assertThat(json.get("totalMinor").asLong()).isEqualTo(10_000L);
        assertThat(json.get("status").asText()).isEqualTo("open");
        assertThat(json.get("lines").get(1).get("quantity").decimalValue()).isEqualByComparingTo("1234.5");
        assertThat(json.get("lines").get(1).get("priceId").asText()).isEqualTo("team_image_pulls_v1");
        assertThat(json.get("lines").get(2).get("type").asText()).isEqualTo("credit");

        Result show = tally("invoices", "show", usdInvoice.invoiceId());
        assertThat(show.exitCode()).isZero();
        assertThat(show.out()).contains("Invoice", usdInvoice.invoiceId(), "catalog test", "LINE", "TYPE", "PRICE", "QUANTITY",
                "INCLUDED", "BILLABLE", "AMOUNT", "EVENTS");
        assertThat(show.row("Status")).containsExactly("Status", "open");
        assertThat(show.row("build_minutes")).containsExactly("build_minutes", "usage", "team_build_minutes_v1", "2345 minutes",
                "1500 minutes", "845 minutes", "84.50 USD", "220");
        assertThat(show.row("image_pulls")).containsExactly("image_pulls", "usage", "team_image_pulls_v1", "1234.5 pulls",
                "0 pulls", "1234.5 pulls", "38.95 USD", "150");
        assertThat(show.row("Subtotal")).containsExactly("Subtotal", "123.45 USD");
        assertThat(show.row("Credits applied")).containsExactly("Credits applied", "-23.45 USD");
        assertThat(show.row("Total")).containsExactly("Total", "100.00 USD");

        Result missing = tally("invoices", "show", "tin_nobody_0");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no invoice tin_nobody_0");
        Result badStatus = tally("invoices", "--status", "paidish");
        assertThat(badStatus.exitCode()).isEqualTo(2);
        assertThat(badStatus.err()).contains("unknown status 'paidish'");
    }

    @Test
    void reconcileNamesEachMismatchExitsOneAndStoresItsReport() {
        String account = TallyFixtures.uniqueId("org_rec");
        String clean = TallyFixtures.uniqueId("org_rec_clean");
        long start = 1_767_225_600L; // 2026-01-01T00:00:00Z
        long end = 1_769_904_000L;   // 2026-02-01T00:00:00Z
        TallyFixtures.seedCustomer(tables, account, "team", start, end);  // billing cursor on February
        TallyFixtures.seedCustomer(tables, clean, "team", start, start);
        // January invoiced with 2345 build minutes the event log does not have, at an amount the price does not give;
        // the runtime's stripe-sync records it (no API key), so Stripe agrees.
        Invoice invoice = store(invoice(account, "usd", start, end, 0L,
                line("team_build_minutes_v1", "build_minutes", "2345", "1500", "845", 8_450L, 220L)));
        runtime.awaitIdle(IDLE);

        Result found = tally("reconcile", "--account", account, "--period", "2026-01");
        assertThat(found.exitCode()).isEqualTo(1);
        assertThat(found.err().strip()).startsWith("tally reconcile: 2 mismatches found (run rec_")
                .endsWith("); what to do: docs/runbooks/reconciliation-mismatch.md");
        assertThat(found.out()).contains("Reconciliation rec_", "(on_demand, account " + account
                + ", periods starting 2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z): 5 checks, 2 mismatches.");
        assertThat(found.row("events invoiced")).containsSubsequence("invoiced_usage", account, "build_minutes",
                invoice.invoiceId(), "usage:team_build_minutes_v1", "0 (0 events in the event log)", "2345 (220 events invoiced)");
        assertThat(found.row("rated with")).containsSubsequence("line_amount", account, "build_minutes", invoice.invoiceId(),
                "12.68 USD (2345 rated with team_build_minutes_v1)", "84.50 USD");

        JsonNode last = parse(tally("reconcile", "--last", "--json").out().strip());
        assertThat(last.get("account").asText()).isEqualTo(account);
        assertThat(last.get("mismatches")).hasSize(2);
        assertThat(last.get("checked").get("total").asLong()).isEqualTo(5);

        Result ok = tally("reconcile", "--account", clean, "--period", "2026-01-01..2026-02-01");
        assertThat(ok.exitCode()).as(ok.err()).isZero();
        assertThat(ok.out()).contains(", periods starting 2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z): 0 checks, 0 mismatches.");
    }

    @Test
    void invoicesWhoseStripeSyncFailedAreListedWithTheReasonAndResyncFinishesThem() {
        String account = TallyFixtures.uniqueId("org_sync"); // no account yet: no Stripe customer
        long start = 1_767_225_600L; // 2026-01-01T00:00:00Z
        long end = 1_769_904_000L;   // 2026-02-01T00:00:00Z
        // finalized in the tables: the stream (draft -> open) drives stripe-sync
        Invoice invoice = store(invoice(account, "usd", start, end, 0L,
                line("team_build_minutes_v1", "build_minutes", "2345", "1500", "845", 8_450L, 220L)));
        runtime.awaitIdle(IDLE);
        String reason = "account " + account + " has no Stripe customer (Tally has not received its customer.created); "
                + "once it has, resync the invoice";

        Result failed = tally("invoices", "--status", "sync_failed", "--account", account);
        assertThat(failed.exitCode()).isZero();
        assertThat(failed.out()).contains("INVOICE ID", "SYNC", "ATTEMPTS", "LAST ATTEMPT", "STRIPE INVOICE", "REASON")
                .contains("Fix the reason, then `tally invoices resync INVOICE_ID` (docs/runbooks/stripe-sync-failed.md).");
        List<String> row = failed.row(invoice.invoiceId());
        assertThat(row.subList(0, 6)).containsExactly(invoice.invoiceId(), account,
                "2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z", "84.50 USD", "sync_failed", "1");
        assertThat(row.get(6)).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
        assertThat(row.subList(7, 9)).containsExactly("-", reason);
        JsonNode json = parse(tally("invoices", "--status", "sync_failed", "--account", account, "--json").out().strip());
        assertThat(json.get("invoiceId").asText()).isEqualTo(invoice.invoiceId());
        assertThat(json.get("totalMinor").asLong()).isEqualTo(8_450L);
        assertThat(json.path("sync").get("status").asText()).isEqualTo("sync_failed");
        assertThat(json.path("sync").get("attempts").asInt()).isEqualTo(1);
        assertThat(json.path("sync").get("lastError").asText()).isEqualTo(reason);
        assertThat(json.path("sync").get("nextAttemptAt").isNull()).isTrue();

        TallyFixtures.seedCustomer(tables, account, "team", start, start);
        Result resync = run("invoices", "resync", invoice.invoiceId(), "--http-endpoint", runtime.httpEndpoint().toString());

        assertThat(resync.exitCode()).isZero();
        assertThat(resync.out()).isEqualTo("Invoice " + invoice.invoiceId() + " recorded: no Stripe API key, so the "
                + "requests were recorded, not sent.\n");
        assertThat(tally("invoices", "--status", "sync_failed", "--account", account).out())
                .isEqualTo("No invoices with Stripe sync status sync_failed for account " + account + ".\n");
        List<String> recorded = tally("invoices", "--status", "recorded", "--account", account).row(invoice.invoiceId());
        assertThat(recorded.subList(0, 6)).containsExactly(invoice.invoiceId(), account,
                "2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z", "84.50 USD", "recorded", "1");
        assertThat(recorded.get(6)).as("the resync's attempt, a new round").isGreaterThanOrEqualTo(row.get(6));
        assertThat(recorded.subList(7, 9)).containsExactly("in_local_" + invoice.invoiceId(), "-");

        Result unknown = run("invoices", "resync", "tin_nobody_0", "--http-endpoint", runtime.httpEndpoint().toString());
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).isEqualTo("tally invoices resync: the local runtime refused: no invoice tin_nobody_0 "
                + "(ids are listed by `tally invoices`)\n");
        assertThat(tally("invoices", "--status", "stuck").exitCode()).isEqualTo(2);
    }

    @Test
    void dlqRedriveMovesMessagesBackWithTheirAttributesUntilTheDlqIsEmpty() {
        String account = TallyFixtures.uniqueId("org_dlq");
        long now = now();
        TallyFixtures.seedCustomer(tables, account, "team", now - 10 * 86_400, now);
        String dlq = runtime.queueUrl("UsageDeadLetterQueue");
        List<String> ids = List.of("ue_dlq_1_" + account, "ue_dlq_2_" + account, "ue_dlq_3_" + account);
        for (String id : ids) {
            sqs.sendMessage(r -> r.queueUrl(dlq).messageBody(event(id, account, "build_minutes", "1", now - 60))
                    .messageAttributes(Map.of("producer", MessageAttributeValue.builder().dataType("String")
                            .stringValue("ci-" + id).build())));
        }

        // One to another queue, by URL, to see what arrives there: the body and the attributes.
        String parking = runtime.queueUrl("StreamFailuresQueue");
        Result first = tally("dlq", "redrive", "--queue", "UsageDeadLetterQueue", "--to", parking, "--max", "1");
        assertThat(first.exitCode()).isZero();
        assertThat(first.out()).contains("Moved 1 message from " + dlq + " to " + parking, "--max reached; about 2 left");
        Message parked = sqs.receiveMessage(r -> r.queueUrl(parking).waitTimeSeconds(5).messageAttributeNames("All"))
                .messages().getFirst();
        String parkedId = parse(parked.body()).get("id").asText();
        assertThat(ids).contains(parkedId);
        assertThat(parked.messageAttributes().get("producer").stringValue()).isEqualTo("ci-" + parkedId);
        sqs.deleteMessage(r -> r.queueUrl(parking).receiptHandle(parked.receiptHandle()));

        // The rest to the default target, the usage queue, where they are ingested.
        Result rest = tally("dlq", "redrive", "--queue", "UsageDeadLetterQueue");
        assertThat(rest.exitCode()).isZero();
        assertThat(rest.out()).contains("Moved 2 messages from " + dlq + " to " + runtime.queueUrl("UsageQueue"));
        runtime.awaitIdle(IDLE);
        for (String id : ids) {
            assertThat(logged(id)).as(id).isEqualTo(!id.equals(parkedId));
        }
        Map<QueueAttributeName, String> left = sqs.getQueueAttributes(r -> r.queueUrl(dlq).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        assertThat(left).containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0")
                .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0");

        assertThat(tally("dlq", "redrive", "--queue", "UsageDeadLetterQueue").out()).startsWith("Moved 0 messages");
        Result noQueue = tally("dlq", "redrive", "--queue", "NoSuchDeadLetterQueue");
        assertThat(noQueue.exitCode()).isEqualTo(1);
        assertThat(noQueue.err()).startsWith("tally dlq redrive: no SQS queue NoSuchDeadLetterQueue (the dead-letter "
                + "queue, --queue) at SQS at " + runtime.sqsEndpoint() + "; nothing was read or sent.");
        // No queue dead-letters into StreamFailuresQueue (the streams' on-failure destination): no default target.
        Result noSource = tally("dlq", "redrive", "--queue", "StreamFailuresQueue");
        assertThat(noSource.exitCode()).isEqualTo(1);
        assertThat(noSource.err()).contains("choose the target with --to");
    }

    @Test
    void creditsAreGrantedWithWhoAndWhyAndShownWithTheirLedger() {
        String account = TallyFixtures.uniqueId("org_credits");
        long now = java.time.Instant.now().getEpochSecond();

        Result granted = tally("credits", "grant", account, "--amount", "5000", "--currency", "USD", "--expires", "30d",
                "--priority", "20", "--reason", "Launch offer", "--by", "ana");

        assertThat(granted.exitCode()).as(granted.err()).isZero();
        assertThat(granted.out()).matches("Granted 50\\.00 USD to " + account + ": credit grant cg_[0-9a-f]{24} \\(promotional, "
                + "priority 20, expires \\S+\\), by ana: Launch offer\\n");
        List<GrantBalance> grants = tables.creditStore().grants(account);
        assertThat(grants).singleElement().satisfies(g -> {
            assertThat(g.grant().source()).isEqualTo(GrantSource.PROMOTIONAL);
            assertThat(g.grant().createdBy()).isEqualTo("ana");
            assertThat(g.grant().sourceRef()).isEqualTo("ana");
            assertThat(g.grant().reason()).isEqualTo("Launch offer");
            assertThat(g.grant().currency()).isEqualTo("usd");
            assertThat(g.grant().effectiveAt()).isBetween(now - 5, now + 60);
            assertThat(g.grant().expiresAt()).isEqualTo(g.grant().effectiveAt() + 30 * 86_400L);
            assertThat(g.remainingMinor()).isEqualTo(5_000L);
        });
        String promo = grants.get(0).grant().grantId();
        CreditGrant bought = TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_bought", account, "usd", 20_000, 50,
                now - 86_400, null));
        assertThat(tables.creditStore().commit(List.of(LedgerEntry.drawdown(bought, 20_000, 1_250, "tin_" + account + "_1", now - 60))))
                .isEqualTo(CreditStore.Outcome.APPLIED);

        Result shown = tally("credits", account);

        assertThat(shown.exitCode()).isZero();
        assertThat(shown.out()).contains("Credit of " + account + " at ", "Balance USD: 237.50 USD available",
                "GRANT", "SOURCE", "PRIORITY", "EFFECTIVE", "EXPIRES", "AMOUNT", "REMAINING", "STATUS", "Ledger entries");
        assertThat(shown.row("promotional")).containsExactly(promo, "promotional", "20",
                java.time.Instant.ofEpochSecond(grants.get(0).grant().effectiveAt()).toString(),
                java.time.Instant.ofEpochSecond(grants.get(0).grant().expiresAt()).toString(), "50.00 USD", "50.00 USD", "active");
        assertThat(shown.row("purchase")).containsExactly("cg_bought", "purchase", "50",
                java.time.Instant.ofEpochSecond(now - 86_400).toString(), "never", "200.00 USD", "187.50 USD", "active");
        assertThat(shown.out().indexOf(promo)).as("drawdown order: priority 20 first").isLessThan(shown.out().indexOf("cg_bought "));
        assertThat(shown.row("drawdown")).containsExactly(java.time.Instant.ofEpochSecond(now - 60).toString(),
                "cg_bought", "drawdown", "-12.50 USD", "187.50 USD", "tin_" + account + "_1");

        JsonNode json = parse(tally("credits", account, "--json").out().strip());
        assertThat(json.get("account").asText()).isEqualTo(account);
        JsonNode usd = json.get("balances").get(0);
        assertThat(usd.get("currency").asText()).isEqualTo("usd");
        assertThat(usd.get("available_minor").asLong()).isEqualTo(23_750L);
        assertThat(usd.get("grants").get(0).get("grant_id").asText()).isEqualTo(promo);
        assertThat(usd.get("grants").get(0).get("created_by").asText()).isEqualTo("ana");
        assertThat(usd.get("grants").get(1).get("remaining_minor").asLong()).isEqualTo(18_750L);
        assertThat(json.get("entries")).hasSize(3);
        assertThat(tally("credits", account, "--currency", "jpy").out()).isEqualTo("No credit grants for account " + account + " in JPY.\n");
    }

    @Test
    void anUnreachableEndpointIsExitCodeOneWithAClearMessage() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Result result = run("invoices", "--dynamodb-endpoint", "http://localhost:" + closedPort);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("tally invoices: cannot reach DynamoDB at http://localhost:" + closedPort)
                .contains("Is `tally serve` running? Otherwise pass --dynamodb-endpoint, or --aws for AWS.")
                .doesNotContain("SQS", "9324", "\tat ");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void aMissingTableIsExitCodeOneNamingItsVariable() {
        Result result = run(cli -> ((InvoiceShowCommand) cli.getSubcommands().get("invoices").getSubcommands().get("show")
                        .getCommand()).connection.processEnvironment = Map.of("INVOICES_TABLE", "tally-invoices"),
                "invoices", "show", "tin_x_1", "--dynamodb-endpoint", runtime.dynamoDbEndpoint().toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("tally invoices show: DynamoDB table not found (INVOICES_TABLE=tally-invoices, "
                + "INVOICE_LINES_TABLE=InvoiceLinesTable) "
                + "at DynamoDB at " + runtime.dynamoDbEndpoint() + ":").doesNotContain("SQS", "\tat ");
    }

    @Test
    void defaultNamesAreTheRuntimesTablesAndQueues() {
        Map<String, String> functionEnv = runtime.functionEnvironment("InvoiceGeneratorFunction");
        List<String> tableVariables = functionEnv.keySet().stream().filter(k -> k.endsWith("_TABLE")).sorted().toList();
        assertThat(tableVariables).containsExactlyInAnyOrderElementsOf(ConnectionOptions.TABLE_VARIABLES);
        ConnectionOptions options = new ConnectionOptions();
        options.processEnvironment = Map.of();
        options.sqsEndpoint = runtime.sqsEndpoint();
        Env env = options.env();
        for (String variable : tableVariables) {
            assertThat(env.require(variable)).as(variable).isEqualTo(functionEnv.get(variable));
        }
        for (String queue : List.of("UsageQueue", "UsageDeadLetterQueue", "InvoiceJobsQueue")) {
            assertThat(options.queueUrl(sqs, queue)).isEqualTo(runtime.queueUrl(queue));
        }
    }

    @Test
    void redriveToAMissingTargetTouchesNoMessage() {
        String dlq = runtime.queueUrl("InvoiceJobsDeadLetterQueue");
        sqs.sendMessage(r -> r.queueUrl(dlq).messageBody("{\"job\":\"missing-target\"}"));

        Result result = tally("dlq", "redrive", "--queue", "InvoiceJobsDeadLetterQueue", "--to", "NoSuchQueue");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).isEqualTo("tally dlq redrive: no SQS queue NoSuchQueue (the target queue, --to) at SQS at "
                + runtime.sqsEndpoint() + "; nothing was read or sent. Name it by its URL, or by its name (the "
                + "template's logical id, e.g. UsageQueue).\n");
        assertThat(depth(dlq)).as("visible, not received").containsExactly("1", "0");
        // Run again at once: the message is still there to move.
        Result again = tally("dlq", "redrive", "--queue", "InvoiceJobsDeadLetterQueue", "--to", "StreamFailuresQueue");
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).startsWith("Moved 1 message from " + dlq);
        sqs.purgeQueue(r -> r.queueUrl(runtime.queueUrl("StreamFailuresQueue")));
    }

    @Test
    void aMessageTheTargetRefusesIsVisibleInTheDeadLetterQueueAgainAtOnce() {
        String dlq = runtime.queueUrl("InvoiceJobsDeadLetterQueue");
        // A FIFO queue refuses a message without a message group id.
        String fifo = sqs.createQueue(r -> r.queueName("redrive-refuses.fifo")
                .attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        sqs.sendMessage(r -> r.queueUrl(dlq).messageBody("{\"job\":\"refused\"}"));

        Result result = tally("dlq", "redrive", "--queue", "InvoiceJobsDeadLetterQueue", "--to", fifo);

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).startsWith("tally dlq redrive: ").doesNotContain("\tat ");
        assertThat(depth(dlq)).as("visible again at once, not after the visibility timeout").containsExactly("1", "0");
        Result retry = tally("dlq", "redrive", "--queue", "InvoiceJobsDeadLetterQueue", "--to", "StreamFailuresQueue");
        assertThat(retry.out()).startsWith("Moved 1 message from " + dlq);
        sqs.purgeQueue(r -> r.queueUrl(runtime.queueUrl("StreamFailuresQueue")));
    }

    // ------------------------------------------------------------------ helpers

    /** Runs {@code tally args...} against the runtime's endpoints. */
    private static Result tally(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--dynamodb-endpoint", runtime.dynamoDbEndpoint().toString(),
                "--sqs-endpoint", runtime.sqsEndpoint().toString()));
        return run(all.toArray(String[]::new));
    }

    private static void sendUsage(String body) {
        sqs.sendMessage(r -> r.queueUrl(runtime.queueUrl("UsageQueue")).messageBody(body));
    }

    private static String event(String id, String account, String meter, String quantity, long timestamp) {
        return "{\"id\":\"" + id + "\",\"account\":\"" + account + "\",\"meter\":\"" + meter + "\",\"quantity\":"
                + quantity + ",\"timestamp\":" + timestamp + "}";
    }

    private static List<UsageRejectionItem> rejectionsOf(String account) {
        return tables.usageRejections.scan().items().stream().filter(r -> account.equals(r.accountId)).toList();
    }

    /** Visible and in-flight messages of a queue, as SQS reports them. */
    private static List<String> depth(String queueUrl) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return List.of(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
                a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    private static long now() {
        return runtime.clock().instant().getEpochSecond();
    }

    /** A finalized invoice, its lines and (when {@code credits} is positive) one credit line. */
    private static Invoice invoice(String account, String currency, long start, long end, long credits, InvoiceLine... lines) {
        List<InvoiceLine> all = new java.util.ArrayList<>(List.of(lines));
        if (credits > 0) {
            all.add(new InvoiceLine("credit:cg_test", LineType.CREDIT, null, null, start, end, BigDecimal.ONE, BigDecimal.ZERO,
                    BigDecimal.ONE, -credits, "Prepaid credits", null, null));
        }
        long subtotal = Stream.of(lines).mapToLong(InvoiceLine::amountMinor).sum();
        return new Invoice(Invoice.idFor("sub_" + account, start), account, account, "sub_" + account, start, end, currency,
                InvoiceStatus.OPEN, all, subtotal, credits, subtotal - credits, "test", end + 3_660, end + 3_660, null);
    }

    /** Writes an invoice the way the invoice generator does: draft, lines, finalization. */
    private Invoice store(Invoice invoice) {
        DynamoDbInvoiceStore store = new DynamoDbInvoiceStore(tables);
        long attempt = store.beginDraft(invoice).orElseThrow();
        store.writeLines(invoice.invoiceId(), attempt, invoice.lines().stream().filter(l -> l.type() != LineType.CREDIT).toList());
        assertThat(store.finalizeDraft(invoice, attempt, Drawdown.none(invoice.accountId(), invoice.currency(), invoice.invoiceId())))
                .isEqualTo(InvoiceStore.FinalizeOutcome.FINALIZED);
        return invoice;
    }

    private static InvoiceLine line(String priceId, String meter, String quantity, String included, String billable,
                                    long amountMinor, long events) {
        return new InvoiceLine("usage:" + priceId, LineType.USAGE, priceId, meter, 1_767_225_600L, 1_769_904_000L,
                new BigDecimal(quantity), new BigDecimal(included), new BigDecimal(billable), amountMinor, meter, null,
                new InvoiceLine.Trace("test#" + meter, "", events));
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the usage event log holds an event with this id (a filtered scan: the test tables are small). */
    private boolean logged(String eventId) {
        return tables.client.scan(r -> r.tableName(tables.usageEventsTable).consistentRead(true)
                .filterExpression("eventId = :i")
                .expressionAttributeValues(java.util.Map.of(":i", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(eventId))))
                .count() > 0;
    }
}
