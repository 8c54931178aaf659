package dev.tally.cli;

import picocli.CommandLine.Command;

/**
 * {@code tally clock}: the running {@code tally serve}'s clock, which every function and schedule reads. Like a
 * Stripe test clock it starts at the real time and can only move forward. Only groups {@link ClockShowCommand},
 * {@link ClockAdvanceCommand} and {@link ClockSetCommand}; run alone it is a usage error.
 */
@Command(name = "clock", mixinStandardHelpOptions = true,
        description = "The local runtime's clock (like a Stripe test clock): show it, advance it, set it.",
        subcommands = {ClockShowCommand.class, ClockAdvanceCommand.class, ClockSetCommand.class})
final class ClockCommand extends CommandGroup {
}
