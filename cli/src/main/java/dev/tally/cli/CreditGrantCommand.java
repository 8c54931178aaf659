package dev.tally.cli;

import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.CreditStore;
import dev.tally.credit.GrantSource;
import dev.tally.money.Currencies;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Instant;
import java.util.List;

/**
 * {@code tally credits grant ACCOUNT --amount MINOR --currency C --reason TEXT [--expires T|30d] [--priority N]
 * [--source promotional|goodwill] [--by WHO]}: issues a credit grant, recorded with who ({@code --by}, default
 * {@code $USER}) and why ({@code --reason}, required), effective now. {@code --amount} is in minor units of the
 * currency, a whole number (5000 is 50.00 USD; 500 is 500 JPY), as everywhere in Tally. It writes the grant and its
 * ledger entry in one DynamoDB transaction, the same code the Stripe webhook uses for purchases; running the command
 * twice issues two grants. Exit code 2 for an invalid value, 1 when the table cannot be written.
 */
@Command(name = "grant", mixinStandardHelpOptions = true,
        description = {"Issues a promotional (or goodwill) credit grant to an account, recorded with who and why.",
                "--amount is in minor units (5000 = 50.00 USD).",
                "Exit code 1 when the table cannot be written, 2 on invalid usage."})
final class CreditGrantCommand extends OpsCommand {

    @Parameters(paramLabel = "ACCOUNT", description = "The account, e.g. org_acme.")
    String account;

    @Option(names = "--amount", required = true, paramLabel = "MINOR",
            description = "Amount in minor units of the currency, a whole number above zero: 5000 is 50.00 USD.")
    String amount;

    @Option(names = "--currency", required = true, paramLabel = "CODE", description = "ISO 4217 code, e.g. usd.")
    String currency;

    @Option(names = "--expires", paramLabel = "TIME|DURATION",
            description = "When what is left expires: 2027-01-01T00:00:00Z, 2027-01-01, epoch seconds, or from now: 30d, 12h, P90D. Default: never.")
    String expires;

    @Option(names = "--priority", paramLabel = "N", defaultValue = "" + CreditGrant.DEFAULT_PRIORITY,
            description = "0 to 100, lower is drawn first. Default: ${DEFAULT-VALUE}.")
    int priority;

    @Option(names = "--source", paramLabel = "SOURCE", defaultValue = "promotional",
            description = "promotional or goodwill. Default: ${DEFAULT-VALUE}.")
    String source;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why: recorded with the grant.")
    String reason;

    @Option(names = "--by", paramLabel = "WHO", description = "Who grants it. Default: $USER.")
    String by;

    @Override
    List<String> tablesUsed() {
        return List.of("CREDITS_TABLE");
    }

    @Override
    int run() {
        CreditGrant grant = grant(clock.instant());
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            CreditLedger ledger = new CreditLedger(connection.tables(ddb).creditStore());
            if (ledger.grant(grant) != CreditStore.Outcome.APPLIED) {
                throw new Failure("account " + account + " already has a credit grant " + grant.grantId() + "; nothing was written");
            }
        }
        out().printf("Granted %s to %s: credit grant %s (%s, priority %d, %s), by %s: %s%n",
                Currencies.format(grant.amountMinor(), grant.currency()), account, grant.grantId(), grant.source().wire(),
                grant.priority(), grant.expiresAt() == null ? "never expires" : "expires " + RuntimeCommand.iso(grant.expiresAt()),
                grant.createdBy(), grant.reason());
        return 0;
    }

    /** The grant the options describe, effective {@code now}; invalid usage (exit code 2) when a value is wrong. */
    CreditGrant grant(Instant now) {
        long minor;
        try {
            minor = Long.parseLong(amount.strip());
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "--amount " + amount + " is not a whole number of minor units "
                    + "(5000 is 50.00 USD, 500 is 500 JPY)");
        }
        if (minor <= 0) {
            throw new ParameterException(spec.commandLine(), "--amount must be above zero, was " + amount);
        }
        String code = CreditsCommand.currency(spec, currency);
        if (priority < CreditGrant.MIN_PRIORITY || priority > CreditGrant.MAX_PRIORITY) {
            throw new ParameterException(spec.commandLine(), "--priority must be 0 to 100 (lower is drawn first), was " + priority);
        }
        GrantSource kind;
        try {
            kind = GrantSource.parse(source);
        } catch (IllegalArgumentException e) {
            kind = null;
        }
        if (kind == null || kind == GrantSource.PURCHASE) {
            throw new ParameterException(spec.commandLine(), "--source must be promotional or goodwill (purchases come from Stripe), was " + source);
        }
        if (reason.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--reason must say why the credit is granted");
        }
        String who = by != null ? by : connection.processEnvironment.get("USER");
        if (who == null || who.isBlank()) {
            throw new ParameterException(spec.commandLine(), "say who grants it with --by (USER is not set)");
        }
        Long expiresAt = null;
        if (expires != null) {
            expiresAt = TimeArguments.timeOrFromNow(spec, expires, now).getEpochSecond();
            if (expiresAt <= now.getEpochSecond()) {
                throw new ParameterException(spec.commandLine(), "--expires " + expires + " is not in the future");
            }
        }
        return new CreditGrant(CreditGrant.newGrantId(), account, code, minor, priority, now.getEpochSecond(), expiresAt, kind,
                who.strip(), reason.strip(), who.strip(), now.getEpochSecond());
    }
}
