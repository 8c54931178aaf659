package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.alerts.AlertSettings;
import dev.tally.alerts.DynamoDbAlertStore;
import dev.tally.testsupport.TallyFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import static dev.tally.cli.CliTestSupport.Result;
import static dev.tally.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tally alerts set ACCOUNT ...} and {@code tally alerts ACCOUNT} against a local runtime's alerts table. */
class AlertsCommandTest {
    private static CliTestSupport.Running running;

    @BeforeAll
    static void start() {
        running = CliTestSupport.Running.start(false);
    }

    @AfterAll
    static void stop() {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void settingsAreStoredKindByKindAndShown() throws Exception {
        String account = TallyFixtures.uniqueId("org_alerts");
        assertThat(tally("alerts", account).out()).isEqualTo("No alert settings for account " + account + ": its plan's (catalog) apply.\n");

        Result set = tally("alerts", "set", account, "--spend", "50000", "--currency", "USD", "--usage-shares", "50, 80,100");
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out()).isEqualTo("Alert settings of " + account + " saved: {\"usage_shares\":[\"0.5\",\"0.8\",\"1\"],"
                + "\"spend_minor\":[50000],\"balance_low_minor\":null,\"currency\":\"usd\",\"updated_at\":"
                + store().settings(account).orElseThrow().updatedAt() + "}\n");

        // a later set changes only the kinds it gives
        assertThat(tally("alerts", "set", account, "--balance-low", "2500").exitCode()).isZero();
        AlertSettings stored = store().settings(account).orElseThrow();
        assertThat(stored.usageShares()).containsExactly(new BigDecimal("0.5"), new BigDecimal("0.8"), BigDecimal.ONE);
        assertThat(stored.spendAmountsMinor()).containsExactly(50_000L);
        assertThat(stored.balanceLowMinor()).isEqualTo(2_500L);
        assertThat(stored.currency()).isEqualTo("usd");

        Result shown = tally("alerts", account);
        assertThat(shown.exitCode()).isZero();
        assertThat(shown.row("usage shares:")).containsExactly("usage shares:", "50%, 80%, 100%");
        assertThat(shown.row("spend:")).containsExactly("spend:", "500.00 USD");
        assertThat(shown.row("balance low:")).containsExactly("balance low:", "25.00 USD");
        assertThat(shown.row("currency:")).containsExactly("currency:", "USD");

        JsonNode json = new ObjectMapper().readTree(tally("alerts", account, "--json").out());
        assertThat(json.get("account").asText()).isEqualTo(account);
        assertThat(json.get("settings").get("spend_minor").get(0).asLong()).isEqualTo(50_000L);
        assertThat(json.get("settings").get("balance_low_minor").asLong()).isEqualTo(2_500L);
    }

    @Test
    void invalidValuesAreRefusedWithExitCodeTwoAndNothingIsWritten() {
        String account = TallyFixtures.uniqueId("org_alerts");
        for (String[] args : List.of(new String[]{"--usage-shares", "150"}, new String[]{"--usage-shares", "0"},
                new String[]{"--spend", "12.5"}, new String[]{"--spend", "0"}, new String[]{"--balance-low", "-1"},
                new String[]{"--spend", "100", "--currency", "dollars"}, new String[]{})) {
            List<String> all = new ArrayList<>(List.of("alerts", "set", account));
            all.addAll(List.of(args));
            Result refused = tally(all.toArray(String[]::new));
            assertThat(refused.exitCode()).as(String.join(" ", args) + ": " + refused.err()).isEqualTo(2);
        }
        assertThat(tally("alerts", "set", account, "--usage-shares", "150").err()).contains("a usage share is a percentage in (0, 100]");
        assertThat(store().settings(account)).isEmpty();
    }

    private static DynamoDbAlertStore store() {
        return new DynamoDbAlertStore(running.tables());
    }

    private static Result tally(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--dynamodb-endpoint", running.runtime().dynamoDbEndpoint().toString(),
                "--sqs-endpoint", running.runtime().sqsEndpoint().toString()));
        return run(all.toArray(String[]::new));
    }
}
