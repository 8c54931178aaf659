package dev.tally.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tally dlq}: dead-letter queues. Only groups {@link DlqRedriveCommand}; run alone it is a usage error.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "Dead-letter queues: move their messages back to the queue they came from.",
        subcommands = {DlqRedriveCommand.class})
final class DlqCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: redrive");
    }
}
