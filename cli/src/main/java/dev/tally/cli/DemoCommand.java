package dev.tally.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.local.LocalRuntime;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code tally demo}: starts the runtime, drives the demo scenario through it and prints what it billed. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Starts the local runtime and drives a month of billing through its real entry points: signed "
                + "Stripe webhooks, usage on SQS, a billing run on an advanced clock. Prints invoices, alerts and the "
                + "Stripe requests it would send.",
                "Ports default to free ones (so a running `tally serve` is no obstacle); give them to reach the "
                        + "system at known endpoints, e.g. with --keep-running.",
                "Shows progress on a terminal (not under CI). Exit code 1 when it cannot start or the report cannot "
                        + "be written."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RuntimeOptions options = RuntimeOptions.freePorts();

    @Option(names = "--report", paramLabel = "FILE",
            description = "Write the report as JSON to this file (relative to the working directory).")
    Path report;

    @Option(names = "--keep-running", description = "Keep the runtime up after the demo, until Ctrl-C.")
    boolean keepRunning;

    @Override
    public Integer call() throws InterruptedException {
        options.check(spec);
        Path reportFile = report == null ? null : report.toAbsolutePath().normalize();
        if (reportFile != null && (reportFile.getParent() == null || !Files.isDirectory(reportFile.getParent()))) {
            throw new Failure("cannot write the report to " + reportFile + ": no directory " + reportFile.getParent());
        }
        try (LocalRuntime runtime = RuntimeFactory.start(options, false)) {
            System.out.println(runtime.describe());
            ObjectNode result = new DemoScenario(runtime, options.webhookSecret, options.gracePeriodSeconds, System.out)
                    .withProgress(Progress.forThisProcess()).run();
            if (reportFile != null) {
                try {
                    new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(reportFile.toFile(), result);
                } catch (IOException e) {
                    throw new Failure("cannot write the report to " + reportFile + ": " + e.getMessage(), e);
                }
                System.out.println("\nReport written to " + reportFile);
            }
            if (keepRunning) {
                System.out.println("Runtime still up; Ctrl-C stops.");
                Thread.currentThread().join();
            }
        }
        return 0;
    }
}
