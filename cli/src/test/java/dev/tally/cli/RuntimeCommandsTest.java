package dev.tally.cli;

import dev.tally.cli.CliTestSupport.Result;
import dev.tally.local.LocalRuntime;
import dev.tally.store.AccountItem;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.GrantSource;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.testsupport.TallyFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tally stripe trigger|listen}, {@code tally clock show|advance|set}, {@code tally invoices preview} and
 * {@code tally billing run} against a runtime
 * started as {@code tally serve} starts it (schedules fire by themselves), checked through what they print and the
 * tables. Each test uses its own account ids; the clock only moves forward, so no test depends on its value.
 */
class RuntimeCommandsTest {
    private static CliTestSupport.Running running;
    private static LocalRuntime runtime;
    private static TallyTables tables;

    @BeforeAll
    static void start() {
        running = CliTestSupport.Running.start(true);
        runtime = running.runtime();
        tables = running.tables();
    }

    @AfterAll
    static void stop() {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void triggeredEventsAreSignedAcceptedAndAppliedInTheirOrder() {
        String account = TallyFixtures.uniqueId("org_trigger");

        Result early = tally("stripe", "trigger", "customer.subscription.created", "--account", account, "--plan", "team");
        assertThat(early.exitCode()).isEqualTo(1);
        assertThat(early.out().lines().toList().get(1)).isEqualTo("  503 retry: customer cus_" + account + " is not known yet");
        assertThat(early.err()).startsWith("tally stripe trigger: Tally answered 503 to evt_")
                .contains("trigger what it depends on first, e.g. customer.created --account " + account);

        Result customer = tally("stripe", "trigger", "customer.created", "--account", account, "--name", "Acme Corp");
        assertThat(customer.exitCode()).isZero();
        List<String> lines = customer.out().lines().toList();
        assertThat(lines.get(0)).matches("Triggered customer\\.created evt_\\w{24} -> POST " + runtime.httpEndpoint()
                + "/webhooks/stripe");
        assertThat(lines.get(1)).isEqualTo("  200 applied: account " + account);
        AccountItem stored = tables.accounts.getItem(r -> r.key(k -> k.partitionValue(account)));
        assertThat(stored.stripeCustomerId).isEqualTo("cus_" + account);
        assertThat(stored.name).isEqualTo("Acme Corp");

        assertThat(tally("stripe", "trigger", "customer.subscription.created", "--account", account, "--plan", "business")
                .out()).contains("  200 applied: subscription sub_" + account + " (active)");
        SubscriptionItem sub = subscription(account);
        assertThat(sub.planId).isEqualTo("business");
        long now = runtime.clock().instant().getEpochSecond();
        assertThat(sub.periodStart).isBetween(now - 60, now);
        assertThat(sub.periodEnd).isGreaterThan(now + 27 * 86_400L);

        assertThat(tally("stripe", "trigger", "checkout.session.completed", "--account", account, "--amount", "5000")
                .out()).contains("  200 applied: granted 50.00 USD to " + account);
        List<GrantBalance> grants = tables.creditStore().grants(account);
        assertThat(grants).singleElement().satisfies(g -> {
            assertThat(g.remainingMinor()).isEqualTo(5000L);
            assertThat(g.grant().source()).isEqualTo(GrantSource.PURCHASE);
            assertThat(g.grant().grantId()).isEqualTo("cg_" + g.grant().sourceRef()).startsWith("cg_cs_");
        });

        // Each trigger is an invoice of its own, recorded in the payments table (dunning reads it from there).
        for (var payment : List.of(List.of("invoice.paid", "paid"), List.of("invoice.payment_failed", "payment_failed"))) {
            Result result = tally("stripe", "trigger", payment.get(0), "--account", account, "--amount", "750");
            assertThat(result.exitCode()).isZero();
            assertThat(result.out()).containsPattern("  200 applied: invoice in_\\w+ " + payment.get(1) + " \\(attempt 1\\)");
        }
        assertThat(tables.paymentStore().ofAccount(account)).extracting(p -> p.paymentState().wire() + " " + p.amountDueMinor())
                .containsExactlyInAnyOrder("paid 750", "payment_failed 750");

        assertThat(tally("stripe", "trigger", "customer.subscription.deleted", "--account", account, "--plan", "business")
                .out()).contains("  200 applied: subscription sub_" + account + " (canceled)");
        assertThat(subscription(account).status).isEqualTo("canceled");
    }

    @Test
    void listenPrintsEachWebhookAndTallysAnswerAsItArrives() throws Exception {
        String account = TallyFixtures.uniqueId("org_listen");
        StringWriter listened = new StringWriter();
        CompletableFuture<Integer> listen = CompletableFuture.supplyAsync(() -> CliTestSupport.run(
                cli -> cli.setOut(new PrintWriter(listened, true)),
                "stripe", "listen", "--max", "2", "--http-endpoint", runtime.httpEndpoint().toString()).exitCode());
        for (int i = 0; i < 200 && !listened.toString().startsWith("Ready!"); i++) {
            Thread.sleep(100);
        }

        Result created = tally("stripe", "trigger", "customer.created", "--account", account);
        Result updated = tally("stripe", "trigger", "customer.updated", "--account", account, "--email", "ap@example.com");

        assertThat(listen.get(30, TimeUnit.SECONDS)).isZero();
        List<String> lines = listened.toString().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("Ready! Listening for the Stripe webhooks " + runtime.httpEndpoint()
                + " receives (POST /webhooks/stripe). Ctrl-C stops.");
        String time = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}";
        String createdId = eventId(created);
        String updatedId = eventId(updated);
        assertThat(lines.subList(1, lines.size())).hasSize(4);
        assertThat(lines.get(1)).matches(time + "  --> customer\\.created \\[" + createdId + "]");
        assertThat(lines.get(2)).matches(time + "  <-- \\[200] POST /webhooks/stripe applied: account " + account
                + " \\[" + createdId + "]");
        assertThat(lines.get(3)).matches(time + "  --> customer\\.updated \\[" + updatedId + "]");
        assertThat(lines.get(4)).matches(time + "  <-- \\[200] POST /webhooks/stripe applied: account " + account
                + " \\[" + updatedId + "]");

        // --all replays what the runtime kept, from the oldest.
        Result all = tally("stripe", "listen", "--all", "--max", "1", "--print-json");
        assertThat(all.out().lines().toList().get(2)).startsWith("{\"id\":\"evt_").contains("\"object\":\"event\"");
    }

    @Test
    void theClockMovesForwardOnlyAndBillingRunsOnIt() {
        Result show = tally("clock", "show");
        assertThat(show.exitCode()).isZero();
        assertThat(show.out()).matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z \\(\\d+ seconds since the epoch; ticking\\)\\n");
        Instant before = runtime.clock().instant();

        Result advanced = tally("clock", "advance", "1d2h");
        assertThat(advanced.exitCode()).isZero();
        assertThat(advanced.out()).matches("Clock advanced from \\S+ to \\S+; the schedules it passed have run and the "
                + "system is idle\\.\\n");
        assertThat(runtime.clock().instant()).isBetween(before.plusSeconds(26 * 3600), before.plusSeconds(26 * 3600 + 60));

        Result back = tally("clock", "advance", "--to", "2020-01-01");
        assertThat(back.exitCode()).isEqualTo(1);
        assertThat(back.err()).startsWith("tally clock advance: the local runtime refused: the clock only moves forward: it is ")
                .endsWith(", and 2020-01-01T00:00:00Z is in its past\n");

        Result billing = tally("billing", "run");
        assertThat(billing.exitCode()).isZero();
        assertThat(billing.out()).matches("Billing run at \\S+: \\d+ invoice jobs? queued and processed\\. "
                + "`tally invoices` lists the invoices\\.\\n");
    }

    @Test
    void aPeriodIsRehearsedOnTheClockFromItsPreviewToItsInvoice() throws Exception {
        String account = TallyFixtures.uniqueId("org_rehearse");
        assertThat(tally("stripe", "trigger", "customer.created", "--account", account).exitCode()).isZero();
        assertThat(tally("stripe", "trigger", "customer.subscription.created", "--account", account, "--plan", "team")
                .exitCode()).isZero();

        // Before the period ends: the invoice as it stands, computed and not stored. The team plan's fee (25.00 USD a
        // month, in advance) for this first period and the next.
        Result preview = tally("invoices", "preview", account, "--json");
        assertThat(preview.exitCode()).as(preview.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode draft = new com.fasterxml.jackson.databind.ObjectMapper().readTree(preview.out());
        assertThat(draft.get("status").asText()).isEqualTo("draft");
        assertThat(draft.get("subtotalMinor").asLong()).isEqualTo(5_000L);
        assertThat(tally("invoices", "preview", account).out()).contains("Preview at", "Team base fee", "50.00 USD");
        assertThat(tables.invoices.scan().items().stream().filter(i -> account.equals(i.accountId))).isEmpty();

        // Past its end and grace: clock set fires the hourly billing run on the way, and the invoice is finalized.
        long periodEnd = subscription(account).periodEnd;
        Result set = tally("clock", "set", Long.toString(periodEnd + 7_200));
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).startsWith("Clock set from ");
        Result invoices = CliTestSupport.run("invoices", "--account", account, "--dynamodb-endpoint",
                runtime.dynamoDbEndpoint().toString());
        assertThat(invoices.out()).contains("tin_sub_" + account, "open", "50.00 USD");
        assertThat(tally("clock", "set", "2020-01-01").exitCode()).as("never back").isEqualTo(1);
        assertThat(tally("invoices", "preview", "org_nobody_here").exitCode()).isEqualTo(1);
    }

    private static Result tally(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--http-endpoint", runtime.httpEndpoint().toString()));
        return CliTestSupport.run(all.toArray(String[]::new));
    }

    private static String eventId(Result trigger) {
        return trigger.out().lines().findFirst().orElseThrow().split(" ")[2];
    }

    private static SubscriptionItem subscription(String account) {
        return tables.subscriptions.getItem(r -> r.key(k -> k.partitionValue("sub_" + account)).consistentRead(true));
    }
}
