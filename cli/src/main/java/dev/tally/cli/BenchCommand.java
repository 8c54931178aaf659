package dev.tally.cli;

import dev.tally.cli.bench.ColdStartCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tally bench}: benchmarks, each a program that prints its figures beside a baseline measured in the same run.
 * Only groups its subcommands; run alone it is a usage error.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that print their figures beside a baseline from the same run.",
        subcommands = {ColdStartCommand.class})
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: coldstart");
    }
}
