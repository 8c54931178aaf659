package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.alerts.AlertSettings;
import dev.tally.alerts.DynamoDbAlertStore;
import dev.tally.money.Currencies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * {@code tally alerts ACCOUNT [--json]}: an account's own customer alert settings (usage shares, spend amounts,
 * balance-low amount, their currency) as {@code tally alerts set} stored them in the alerts table
 * ({@code ALERTS_TABLE}); a kind not set follows the plan's {@code alerts} in the catalog, or the function's default
 * usage shares. Shares print as percentages, amounts in major units with the currency; {@code --json} prints minor
 * units and shares as decimal strings.
 */
@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = {"Shows an account's customer alert settings (what `tally alerts set` stored).",
                "Kinds not set follow the plan's alerts in the catalog.",
                "Exit code 1 when the table cannot be read, 2 on invalid usage."},
        subcommands = {AlertsSetCommand.class})
final class AlertsCommand extends OpsCommand {

    @Parameters(paramLabel = "ACCOUNT", arity = "0..1", description = "The account, e.g. org_acme.")
    String account;

    @Option(names = "--json", description = "One JSON object: minor units, shares as decimal strings.")
    boolean json;

    @Override
    List<String> tablesUsed() {
        return List.of("ALERTS_TABLE");
    }

    @Override
    int run() {
        if (account == null) {
            throw new ParameterException(spec.commandLine(), "Missing ACCOUNT (or the subcommand set)");
        }
        Optional<AlertSettings> settings;
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            settings = new DynamoDbAlertStore(connection.tables(ddb)).settings(account);
        }
        if (json) {
            out().println(jsonLine(json(account, settings)));
            return 0;
        }
        if (settings.isEmpty()) {
            out().println("No alert settings for account " + account + ": its plan's (catalog) apply.");
            return 0;
        }
        AlertSettings s = settings.get();
        String currency = s.currency();
        out().println("Alert settings of " + account + " (set " + RuntimeCommand.iso(s.updatedAt()) + ")");
        out().println("  usage shares:  " + (s.usageShares().isEmpty() ? "the plan's"
                : s.usageShares().stream().map(AlertsCommand::percent).collect(Collectors.joining(", "))));
        out().println("  spend:         " + (s.spendAmountsMinor().isEmpty() ? "the plan's"
                : s.spendAmountsMinor().stream().map(a -> amount(a, currency)).collect(Collectors.joining(", "))));
        out().println("  balance low:   " + (s.balanceLowMinor() == null ? "shares only" : amount(s.balanceLowMinor(), currency)));
        out().println("  currency:      " + (currency == null ? "the subscription's" : currency.toUpperCase(java.util.Locale.ROOT)));
        return 0;
    }

    /** The settings as {@code --json} prints them. */
    static ObjectNode json(String account, Optional<AlertSettings> settings) {
        ObjectNode node = JSON.createObjectNode().put("account", account);
        if (settings.isEmpty()) {
            return node.putNull("settings");
        }
        AlertSettings s = settings.get();
        ObjectNode out = node.putObject("settings");
        var shares = out.putArray("usage_shares");
        s.usageShares().forEach(share -> shares.add(share.toPlainString()));
        var spend = out.putArray("spend_minor");
        s.spendAmountsMinor().forEach(spend::add);
        if (s.balanceLowMinor() == null) {
            out.putNull("balance_low_minor");
        } else {
            out.put("balance_low_minor", s.balanceLowMinor());
        }
        out.put("currency", s.currency()).put("updated_at", s.updatedAt());
        return node;
    }

    /** 0.8 as {@code 80%}, 0.125 as {@code 12.5%}. */
    static String percent(BigDecimal share) {
        return share.movePointRight(2).stripTrailingZeros().toPlainString() + "%";
    }

    private static String amount(long minor, String currency) {
        return currency == null ? minor + " (minor units of the subscription's currency)" : Currencies.format(minor, currency);
    }

    /** @return the share of a percentage, {@code 80} as 0.8 (at most 12 decimals as a share) */
    static BigDecimal share(String percent) {
        return new BigDecimal(percent.trim().replace("%", "")).movePointLeft(2).setScale(12, RoundingMode.UNNECESSARY).stripTrailingZeros();
    }
}
