package dev.tally.cli;

import dev.tally.alerts.AlertSettings;
import dev.tally.alerts.DynamoDbAlertStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tally alerts set ACCOUNT [--usage-shares 50,80,100] [--spend 50000[,100000]] [--balance-low MINOR]
 * [--currency usd]}: writes an account's own alert settings; each kind given replaces the one set before, the others
 * are kept (a kind never set follows the plan's). Usage shares are percentages of each included quantity in (0, 100] (and consumed percentages of the
 * active credit grants, for {@code credits.balance_low}); {@code --spend} and {@code --balance-low} are whole minor
 * units of {@code --currency} (default: the currency of the account's subscription). Exit code 2 for an invalid
 * value, 1 when the table cannot be written.
 */
@Command(name = "set", mixinStandardHelpOptions = true,
        description = {"Sets an account's customer alert settings; kinds not given keep what was set, or the plan's.",
                "--spend and --balance-low are in minor units (50000 = 500.00 USD).",
                "Exit code 1 when the table cannot be written, 2 on invalid usage."})
final class AlertsSetCommand extends OpsCommand {

    @Parameters(paramLabel = "ACCOUNT", description = "The account, e.g. org_acme.")
    String account;

    @Option(names = "--usage-shares", paramLabel = "PERCENTS",
            description = "Percentages of each included quantity, comma-separated, each in (0, 100], e.g. 50,80,100.")
    String usageShares;

    @Option(names = "--spend", paramLabel = "MINOR[,MINOR...]",
            description = "Amounts of the open period's charges that raise spend.threshold_crossed, minor units, e.g. 50000.")
    String spend;

    @Option(names = "--balance-low", paramLabel = "MINOR",
            description = "A prepaid balance at or below which credits.balance_low is raised, minor units.")
    Long balanceLow;

    @Option(names = "--currency", paramLabel = "CODE", description = "ISO 4217 code of the amounts. Default: the subscription's.")
    String currency;

    @Override
    List<String> tablesUsed() {
        return List.of("ALERTS_TABLE");
    }

    @Override
    int run() {
        if (usageShares == null && spend == null && balanceLow == null) {
            throw new ParameterException(spec.commandLine(), "Give at least one of --usage-shares, --spend, --balance-low");
        }
        AlertSettings given = settings();
        AlertSettings settings;
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            DynamoDbAlertStore store = new DynamoDbAlertStore(connection.tables(ddb));
            settings = store.settings(account).map(before -> merged(before, given)).orElse(given);
            store.saveSettings(settings);
        }
        out().println("Alert settings of " + account + " saved: " + jsonLine(AlertsCommand.json(account, java.util.Optional.of(settings)).get("settings")));
        return 0;
    }

    /** The settings the options describe; invalid usage (exit code 2) when a value is wrong. */
    AlertSettings settings() {
        List<BigDecimal> shares = new ArrayList<>();
        for (String part : split(usageShares)) {
            try {
                shares.add(AlertsCommand.share(part));
            } catch (ArithmeticException | NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "--usage-shares " + part + " is not a percentage with at most 10 decimals");
            }
        }
        List<Long> amounts = new ArrayList<>();
        for (String part : split(spend)) {
            try {
                amounts.add(Long.parseLong(part));
            } catch (NumberFormatException e) {
                throw new ParameterException(spec.commandLine(), "--spend " + part + " is not a whole number of minor units");
            }
        }
        String code = currency == null ? null : CreditsCommand.currency(spec, currency);
        try {
            return new AlertSettings(account, shares, amounts, balanceLow, code, clock.instant().getEpochSecond());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage().replace("a usage share is in (0, 1]",
                    "a usage share is a percentage in (0, 100]"));
        }
    }

    /** The settings before with the kinds given now replaced; the currency given replaces the one before. */
    private AlertSettings merged(AlertSettings before, AlertSettings given) {
        return new AlertSettings(account, usageShares == null ? before.usageShares() : given.usageShares(),
                spend == null ? before.spendAmountsMinor() : given.spendAmountsMinor(),
                balanceLow == null ? before.balanceLowMinor() : given.balanceLowMinor(),
                currency == null ? before.currency() : given.currency(), given.updatedAt());
    }

    private static List<String> split(String csv) {
        return csv == null ? List.of() : java.util.Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
