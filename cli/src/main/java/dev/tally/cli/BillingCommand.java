package dev.tally.cli;

import picocli.CommandLine.Command;

/** {@code tally billing}: billing on the running {@code tally serve}. Only groups {@link BillingRunCommand}. */
@Command(name = "billing", mixinStandardHelpOptions = true,
        description = "Billing on the local runtime: run it now.",
        subcommands = {BillingRunCommand.class})
final class BillingCommand extends CommandGroup {
}
