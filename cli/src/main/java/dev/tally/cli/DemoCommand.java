package dev.tally.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.local.LocalRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tally demo}: starts the runtime, drives the demo scenario through it and prints what it billed. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts the local runtime and drives a month of billing through its real entry points: signed "
                + "Stripe webhooks, usage on SQS, a billing run on an advanced clock. Prints invoices, alerts and the "
                + "Stripe requests it would send.",
                "Ports default to free ones here (so a running `tally serve` is no obstacle); set them to keep the "
                        + "system up with --keep-running."})
final class DemoCommand implements Callable<Integer> {
    @Mixin
    RuntimeOptions options;

    @Option(names = "--report", description = "Write the report as JSON to this file.")
    Path report;

    @Option(names = "--keep-running", description = "Keep the runtime up after the demo, until Ctrl-C.")
    boolean keepRunning;

    @Override
    public Integer call() throws IOException, InterruptedException {
        boolean explicitPorts = keepRunning;
        try (LocalRuntime runtime = RuntimeFactory.start(options,
                explicitPorts ? options.httpPort : 0, explicitPorts ? options.sqsPort : 0, explicitPorts ? options.dynamoDbPort : 0, false)) {
            System.out.println(runtime.describe());
            ObjectNode result = new DemoScenario(runtime, options.webhookSecret, options.gracePeriodSeconds, System.out).run();
            if (report != null) {
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(report.toFile(), result);
                System.out.println("\nReport written to " + report.toAbsolutePath());
            }
            if (keepRunning) {
                System.out.println("Runtime still up; Ctrl-C stops.");
                Thread.currentThread().join();
            }
        }
        return 0;
    }
}
