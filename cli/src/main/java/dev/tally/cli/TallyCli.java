package dev.tally.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code tally} program. Run it through {@code ./tally} at the repository root, which builds it on first use.
 *
 * <p>{@code serve} and {@code demo} run the system on this machine; {@code stripe}, {@code clock} and
 * {@code billing} drive a running {@code tally serve} through its HTTP API ({@link RuntimeClient}); {@code usage},
 * {@code invoices}, {@code credits}, {@code reconcile} and {@code dlq} operate a running system, local or on AWS ({@link ConnectionOptions}); {@code rate}
 * rates a quantity with a price file and needs no system. Exit codes
 * ({@link Errors}): 0 done, 1 could not do it (a message on stderr says why and what to do), 2 invalid usage.
 * {@code --verbose} adds stack traces to failures.
 */
@Command(name = "tally", mixinStandardHelpOptions = true, version = "tally 0.1.0",
        description = {"Usage-based billing: run the whole system on this machine, drive it, or operate it.",
                "Exit codes: 0 done, 1 could not do it (stderr says why), 2 invalid usage."},
        subcommands = {ServeCommand.class, DemoCommand.class, StripeCommand.class, ClockCommand.class,
                BillingCommand.class, UsageCommand.class, InvoicesCommand.class, CreditsCommand.class, EntitlementsCommand.class,
                AlertsCommand.class, ReconcileCommand.class, DlqCommand.class, BenchCommand.class,
                RateCommand.class, CommandLine.HelpCommand.class})
public final class TallyCli implements Runnable {
    @Spec
    CommandSpec spec;


    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "On a failure, print the stack trace too.")
    boolean verbose;

    /** For picocli; use {@link #commandLine()}. */
    TallyCli() {
    }

    /** {@code tally} alone is a usage error (exit code 2) that lists the commands. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: one of "
                + String.join(", ", spec.subcommands().keySet()));
    }

    /**
     * The {@code tally} command line with the program's error policy ({@link Errors#install}); tests run commands
     * through {@code TallyCli.commandLine().execute(...)}.
     *
     * @return a new command line
     */
    static CommandLine commandLine() {
        return Errors.install(new CommandLine(new TallyCli()));
    }

    /**
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        // DynamoDB Local's bundled SDK v1 warns through java.util.logging that JAXB is missing; it does not need it.
        QUIET_SDK_V1.setLevel(java.util.logging.Level.SEVERE);
        System.exit(commandLine().execute(args));
    }

    /** Held so the level sticks: java.util.logging keeps loggers only weakly. */
    private static final java.util.logging.Logger QUIET_SDK_V1 = java.util.logging.Logger.getLogger("com.amazonaws");
}
