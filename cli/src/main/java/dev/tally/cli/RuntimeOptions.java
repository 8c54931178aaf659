package dev.tally.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Options shared by the commands that start the local runtime ({@code serve}, {@code demo}), and the checks made
 * before starting it ({@link #check}), so that a port in use or a missing template is one clear sentence rather than
 * an exception from deep inside a server.
 */
final class RuntimeOptions {
    /**
     * System property naming the repository root, set by the {@code ./tally} launcher: the default template is
     * {@code template.yaml} there, while every path given on the command line resolves against the caller's working
     * directory.
     */
    static final String HOME_PROPERTY = "tally.home";

    @Option(names = "--http-port", paramLabel = "PORT",
            description = "Port of the HTTP API (Stripe webhooks, the admin API). 0 picks a free port. Default: ${DEFAULT-VALUE}.")
    int httpPort = 3000;

    @Option(names = "--sqs-port", paramLabel = "PORT",
            description = "Port of the SQS endpoint (ElasticMQ). 0 picks a free port. Default: ${DEFAULT-VALUE}.")
    int sqsPort = 9324;

    @Option(names = "--dynamodb-port", paramLabel = "PORT",
            description = "Port of the DynamoDB endpoint (DynamoDB Local). 0 picks a free port. Default: ${DEFAULT-VALUE}.")
    int dynamoDbPort = 8000;

    @Option(names = "--template", paramLabel = "FILE",
            description = "SAM template that wires the system. Default: ${DEFAULT-VALUE}.")
    Path template = Path.of(System.getProperty(HOME_PROPERTY, "")).resolve("template.yaml");

    @Option(names = "--webhook-secret", paramLabel = "WHSEC", description = "Stripe webhook signing secret (whsec_...). "
            + "Default: $STRIPE_WEBHOOK_SECRET, else a fixed local secret.")
    String webhookSecret = System.getenv().getOrDefault("STRIPE_WEBHOOK_SECRET", "whsec_tally_local_development");

    @Option(names = "--grace-period", paramLabel = "SECONDS",
            description = "Seconds after a period ends before it is invoiced. Default: ${DEFAULT-VALUE}.")
    long gracePeriodSeconds = 3600;

    @Option(names = "--clock", paramLabel = "TIME", converter = InstantConverter.class,
            description = "Start the runtime's clock at TIME (e.g. 2026-05-01T00:00:00Z) instead of now; it ticks from "
                    + "there and `tally clock advance|set` move it forward, like a Stripe test clock.")
    java.time.Instant clockStart;

    /** @return options whose ports default to 0 (free ones), for {@code tally demo} and tests */
    static RuntimeOptions freePorts() {
        RuntimeOptions options = new RuntimeOptions();
        options.httpPort = 0;
        options.sqsPort = 0;
        options.dynamoDbPort = 0;
        return options;
    }

    /**
     * Checks what can be checked before starting: the ports are in range, distinct and free, the grace period is
     * not negative, and the template exists.
     *
     * @param spec the command, for usage errors
     * @throws ParameterException (exit code 2) for a port out of range, a port given twice, a negative grace period
     * @throws Failure (exit code 1) for a port in use or a missing template
     */
    void check(CommandSpec spec) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("--http-port", httpPort);
        ports.put("--sqs-port", sqsPort);
        ports.put("--dynamodb-port", dynamoDbPort);
        Map<Integer, String> seen = new HashMap<>();
        for (Map.Entry<String, Integer> p : ports.entrySet()) {
            int port = p.getValue();
            if (port < 0 || port > 65_535) {
                throw new ParameterException(spec.commandLine(), p.getKey() + " must be 0 (a free port) to 65535, found " + port);
            }
            String other = port == 0 ? null : seen.putIfAbsent(port, p.getKey());
            if (other != null) {
                throw new ParameterException(spec.commandLine(), other + " and " + p.getKey() + " are both " + port
                        + "; each endpoint needs its own port");
            }
        }
        if (gracePeriodSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "--grace-period must be 0 or more seconds");
        }
        if (!Files.isRegularFile(template)) {
            throw new Failure("no template at " + template.toAbsolutePath().normalize() + "; pass --template with the "
                    + "path of the SAM template (template.yaml at the repository root)");
        }
        for (Map.Entry<String, Integer> p : ports.entrySet()) {
            if (p.getValue() != 0 && inUse(p.getValue())) {
                throw new Failure("port " + p.getValue() + " (" + p.getKey() + ") is in use, perhaps by another "
                        + "`tally serve`; stop that, or choose another port with " + p.getKey() + " (0 picks a free one)");
            }
        }
    }

    private static boolean inUse(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(port));
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
