package dev.tally.cli;

import picocli.CommandLine.Command;

/**
 * {@code tally dlq}: dead-letter queues. Only groups {@link DlqRedriveCommand}; run alone it is a usage error.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "Dead-letter queues: move their messages back to the queue they came from.",
        subcommands = {DlqRedriveCommand.class})
final class DlqCommand extends CommandGroup {
}
