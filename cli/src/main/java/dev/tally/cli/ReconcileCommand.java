package dev.tally.cli;

import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.metrics.Metrics;
import dev.tally.reconciliation.Check;
import dev.tally.reconciliation.DynamoDbReconciliationStore;
import dev.tally.reconciliation.Mismatch;
import dev.tally.reconciliation.ReconciliationReport;
import dev.tally.reconciliation.ReconciliationService;
import dev.tally.reconciliation.ReconciliationStore;
import dev.tally.store.TallyTables;
import dev.tally.stripesync.RecordingStripeGateway;
import dev.tally.stripesync.StripeApiGateway;
import dev.tally.stripesync.StripeGateway;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * {@code tally reconcile [--period FROM..TO | --period YYYY-MM] [--account ID] [--json]}: proves the invoices of the
 * billing periods that start in the range against the usage event log, the usage buckets, the catalog's prices, the
 * credit ledgers, the subscriptions' billing cycles and Stripe ({@link ReconciliationService}), prints what each check
 * compared and every mismatch (account, meter, period, invoice, expected, found), and stores the report
 * (reconciliations table) like the scheduled run does. {@code --last} prints the latest stored report instead.
 *
 * <p>Stripe: locally, against what the sync recorded; with {@code --aws} and {@code STRIPE_API_KEY}, against Stripe
 * itself (read-only {@code GET /v1/invoices/{id}}); with {@code --aws} and no key, against the sync states only.
 * Exit codes: 0 no mismatch; 1 mismatches found (one line on stderr with their number and the runbook), or the tables
 * cannot be read; 2 invalid usage.
 */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
        description = {"Proves invoices against the usage events, the buckets, the prices, the credit ledgers, the "
                + "subscriptions' periods and Stripe; prints each mismatch with account, meter, period, expected and found.",
                "Exit code 1 when a mismatch is found (docs/runbooks/reconciliation-mismatch.md) or the tables cannot "
                        + "be read, 2 on invalid usage."})
final class ReconcileCommand extends OpsCommand {
    private static final Pattern MONTH = Pattern.compile("\\d{4}-\\d{2}");
    /** What the runbook is called in messages. */
    static final String RUNBOOK = "docs/runbooks/reconciliation-mismatch.md";

    @Option(names = "--period", paramLabel = "FROM..TO|YYYY-MM",
            description = "Billing periods that start in this range: FROM..TO (ISO-8601 UTC, a date or epoch seconds; "
                    + "TO exclusive) or a month, e.g. 2026-02. Default: every period.")
    String period;

    @Option(names = "--account", paramLabel = "ID", description = "Only this account.")
    String account;

    @Option(names = "--json", description = "The report as one JSON object (amounts as text with their currency).")
    boolean json;

    @Option(names = "--last", description = "Print the latest stored report (the scheduled run's or a command's); run nothing.")
    boolean last;

    @Override
    List<String> tablesUsed() {
        return List.of("SUBSCRIPTIONS_TABLE", "INVOICES_TABLE", "INVOICE_LINES_TABLE", "USAGE_EVENTS_TABLE",
                "USAGE_BUCKETS_TABLE", "CREDITS_TABLE", "STRIPE_SYNC_TABLE", "RECONCILIATIONS_TABLE");
    }

    @Override
    int run() {
        long[] range = range();
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            TallyTables tables = connection.tables(ddb);
            ReconciliationStore reports = new DynamoDbReconciliationStore(ddb, connection.tableName("RECONCILIATIONS_TABLE"));
            ReconciliationReport report;
            if (last) {
                report = reports.latest().orElseThrow(() -> new Failure("no reconciliation has run yet; run `tally reconcile`"));
            } else {
                Catalog catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
                ReconciliationService service = ReconciliationService.onDynamoDb(tables,
                        connection.tableName("RECONCILIATIONS_TABLE"), catalog, stripe(tables), Metrics.NONE, clock);
                report = service.reconcile(new ReconciliationService.Scope(range[0], range[1], account));
            }
            print(report);
            if (!report.clean()) {
                throw new Failure(report.mismatches().size() + (report.mismatches().size() == 1 ? " mismatch" : " mismatches")
                        + " found (run " + report.runId() + "); what to do: " + RUNBOOK);
            }
            return 0;
        }
    }

    /** Read-only Stripe lookups: the recorder's answers locally, Stripe with a key in AWS, none otherwise. */
    private StripeGateway stripe(TallyTables tables) {
        if (!connection.aws()) {
            return new RecordingStripeGateway(tables, clock);
        }
        String key = connection.processEnvironment.get("STRIPE_API_KEY");
        if (key == null || key.isBlank()) {
            err().println("tally reconcile: STRIPE_API_KEY is not set: Stripe totals are checked against the sync states only.");
            return null;
        }
        return StripeApiGateway.withKey(() -> key, null);
    }

    private void print(ReconciliationReport report) {
        if (json) {
            out().println(jsonLine(report.toJson()));
            return;
        }
        out().printf("Reconciliation %s (%s, %s): %d checks, %d mismatches.%n", report.runId(), report.trigger(),
                describeRange(report), report.checkedTotal(), report.mismatches().size());
        TextTable counts = new TextTable("CHECK", ">CHECKED", ">MISMATCHES");
        for (Check c : Check.values()) {
            counts.row(c.wireName(), report.checked().get(c), report.mismatches().stream().filter(m -> m.check() == c).count());
        }
        counts.print(out(), "");
        if (!report.clean()) {
            out().println();
            TextTable table = new TextTable("CHECK", "ACCOUNT", "METER", "PERIOD", "INVOICE", "SUBJECT", "EXPECTED", "FOUND");
            for (Mismatch m : report.mismatches()) {
                table.row(m.check().wireName(), m.accountId(), m.meter(), UsageRejectionsCommand.iso(m.periodStart())
                        + " .. " + UsageRejectionsCommand.iso(m.periodEnd()), m.invoiceId(), m.subject(), m.expected(), m.found());
            }
            table.print(out(), "");
        }
    }

    private static String describeRange(ReconciliationReport report) {
        String who = report.accountId() == null ? "every account" : "account " + report.accountId();
        if (report.periodFrom() <= 0 && report.periodTo() == Long.MAX_VALUE) {
            return who + ", every period";
        }
        return who + ", periods " + (report.trigger().equals(ReconciliationService.SCHEDULED) ? "ending " : "starting ")
                + UsageRejectionsCommand.iso(report.periodFrom()) + " .. " + UsageRejectionsCommand.iso(report.periodTo());
    }

    /** {@code --period} as {@code [from, to)} in seconds since the epoch; every period when absent. */
    private long[] range() {
        if (period == null) {
            return new long[]{0, Long.MAX_VALUE};
        }
        String p = period.strip();
        if (MONTH.matcher(p).matches()) {
            try {
                YearMonth month = YearMonth.parse(p);
                return new long[]{month.atDay(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond(),
                        month.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toEpochSecond()};
            } catch (DateTimeParseException e) {
                throw new ParameterException(spec.commandLine(), "--period " + period + ": not a month (YYYY-MM)");
            }
        }
        int dots = p.indexOf("..");
        if (dots < 0) {
            throw new ParameterException(spec.commandLine(), "--period " + period
                    + ": give FROM..TO (e.g. 2026-02-01..2026-03-01) or a month (e.g. 2026-02)");
        }
        Instant from = TimeArguments.time(spec, p.substring(0, dots));
        Instant to = TimeArguments.time(spec, p.substring(dots + 2));
        if (!to.isAfter(from)) {
            throw new ParameterException(spec.commandLine(), "--period " + period + ": TO must be after FROM");
        }
        return new long[]{from.getEpochSecond(), to.getEpochSecond()};
    }
}
