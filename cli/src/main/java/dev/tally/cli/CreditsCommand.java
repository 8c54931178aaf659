package dev.tally.cli;

import dev.tally.credit.CreditBalance;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.LedgerEntry;
import dev.tally.money.Currencies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.List;

/**
 * {@code tally credits ACCOUNT [--currency C] [--json]}: an account's prepaid credit: per currency the balance
 * available now and each credit grant (source, priority, effective and expiry times, amount, what is left, status),
 * in drawdown order; then the ledger entries, oldest first. Amounts print in major units with the currency code;
 * {@code --json} prints one object ({@link CreditsJson}). {@code tally credits grant ...} issues a grant
 * ({@link CreditGrantCommand}). Reads the credits table ({@code CREDITS_TABLE}) strongly consistent.
 */
@Command(name = "credits", mixinStandardHelpOptions = true,
        description = {"Shows an account's prepaid credit: balance per currency, credit grants, ledger entries.",
                "`tally credits grant ACCOUNT ...` issues a promotional or goodwill grant.",
                "Exit code 1 when the table cannot be read, 2 on invalid usage."},
        subcommands = {CreditGrantCommand.class})
final class CreditsCommand extends OpsCommand {

    @Parameters(paramLabel = "ACCOUNT", arity = "0..1", description = "The account, e.g. org_acme.")
    String account;

    @Option(names = "--currency", paramLabel = "CODE", description = "Only this currency (ISO 4217, e.g. usd).")
    String currency;

    @Option(names = "--json", description = "One JSON object: minor units, epoch seconds.")
    boolean json;

    @Override
    List<String> tablesUsed() {
        return List.of("CREDITS_TABLE");
    }

    @Override
    int run() {
        if (account == null) {
            throw new ParameterException(spec.commandLine(), "Missing ACCOUNT (or the subcommand grant)");
        }
        String only = currency == null ? null : currency(spec, currency);
        long now = clock.instant().getEpochSecond();
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            CreditLedger ledger = new CreditLedger(connection.tables(ddb).creditStore());
            if (json) {
                out().println(jsonLine(CreditsJson.account(ledger, account, only, now)));
                return 0;
            }
            List<CreditBalance> balances = ledger.balances(account, now).stream()
                    .filter(b -> only == null || only.equals(b.currency())).toList();
            if (balances.isEmpty()) {
                out().println("No credit grants for account " + account + (only == null ? "" : " in " + only.toUpperCase(java.util.Locale.ROOT)) + ".");
                return 0;
            }
            out().println("Credit of " + account + " at " + RuntimeCommand.iso(now));
            for (CreditBalance b : balances) {
                out().println();
                out().println("Balance " + b.currency().toUpperCase(java.util.Locale.ROOT) + ": "
                        + Currencies.format(b.availableMinor(), b.currency()) + " available");
                TextTable grants = new TextTable("GRANT", "SOURCE", ">PRIORITY", "EFFECTIVE", "EXPIRES", ">AMOUNT", ">REMAINING", "STATUS");
                for (GrantBalance g : b.grants()) {
                    grants.row(g.grant().grantId(), g.grant().source().wire(), g.grant().priority(),
                            RuntimeCommand.iso(g.grant().effectiveAt()),
                            g.grant().expiresAt() == null ? "never" : RuntimeCommand.iso(g.grant().expiresAt()),
                            Currencies.format(g.grant().amountMinor(), b.currency()),
                            Currencies.format(g.remainingMinor(), b.currency()), CreditsJson.status(g, now));
                }
                grants.print(out(), "  ");
            }
            out().println();
            out().println("Ledger entries");
            TextTable entries = new TextTable("AT", "GRANT", "TYPE", ">AMOUNT", ">REMAINING AFTER", "CAUSE");
            for (LedgerEntry e : CreditsJson.entries(ledger, account, only)) {
                String cause = switch (e.type()) {
                    case DRAWDOWN -> e.invoiceId();
                    case REVOCATION -> e.reference();
                    default -> e.description();
                };
                entries.row(RuntimeCommand.iso(e.at()), e.grantId(), e.type().wire(), Currencies.format(e.amountMinor(), e.currency()),
                        Currencies.format(e.remainingAfterMinor(), e.currency()), cause);
            }
            entries.print(out(), "  ");
        }
        return 0;
    }

    /**
     * @return the lowercase ISO 4217 code
     * @throws ParameterException when it is not one
     */
    static String currency(picocli.CommandLine.Model.CommandSpec spec, String code) {
        try {
            return Currencies.normalise(code);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--currency " + code + " is not an ISO 4217 currency code");
        }
    }
}
