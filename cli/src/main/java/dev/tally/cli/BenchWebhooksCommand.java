package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.local.LocalRuntime;
import dev.tally.local.stripe.StripeEvents;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code tally bench webhooks}: starts the local runtime (tables from template.yaml, the stripe-webhook function behind
 * the local HTTP API) and posts {@code --events} signed Stripe events of mixed types, built from Stripe's fixture
 * objects, to {@code POST /webhooks/stripe}, one at a time: customer updates, subscription updates, prepaid-credit
 * purchases, invoice payment failures and payments, entitlement summaries and a type Tally ignores. It measures each
 * request's round trip after {@code --warmup} warm-up requests (warm invocations only) and prints p50 and p99 beside
 * a baseline measured in the same run: the same requests signed with a secret the endpoint does not have, which the
 * same HTTP API and function verify and refuse without touching DynamoDB (the cost of the path and the signature
 * check alone). The last line is one JSON object: {@code {"tally": {...}, "baseline": {...}, "p99_under_1s": bool}}.
 */
@Command(name = "webhooks", mixinStandardHelpOptions = true,
        description = {"Benchmarks Stripe webhooks through the local HTTP API against a signature-only baseline.",
                "The last line is one JSON object. Exit code 1 when an event is not answered 200, or p99 is 1 s or more."})
final class BenchWebhooksCommand implements Callable<Integer> {
    private static final String TEAM_PRICE = "price_tally_team_monthly";
    private static final int CUSTOMERS = 20;

    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions options = RuntimeOptions.freePorts();

    @Option(names = "--events", paramLabel = "N", defaultValue = "2000", description = "Signed events per run. Default: ${DEFAULT-VALUE}.")
    int events;

    @Option(names = "--warmup", paramLabel = "W", defaultValue = "100", description = "Requests sent first and not measured. Default: ${DEFAULT-VALUE}.")
    int warmup;

    private final HttpClient http = HttpClient.newHttpClient();

    /** Latencies and answers of one run. */
    record Run(List<Long> nanos, Map<String, Integer> answers) {
        double p50() {
            return BenchFormat.percentile(nanos, 50);
        }

        double p99() {
            return BenchFormat.percentile(nanos, 99);
        }

        ObjectNode json() {
            ObjectNode o = OpsCommand.JSON.createObjectNode().put("requests", nanos.size())
                    .put("p50_ms", BenchFormat.round(p50())).put("p99_ms", BenchFormat.round(p99()));
            ObjectNode a = o.putObject("answers");
            answers.forEach(a::put);
            return o;
        }
    }

    @Override
    public Integer call() {
        if (events < 100 || warmup < 0) {
            throw new ParameterException(spec.commandLine(), "--events must be at least 100 and --warmup at least 0");
        }
        options.check(spec);
        System.out.printf("bench webhooks: %d events after %d warm-up requests, %d customers%n", events, warmup, CUSTOMERS);
        try (LocalRuntime runtime = RuntimeFactory.start(options, false)) {
            URI endpoint = runtime.httpEndpoint().resolve("/webhooks/stripe");
            long now = runtime.clock().instant().getEpochSecond();
            for (int c = 0; c < CUSTOMERS; c++) {
                post(endpoint, StripeEvents.event("evt_bench_customer_" + c, "customer.created", now - 86_400,
                        StripeEvents.customer(customer(c), "org_bench_" + c, "Bench " + c, "bench" + c + "@example.test", now - 86_400)),
                        options.webhookSecret, runtime);
            }
            List<String> warm = payloads("w", warmup, now);
            List<String> measured = payloads("m", events, now);
            List<String> baselineWarm = payloads("bw", warmup, now);
            List<String> baselineMeasured = payloads("bm", events, now);

            send(endpoint, warm, options.webhookSecret, runtime);
            Run tally = send(endpoint, measured, options.webhookSecret, runtime);
            send(endpoint, baselineWarm, "whsec_bench_not_the_endpoint_secret", runtime);
            Run baseline = send(endpoint, baselineMeasured, "whsec_bench_not_the_endpoint_secret", runtime);

            System.out.printf("%n%-34s %14s %14s%n", "", "tally", "signature only");
            BenchFormat.row("p50 ms", tally.p50(), baseline.p50());
            BenchFormat.row("p99 ms", tally.p99(), baseline.p99());
            System.out.printf("answers: tally %s, baseline %s%n", tally.answers(), baseline.answers());
            boolean allAnswered = tally.answers().keySet().stream().allMatch(k -> k.startsWith("200 "));
            boolean fast = tally.p99() < 1000;
            ObjectNode json = OpsCommand.JSON.createObjectNode();
            json.set("tally", tally.json());
            json.set("baseline", baseline.json());
            json.put("p99_under_1s", fast);
            System.out.println(json);
            return allAnswered && fast ? 0 : 1;
        }
    }

    private static String customer(int c) {
        return "cus_bench_" + c;
    }

    /**
     * Mixed events, cycling through the types a Stripe account sends most, each with its own id and a later
     * {@code created} than the one before (one second apart from an hour ago), so each is applied, none stale.
     */
    private static List<String> payloads(String run, int n, long now) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int c = i % CUSTOMERS;
            String cus = customer(c);
            long created = now - 3_600 + i;
            String id = "evt_bench_" + run + "_" + i;
            String uid = run + "_" + i;
            ObjectNode object;
            String type;
            switch (i % 7) {
                case 0 -> {
                    type = "customer.updated";
                    object = StripeEvents.customer(cus, "org_bench_" + c, "Bench " + c + " v" + i, "bench" + c + "@example.test", now - 86_400);
                }
                case 1 -> {
                    type = "customer.subscription.updated";
                    object = StripeEvents.subscription("sub_bench_" + c, cus, TEAM_PRICE, "usd", now - 20 * 86_400, now + 10 * 86_400);
                }
                case 2 -> {
                    type = "checkout.session.completed";
                    object = StripeEvents.creditPurchase("cs_bench_" + uid, cus, 1_000 + i, "usd", created);
                }
                case 3 -> {
                    type = "invoice.payment_failed";
                    object = StripeEvents.invoice("in_bench_" + uid, cus, "sub_bench_" + c, 4_900, "usd", false, created);
                }
                case 4 -> {
                    type = "invoice.paid";
                    object = StripeEvents.invoice("in_bench_" + uid, cus, "sub_bench_" + c, 4_900, "usd", true, created);
                }
                case 5 -> {
                    type = "entitlements.active_entitlement_summary.updated";
                    object = StripeEvents.entitlementSummary(cus, "api_access", "sso");
                }
                default -> {
                    type = "payment_intent.created";
                    object = OpsCommand.JSON.createObjectNode().put("id", "pi_bench_" + uid).put("object", "payment_intent");
                }
            }
            out.add(StripeEvents.event(id, type, created, object));
        }
        return out;
    }

    private Run send(URI endpoint, List<String> payloads, String secret, LocalRuntime runtime) {
        List<Long> nanos = new ArrayList<>(payloads.size());
        Map<String, Integer> answers = new TreeMap<>();
        for (String payload : payloads) {
            long t0 = System.nanoTime();
            String answer = post(endpoint, payload, secret, runtime);
            nanos.add(System.nanoTime() - t0);
            answers.merge(answer, 1, Integer::sum);
        }
        return new Run(nanos, answers);
    }

    /** @return status and outcome, e.g. {@code 200 applied} */
    private String post(URI endpoint, String payload, String secret, LocalRuntime runtime) {
        String signature = StripeEvents.sign(payload, secret, runtime.clock().instant().getEpochSecond());
        HttpRequest request = HttpRequest.newBuilder(endpoint).header("content-type", "application/json")
                .header("stripe-signature", signature).POST(HttpRequest.BodyPublishers.ofString(payload)).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + OpsCommand.JSON.readTree(response.body()).path("outcome").asText("?");
        } catch (IOException e) {
            throw new UncheckedIOException("webhook POST failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
