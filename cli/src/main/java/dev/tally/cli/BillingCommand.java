package dev.tally.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code tally billing}: billing on the running {@code tally serve}. Only groups {@link BillingRunCommand}. */
@Command(name = "billing", mixinStandardHelpOptions = true,
        description = "Billing on the local runtime: run it now.",
        subcommands = {BillingRunCommand.class})
final class BillingCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: run");
    }
}
