package dev.tally.cli;

import com.sun.net.httpserver.HttpServer;
import dev.tally.cli.CliTestSupport.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

import static dev.tally.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every command's exit codes as documented (0 done, 1 could not do it, 2 invalid usage), without a running system:
 * expected failures (nothing listening, a port in use, a missing file, an endpoint that is not a local runtime) are
 * one line naming the problem and what to do, never a stack trace unless {@code --verbose}. The 0 paths, and 1 for
 * missing queues, tables and ids, are in {@link OpsCommandsTest}, {@link RuntimeCommandsTest} and {@link ReadmeTest}.
 */
class ExitCodesTest {
    private static int closedPort;
    private static String nothing;
    private static HttpServer notTally;

    @BeforeAll
    static void endpoints() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        nothing = "http://localhost:" + closedPort;
        notTally = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        notTally.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        notTally.start();
    }

    @AfterAll
    static void stop() {
        notTally.stop(0);
    }

    @Test
    void tallyAndEachGroupAloneAreInvalidUsage() {
        for (String[] args : new String[][]{{}, {"usage"}, {"dlq"}, {"stripe"}, {"clock"}, {"billing"}, {"bench"}, {"no-such-command"},
                {"invoices", "--no-such-option"}}) {
            boolean group = args.length > 0 && !args[0].equals("no-such-command");
            usage(run(args), group ? "tally " + args[0] : "tally");
        }
        assertThat(run().err()).contains("Missing command: one of serve, demo, stripe, clock, billing, usage, invoices, credits, entitlements, alerts, reconcile, dlq, bench, rate");
    }

    @Test
    void serve() throws IOException {
        try (ServerSocket busy = new ServerSocket(0)) {
            Result inUse = run("serve", "--template", template(), "--http-port", Integer.toString(busy.getLocalPort()),
                    "--sqs-port", "0", "--dynamodb-port", "0");
            failed(inUse, "tally serve: port " + busy.getLocalPort() + " (--http-port) is in use, perhaps by another "
                    + "`tally serve`; stop that, or choose another port with --http-port (0 picks a free one)");
        }
        failed(run("serve", "--template", "no/such/template.yaml", "--http-port", "0", "--sqs-port", "0", "--dynamodb-port", "0"),
                "tally serve: no template at " + Path.of("no/such/template.yaml").toAbsolutePath() + "; pass --template");
        usage(run("serve", "--http-port", "70000"), "tally serve");
        usage(run("serve", "--http-port", "3999", "--sqs-port", "3999"), "tally serve");
        usage(run("serve", "--http-port", "many"), "tally serve");
    }

    @Test
    void demo() throws IOException {
        try (ServerSocket busy = new ServerSocket(0)) {
            failed(run("demo", "--template", template(), "--sqs-port", Integer.toString(busy.getLocalPort())),
                    "tally demo: port " + busy.getLocalPort() + " (--sqs-port) is in use");
        }
        failed(run("demo", "--template", "missing.yaml"), "tally demo: no template at " + Path.of("missing.yaml").toAbsolutePath());
        failed(run("demo", "--template", template(), "--report", "no/such/dir/report.json"),
                "tally demo: cannot write the report to " + Path.of("no/such/dir/report.json").toAbsolutePath());
        usage(run("demo", "--dynamodb-port", "-1"), "tally demo");
        usage(run("demo", "--grace-period", "-5"), "tally demo");
    }

    @Test
    void usageRejectionsAndReplay() {
        failed(run("usage", "rejections", "--dynamodb-endpoint", nothing),
                "tally usage rejections: cannot reach DynamoDB at " + nothing);
        usage(run("usage", "rejections", "--limit", "-1"), "tally usage rejections");
        usage(run("usage", "rejections", "--dynamodb-endpoint", "localhost:8000"), "tally usage rejections");
        failed(run("usage", "replay", "--reason", "UNKNOWN_ACCOUNT", "--sqs-endpoint", nothing),
                "tally usage replay: cannot reach SQS at " + nothing);
        usage(run("usage", "replay"), "tally usage replay");
        usage(run("usage", "replay", "--reason", "UNKNOWN_ACCOUNT", "--rejection", "x#0"), "tally usage replay");
        failed(run("usage", "show", "org_acme", "--dynamodb-endpoint", nothing),
                "tally usage show: cannot reach DynamoDB at " + nothing);
        usage(run("usage", "show"), "tally usage show");
        usage(run("usage", "show", "org_acme", "--by", "week"), "tally usage show");
        usage(run("usage", "show", "org_acme", "--from", "yesterday", "--to", "2026-12-01"), "tally usage show");
        usage(run("usage", "show", "org_acme", "--meter", "gpu_hours"), "tally usage show");
    }

    @Test
    void benchIngest() {
        usage(run("bench", "ingest", "--events", "5"), "tally bench ingest");
        usage(run("bench", "ingest", "--accounts", "0"), "tally bench ingest");
    }

    @Test
    void invoicesAndShow() {
        failed(run("invoices", "--dynamodb-endpoint", nothing), "tally invoices: cannot reach DynamoDB at " + nothing);
        usage(run("invoices", "--dynamodb-endpoint", "localhost:8000"), "tally invoices");
        failed(run("invoices", "show", "tin_x", "--dynamodb-endpoint", nothing),
                "tally invoices show: cannot reach DynamoDB at " + nothing);
        usage(run("invoices", "show"), "tally invoices show");
        failed(run("invoices", "--status", "sync_failed", "--dynamodb-endpoint", nothing),
                "tally invoices: cannot reach DynamoDB at " + nothing);
        usage(run("invoices", "--status", "stuck"), "tally invoices");
        failed(run("invoices", "resync", "tin_x", "--http-endpoint", nothing),
                "tally invoices resync: cannot reach the local runtime at " + nothing + " (connection refused). "
                        + "Is `tally serve` running? Otherwise pass --http-endpoint with its HTTP API.");
        String notRuntime = "http://localhost:" + notTally.getAddress().getPort();
        failed(run("invoices", "resync", "tin_x", "--http-endpoint", notRuntime), "tally invoices resync: " + notRuntime
                + " answers, but is not a local Tally runtime (no admin API under /_tally/, HTTP 404)");
        failed(CliTestSupport.run(cli -> ((InvoiceResyncCommand) cli.getSubcommands().get("invoices").getSubcommands()
                        .get("resync").getCommand()).connection.processEnvironment = java.util.Map.of(),
                "invoices", "resync", "tin_x", "--aws"),
                "tally invoices resync: set STRIPE_API_KEY to the Stripe secret key (the one in the secret the function's "
                        + "STRIPE_API_KEY_SECRET_ARN names) to resync in AWS");
        usage(run("invoices", "resync"), "tally invoices resync");
    }

    @Test
    void reconcile() {
        failed(run("reconcile", "--dynamodb-endpoint", nothing), "tally reconcile: cannot reach DynamoDB at " + nothing);
        failed(run("reconcile", "--last", "--period", "2026-02", "--account", "org_acme", "--dynamodb-endpoint", nothing),
                "tally reconcile: cannot reach DynamoDB at " + nothing);
        usage(run("reconcile", "--period", "2026-13"), "tally reconcile");
        usage(run("reconcile", "--period", "february"), "tally reconcile");
        usage(run("reconcile", "--period", "2026-03-01..2026-02-01"), "tally reconcile");
    }

    @Test
    void creditsAndGrant() {
        failed(run("credits", "org_acme", "--dynamodb-endpoint", nothing), "tally credits: cannot reach DynamoDB at " + nothing);
        usage(run("credits"), "tally credits");
        usage(run("credits", "org_acme", "--currency", "dollars"), "tally credits");
        String[] valid = {"credits", "grant", "org_acme", "--amount", "5000", "--currency", "usd", "--reason", "Launch offer", "--by", "ana"};
        failed(run(concat(valid, "--dynamodb-endpoint", nothing)), "tally credits grant: cannot reach DynamoDB at " + nothing);
        usage(run("credits", "grant", "org_acme", "--amount", "50.00", "--currency", "usd", "--reason", "x", "--by", "ana"),
                "tally credits grant");
        assertThat(run("credits", "grant", "org_acme", "--amount", "50.00", "--currency", "usd", "--reason", "x", "--by", "ana").err())
                .contains("--amount 50.00 is not a whole number of minor units (5000 is 50.00 USD, 500 is 500 JPY)");
        usage(run(concat(valid, "--amount", "0")), "tally credits grant");
        usage(run("credits", "grant", "org_acme", "--amount", "5000", "--currency", "usd", "--by", "ana"), "tally credits grant");
        usage(run(concat(valid, "--reason", " ")), "tally credits grant");
        usage(run(concat(valid, "--priority", "101")), "tally credits grant");
        usage(run(concat(valid, "--currency", "xyz")), "tally credits grant");
        usage(run(concat(valid, "--expires", "next month")), "tally credits grant");
        usage(run(concat(valid, "--expires", "2020-01-01")), "tally credits grant");
        usage(run(concat(valid, "--expires", "0d")), "tally credits grant");
        usage(run(concat(valid, "--source", "purchase")), "tally credits grant");
        usage(run("credits", "grant", "--amount", "5000", "--currency", "usd", "--reason", "x"), "tally credits grant");
    }

    private static String[] concat(String[] args, String... more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    @Test
    void dlqRedrive() {
        failed(run("dlq", "redrive", "--queue", "UsageDeadLetterQueue", "--sqs-endpoint", nothing),
                "tally dlq redrive: cannot reach SQS at " + nothing);
        usage(run("dlq", "redrive", "--queue", "UsageDeadLetterQueue", "--max", "0"), "tally dlq redrive");
        usage(run("dlq", "redrive"), "tally dlq redrive");
    }

    @Test
    void stripeTriggerAndListen() {
        failed(run("stripe", "trigger", "customer.created", "--account", "org_x", "--http-endpoint", nothing),
                "tally stripe trigger: cannot reach the local runtime at " + nothing + " (connection refused). "
                        + "Is `tally serve` running? Otherwise pass --http-endpoint with its HTTP API.");
        usage(run("stripe", "trigger", "charge.refunded", "--account", "org_x"), "tally stripe trigger");
        usage(run("stripe", "trigger", "customer.created"), "tally stripe trigger");
        usage(run("stripe", "trigger", "customer.subscription.created", "--account", "org_x"), "tally stripe trigger");
        usage(run("stripe", "trigger", "customer.subscription.created", "--account", "org_x", "--plan", "gold"),
                "tally stripe trigger");
        usage(run("stripe", "trigger", "checkout.session.completed", "--account", "org_x"), "tally stripe trigger");
        usage(run("stripe", "trigger", "customer.subscription.created", "--account", "org_x", "--plan", "team",
                "--start", "yesterday"), "tally stripe trigger");
        failed(run("stripe", "listen", "--http-endpoint", nothing), "tally stripe listen: cannot reach the local runtime");
        usage(run("stripe", "listen", "--max", "0"), "tally stripe listen");
    }

    @Test
    void clockAndBilling() {
        failed(run("clock", "show", "--http-endpoint", nothing), "tally clock show: cannot reach the local runtime");
        failed(run("clock", "advance", "1h", "--http-endpoint", nothing), "tally clock advance: cannot reach the local runtime");
        String notRuntime = "http://localhost:" + notTally.getAddress().getPort();
        failed(run("clock", "show", "--http-endpoint", notRuntime), "tally clock show: " + notRuntime
                + " answers, but is not a local Tally runtime (no admin API under /_tally/, HTTP 404)");
        usage(run("clock", "advance", "soon"), "tally clock advance");
        usage(run("clock", "advance", "0s"), "tally clock advance");
        usage(run("clock", "advance", "--to", "next week"), "tally clock advance");
        usage(run("clock", "advance"), "tally clock advance");
        usage(run("clock", "advance", "1h", "--to", "2027-01-01"), "tally clock advance");
        failed(run("billing", "run", "--http-endpoint", nothing), "tally billing run: cannot reach the local runtime");
    }

    @Test
    void rate() {
        String example = CliTestSupport.repoRoot().resolve("catalog/examples/stripe-graduated-fonts.json").toString();
        failed(run("rate", "--price", "no/such/price.json", "--quantity", "1"),
                "tally rate: no price file at " + Path.of("no/such/price.json").toAbsolutePath() + "; pass --price FILE, or - to read standard input");
        usage(run("rate", "--price", example), "tally rate");
        usage(run("rate", "--quantity", "1"), "tally rate");
        usage(run("rate", "--price", example, "--quantity", "many"), "tally rate");
        usage(run("rate", "--price", example, "--quantity", "-1"), "tally rate");
        usage(run("rate", "--price", example, "--quantity", "1", "--included", "-0.5"), "tally rate");
    }

    @Test
    void verboseAddsTheStackTrace() {
        Result quiet = run("invoices", "--dynamodb-endpoint", nothing);
        Result verbose = run("invoices", "--dynamodb-endpoint", nothing, "--verbose");
        assertThat(verbose.exitCode()).isEqualTo(1);
        assertThat(verbose.err()).startsWith(quiet.err().lines().findFirst().orElseThrow()).contains("\tat ");
        assertThat(run("--verbose", "clock", "show", "--http-endpoint", nothing).err()).contains("\tat ");
    }

    private static String template() {
        return CliTestSupport.repoRoot().resolve("template.yaml").toString();
    }

    /** Exit code 1, stderr starting with {@code expected}, one line, no stack trace, nothing on stdout. */
    private static void failed(Result result, String expected) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(1);
        assertThat(result.err()).startsWith(expected).doesNotContain("\tat ", "Exception");
        assertThat(result.err().lines()).hasSize(1);
        assertThat(result.out()).isEmpty();
    }

    /** Exit code 2, the command named, where to find its usage, no stack trace. */
    private static void usage(Result result, String command) {
        assertThat(result.exitCode()).as(result.err()).isEqualTo(2);
        assertThat(result.err()).startsWith(command + ": ").contains("Usage: `" + command)
                .doesNotContain("\tat ");
    }
}
