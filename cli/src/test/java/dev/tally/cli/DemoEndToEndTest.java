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

import java.io.OutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
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

    @BeforeAll
    static void runDemo() {
        RuntimeOptions options = CliTestSupport.runtimeOptions();
        runtime = RuntimeFactory.start(options, false);
        report = new DemoScenario(runtime, options.webhookSecret, options.gracePeriodSeconds,
                new PrintStream(OutputStream.nullOutputStream())).run();
        Env env = Env.of(runtime.functionEnvironment("InvoiceGeneratorFunction"));
        tables = new TallyTables(AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build(), env);
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void everyUsageEventSentIsCountedDuplicateOrRejected() {
        JsonNode usage = report.get("usage");
        assertThat(usage.get("sent").asLong())
                .isEqualTo(usage.get("counted").asLong() + usage.get("duplicates").asLong() + usage.get("rejected").asLong());
        assertThat(usage.get("duplicates").asLong()).isPositive();
        assertThat(usage.get("rejected").asLong()).isEqualTo(8);
        assertThat(usage.get("rejections_by_reason").fieldNames()).toIterable()
                .containsExactlyInAnyOrder("UNKNOWN_METER", "UNKNOWN_ACCOUNT", "NEGATIVE_QUANTITY", "TIMESTAMP_IN_FUTURE",
                        "INVALID_FIELD", "TIMESTAMP_TOO_OLD", "QUANTITY_ABOVE_MAXIMUM", "MALFORMED_JSON");
    }

    @Test
    void eachInvoiceTotalIsItsLinesLessCreditsApplied() {
        assertThat(report.get("invoices")).hasSize(4);
        for (JsonNode invoice : report.get("invoices")) {
            long lines = StreamSupport.stream(invoice.get("lines").spliterator(), false)
                    .mapToLong(l -> l.get("amount_minor").asLong()).sum();
            assertThat(invoice.get("subtotal_minor").asLong()).isEqualTo(lines);
            assertThat(invoice.get("total_minor").asLong())
                    .isEqualTo(lines - invoice.get("credits_applied_minor").asLong());
            assertThat(invoice.get("credits_applied_minor").asLong()).isBetween(0L, lines);
        }
    }

    @Test
    void eachLineQuantityIsTheSumOfTheDistinctEventsCountedForIt() {
        Map<String, BigDecimal> expected = new HashMap<>();
        Map<String, Long> events = new HashMap<>();
        for (var page : tables.client.scanPaginator(r -> r.tableName(tables.usageEventsTable).consistentRead(true))) {
            for (var item : page.items()) {
                RecordedEvent e = DynamoDbUsageStore.eventFromItem(item);
                expected.merge(e.account() + "/" + e.meter(), e.quantity(), BigDecimal::add);
                events.merge(e.account() + "/" + e.meter(), 1L, Long::sum);
            }
        }
        int lines = 0;
        for (JsonNode invoice : report.get("invoices")) {
            for (JsonNode line : invoice.get("lines")) {
                String key = invoice.get("account").asText() + "/" + line.get("meter").asText();
                assertThat(line.get("quantity").decimalValue()).as(key)
                        .isEqualByComparingTo(expected.getOrDefault(key, BigDecimal.ZERO));
                assertThat(line.get("usage_events").asLong()).as(key).isEqualTo(events.getOrDefault(key, 0L));
                lines++;
            }
        }
        assertThat(lines).isGreaterThanOrEqualTo(expected.size());
    }

    @Test
    void prepaidCreditsAreDrawnDownOnceAndTheLedgerAgrees() {
        JsonNode globex = StreamSupport.stream(report.get("invoices").spliterator(), false)
                .filter(i -> i.get("account").asText().equals("org_globex")).findFirst().orElseThrow();
        long applied = globex.get("credits_applied_minor").asLong();
        assertThat(applied).isEqualTo(Math.min(25_000L, globex.get("subtotal_minor").asLong()));
        JsonNode balance = report.get("credit_balances").get(0);
        assertThat(balance.get("granted_minor").asLong()).isEqualTo(25_000L);
        assertThat(balance.get("balance_minor").asLong()).isEqualTo(25_000L - applied);
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
        assertThat(finalizes).isEqualTo(billable).isEqualTo(3);
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
    void alertsAreRaisedOncePerThreshold() {
        List<String> ids = StreamSupport.stream(report.get("alerts").spliterator(), false).map(a -> a.get("id").asText()).toList();
        assertThat(ids).doesNotHaveDuplicates()
                .contains("usage:org_acme:build_minutes:" + report.get("invoices").get(0).get("period_start").asLong() + ":1");
        assertThat(StreamSupport.stream(report.get("alerts").spliterator(), false).map(a -> a.get("type").asText()))
                .contains("usage.threshold_crossed", "credits.balance_low");
    }
}
