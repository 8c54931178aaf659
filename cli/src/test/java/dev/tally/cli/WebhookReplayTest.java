package dev.tally.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import dev.tally.credit.GrantBalance;
import dev.tally.local.LocalRuntime;
import dev.tally.local.stripe.StripeEvents;
import dev.tally.payment.PaymentState;
import dev.tally.store.TallyTables;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replays Stripe payloads (Stripe's fixture objects in events of the pinned API version) through the local HTTP API,
 * as Stripe would deliver them: duplicates, reversed order, bad, rotated and expired signatures, unknown types,
 * malformed JSON and oversized bodies; each with its HTTP status, outcome and the state it leaves.
 */
class WebhookReplayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREVIOUS_SECRET = "whsec_replay_previous";
    private static LocalRuntime runtime;
    private static TallyTables tables;
    private static String secret;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        RuntimeOptions options = CliTestSupport.runtimeOptions();
        secret = options.webhookSecret;
        // Mid-rotation: the endpoint holds the new secret and the one being rotated out.
        options.webhookSecret = secret + "," + PREVIOUS_SECRET;
        runtime = RuntimeFactory.start(options, false);
        Env env = Env.of(runtime.functionEnvironment("StripeWebhookFunction"));
        tables = new TallyTables(AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build(), env);
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    record Answer(int status, String outcome) {
    }

    long now() {
        return runtime.clock().instant().getEpochSecond();
    }

    Answer post(String payload, String signature) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(runtime.httpEndpoint().resolve("/webhooks/stripe"))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(payload));
        if (signature != null) {
            request.header("stripe-signature", signature);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()).path("outcome").asText());
    }

    Answer post(String payload) throws IOException, InterruptedException {
        return post(payload, StripeEvents.sign(payload, secret, now()));
    }

    @Test
    void customerAndSubscriptionInReverseOrderThenDuplicated() throws Exception {
        long t = now();
        String customer = StripeEvents.event("evt_replay_cus", "customer.created", t - 600,
                StripeEvents.customer("cus_replay", "org_replay", "Replay Ltd", "r@example.test", t - 86_400));
        String subscription = StripeEvents.event("evt_replay_sub", "customer.subscription.created", t - 500,
                StripeEvents.subscription("sub_replay", "cus_replay", "price_tally_team_monthly", "usd", t - 500, t + 30 * 86_400));

        assertThat(post(subscription)).isEqualTo(new Answer(503, "retry"));
        assertThat(post(customer)).isEqualTo(new Answer(200, "applied"));
        assertThat(post(subscription)).isEqualTo(new Answer(200, "applied"));
        assertThat(post(customer)).isEqualTo(new Answer(200, "duplicate"));
        assertThat(post(subscription)).isEqualTo(new Answer(200, "duplicate"));

        assertThat(tables.subscriptions.getItem(r -> r.key(k -> k.partitionValue("sub_replay"))).accountId).isEqualTo("org_replay");
        assertThat(tables.subscriptions.getItem(r -> r.key(k -> k.partitionValue("sub_replay"))).version).isEqualTo(1L);
    }

    @Test
    void signaturesBadRotatedAndExpired() throws Exception {
        long t = now();
        String payload = StripeEvents.event("evt_replay_sig", "customer.created", t - 60,
                StripeEvents.customer("cus_replay_sig", "org_replay_sig", "Sig Ltd", "s@example.test", t - 86_400));

        assertThat(post(payload, null)).isEqualTo(new Answer(400, "rejected"));
        assertThat(post(payload, StripeEvents.sign(payload, "whsec_forged", t))).isEqualTo(new Answer(400, "rejected"));
        assertThat(post(payload, StripeEvents.sign(payload, secret, t - 301))).isEqualTo(new Answer(400, "rejected"));
        assertThat(tables.accounts.getItem(r -> r.key(k -> k.partitionValue("org_replay_sig")))).isNull();

        assertThat(post(payload, StripeEvents.sign(payload, PREVIOUS_SECRET, t))).isEqualTo(new Answer(200, "applied"));
        assertThat(tables.accounts.getItem(r -> r.key(k -> k.partitionValue("org_replay_sig"))).stripeCustomerId).isEqualTo("cus_replay_sig");
    }

    @Test
    void unknownTypesMalformedJsonAndOversizedBodies() throws Exception {
        long t = now();
        ObjectNode product = JSON.createObjectNode().put("id", "prod_replay").put("object", "product").put("created", t);
        assertThat(post(StripeEvents.event("evt_replay_product", "product.created", t, product))).isEqualTo(new Answer(200, "ignored"));
        assertThat(post("{\"id\": \"evt_replay_broken\", ")).isEqualTo(new Answer(400, "rejected"));

        ObjectNode huge = StripeEvents.customer("cus_replay_huge", "org_replay_huge", "Huge", "h@example.test", t);
        huge.put("description", "x".repeat(600 * 1024));
        assertThat(post(StripeEvents.event("evt_replay_huge", "customer.created", t, huge))).isEqualTo(new Answer(413, "rejected"));
        assertThat(tables.accounts.getItem(r -> r.key(k -> k.partitionValue("org_replay_huge")))).isNull();
    }

    @Test
    void creditPurchaseRefundAndInvoicePaymentsOutOfOrder() throws Exception {
        long t = now();
        assertThat(post(StripeEvents.event("evt_replay_pay_cus", "customer.created", t - 5000,
                StripeEvents.customer("cus_replay_pay", "org_replay_pay", "Pay Ltd", "p@example.test", t - 86_400))))
                .isEqualTo(new Answer(200, "applied"));
        assertThat(post(StripeEvents.event("evt_replay_cs", "checkout.session.completed", t - 4000,
                StripeEvents.creditPurchase("cs_replay", "cus_replay_pay", 8_000, "usd", t - 4100)))).isEqualTo(new Answer(200, "applied"));
        String refund = StripeEvents.event("evt_replay_refund", "charge.refunded", t - 3000,
                StripeEvents.charge("ch_replay", "cus_replay_pay", StripeEvents.paymentIntentOf("cs_replay"), 8_000, 2_000, "usd", t - 4100));
        assertThat(post(refund)).isEqualTo(new Answer(200, "applied"));
        assertThat(post(refund)).isEqualTo(new Answer(200, "duplicate"));
        GrantBalance grant = tables.creditStore().grant("org_replay_pay", "cg_cs_replay").orElseThrow();
        assertThat(grant.remainingMinor()).isEqualTo(6_000L);

        // invoice.paid arrives before the payment failure that preceded it.
        assertThat(post(StripeEvents.event("evt_replay_in_paid", "invoice.paid", t - 1000,
                StripeEvents.invoice("in_replay", "cus_replay_pay", null, 4_900, "usd", true, t - 1000))))
                .isEqualTo(new Answer(200, "applied"));
        assertThat(post(StripeEvents.event("evt_replay_in_failed", "invoice.payment_failed", t - 2000,
                StripeEvents.invoice("in_replay", "cus_replay_pay", null, 4_900, "usd", false, t - 2000))))
                .isEqualTo(new Answer(200, "stale"));
        assertThat(tables.paymentStore().find("in_replay").orElseThrow().paymentState()).isEqualTo(PaymentState.PAID);
    }
}
