package dev.tally.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code tally} program. Run it through {@code ./tally} at the repository root, which builds it on first use.
 */
@Command(name = "tally", mixinStandardHelpOptions = true, version = "tally 0.1.0",
        description = "Usage-based billing: run the whole system on this machine, or operate it.",
        subcommands = {ServeCommand.class, DemoCommand.class, CommandLine.HelpCommand.class})
public final class TallyCli {

    private TallyCli() {
    }

    /**
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new TallyCli()).execute(args));
    }
}
