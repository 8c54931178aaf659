package dev.tally.cli;

import picocli.CommandLine.Command;

/**
 * {@code tally stripe}: a local Stripe, the way Stripe's own CLI works against a local endpoint. Only groups
 * {@link StripeTriggerCommand} and {@link StripeListenCommand}; run alone it is a usage error.
 */
@Command(name = "stripe", mixinStandardHelpOptions = true,
        description = "A local Stripe for `tally serve`: trigger signed webhook events, watch those it receives.",
        subcommands = {StripeTriggerCommand.class, StripeListenCommand.class})
final class StripeCommand extends CommandGroup {
}
