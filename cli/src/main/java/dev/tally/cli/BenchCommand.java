package dev.tally.cli;

import dev.tally.cli.bench.ColdStartCommand;
import picocli.CommandLine.Command;

/**
 * {@code tally bench}: benchmark programs. Each prints its figures beside a baseline's measured in the same run, and
 * ends with one line of JSON. Only groups its subcommands; run alone it is a usage error.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks, each beside a baseline measured in the same run; the last line is JSON.",
        subcommands = {BenchIngestCommand.class, BenchBillingCommand.class, BenchWebhooksCommand.class, ColdStartCommand.class})
final class BenchCommand extends CommandGroup {
}
