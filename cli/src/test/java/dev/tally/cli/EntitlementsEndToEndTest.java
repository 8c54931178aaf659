package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.local.LocalRuntime;
import dev.tally.testsupport.PaymentItems;
import dev.tally.testsupport.TallyFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static dev.tally.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Entitlements through the local runtime, as products and operators reach them: {@code GET /entitlements/{account}}
 * on the HTTP API (200 with the JSON, 404 for an unknown account), {@code tally entitlements}, and the demo's dunning
 * walk (past_due, restricted by the billing run on the advanced clock, active after payment) fed with payments-table
 * items of the contract's shape.
 */
class EntitlementsEndToEndTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static CliTestSupport.Running running;
    private static LocalRuntime runtime;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        running = CliTestSupport.Running.start(false);
        runtime = running.runtime();
    }

    @AfterAll
    static void stop() {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void getEntitlementsAnswers200WithTheJsonAnd404ForAnUnknownAccount() throws Exception {
        long now = runtime.clock().instant().getEpochSecond();
        String account = TallyFixtures.uniqueId("org_http");
        TallyFixtures.seedCustomer(running.tables(), account, "business", now - 86_400, now);

        HttpResponse<String> ok = get("/entitlements/" + account);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("content-type")).contains("application/json");
        JsonNode body = JSON.readTree(ok.body());
        assertThat(body.get("account").asText()).isEqualTo(account);
        assertThat(body.get("plan").asText()).isEqualTo("business");
        assertThat(body.get("access").asBoolean()).isTrue();
        assertThat(body.get("features")).extracting(JsonNode::asText).containsExactly("audit_log", "ci_builds", "image_registry", "sso");
        assertThat(body.get("dunning").get("state").asText()).isEqualTo("active");
        assertThat(body.get("dunning").get("restricted_usage").asText()).isEqualTo("flag");
        assertThat(body.get("limits").get(0).get("meter").asText()).isEqualTo("build_minutes");
        assertThat(body.get("limits").get(0).get("quantity_per_period").asText()).isEqualTo("5000");
        assertThat(body.get("limits").get(0).get("usage_beyond_included").asText()).isEqualTo("allowed");

        HttpResponse<String> missing = get("/entitlements/org_nobody_here");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(missing.body()).get("message").asText()).isEqualTo("no account org_nobody_here");
    }

    @Test
    void theDunningWalkGoesPastDueRestrictedAndBackToActiveAndTheCommandShowsIt() throws Exception {
        long now = runtime.clock().instant().getEpochSecond();
        String account = TallyFixtures.uniqueId("org_dunning");
        TallyFixtures.seedCustomer(running.tables(), account, "team", now - 86_400, now);
        DemoScenario demo = new DemoScenario(runtime, CliTestSupport.WEBHOOK_SECRET, 3_600, new PrintStream(OutputStream.nullOutputStream()));

        String payments = running.tables().paymentsTable;
        long[] paidAt = new long[1];
        ObjectNode walk = demo.dunningWalk(account, "in_walk",
                () -> running.tables().client.putItem(r -> r.tableName(payments)
                        .item(PaymentItems.item("in_walk", account, "payment_failed", 1, now, now))),
                () -> {
                    paidAt[0] = runtime.clock().instant().getEpochSecond();
                    running.tables().client.putItem(r -> r.tableName(payments)
                            .item(PaymentItems.item("in_walk", account, "paid", 2, now, paidAt[0])));
                }, 7);

        assertThat(walk.get("states")).extracting(JsonNode::asText).containsExactly("past_due", "restricted", "active");
        assertThat(walk.get("history")).extracting(h -> h.get("from").asText() + "->" + h.get("to").asText() + " " + h.get("cause").asText())
                .containsExactly("active->past_due payment_failed", "past_due->restricted days_elapsed", "restricted->active payment_received");

        CliTestSupport.Result json = run("entitlements", account, "--json", "--dynamodb-endpoint", runtime.dynamoDbEndpoint().toString());
        assertThat(json.exitCode()).as(json.err()).isZero();
        JsonNode shown = JSON.readTree(json.out());
        assertThat(shown.get("dunning").get("state").asText()).isEqualTo("active");
        assertThat(shown.get("history")).extracting(h -> h.get("cause_id").asText())
                .containsExactly("payment_failed:in_walk:1", "days_elapsed:restricted:" + now, "payment_received:in_walk:" + paidAt[0]);

        CliTestSupport.Result text = run("entitlements", account, "--dynamodb-endpoint", runtime.dynamoDbEndpoint().toString());
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("  Plan:      team", "  Features:  ci_builds, image_registry", "Dunning history");
        assertThat(text.row("build_minutes")).isEqualTo(List.of("build_minutes", "1500", "allowed", "allowed"));

        CliTestSupport.Result unknown = run("entitlements", "org_nobody_here", "--dynamodb-endpoint", runtime.dynamoDbEndpoint().toString());
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("no account org_nobody_here");
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(runtime.httpEndpoint() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
