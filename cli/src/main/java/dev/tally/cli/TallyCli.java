package dev.tally.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tally} program. Run it through {@code ./tally} at the repository root, which builds it on first use.
 *
 * <p>{@code serve} and {@code demo} run the system on this machine; {@code usage}, {@code invoices} and {@code dlq}
 * operate a running system, local or on AWS ({@link ConnectionOptions}). Exit codes: 0 done, 1 failed (a message on
 * stderr says why), 2 invalid usage.
 */
@Command(name = "tally", mixinStandardHelpOptions = true, version = "tally 0.1.0",
        description = "Usage-based billing: run the whole system on this machine, or operate it.",
        subcommands = {ServeCommand.class, DemoCommand.class, UsageCommand.class, InvoicesCommand.class, DlqCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class TallyCli {

    /** For picocli; tests run commands through {@code new CommandLine(new TallyCli()).execute(...)}. */
    TallyCli() {
    }

    /**
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        // DynamoDB Local's bundled SDK v1 warns through java.util.logging that JAXB is missing; it does not need it.
        QUIET_SDK_V1.setLevel(java.util.logging.Level.SEVERE);
        System.exit(new CommandLine(new TallyCli()).execute(args));
    }

    /** Held so the level sticks: java.util.logging keeps loggers only weakly. */
    private static final java.util.logging.Logger QUIET_SDK_V1 = java.util.logging.Logger.getLogger("com.amazonaws");
}
