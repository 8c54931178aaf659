package dev.tally.cli;

import dev.tally.money.Currencies;
import dev.tally.store.Indexes;
import dev.tally.store.InvoiceItem;
import dev.tally.store.TallyTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.enhanced.dynamodb.model.Page;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code tally invoices}: lists invoices by account, then period: id, account, period (ISO-8601 UTC, start inclusive
 * .. end exclusive), currency, subtotal, prepaid credits applied (negative: they reduce the total) and total, amounts in major units with the currency
 * code ({@link Currencies#format}); with {@code --json}, one JSON object per line, as stored (amounts in integer
 * minor units, times in seconds since the epoch, lines included). {@code tally invoices show ID} prints one invoice
 * with its lines ({@link InvoiceShowCommand}).
 */
@Command(name = "invoices", mixinStandardHelpOptions = true,
        description = {"Lists invoices (all, or one account's), by account and period.",
                "Exit code 1 when the table cannot be read."},
        subcommands = {InvoiceShowCommand.class})
final class InvoicesCommand extends InvoiceTableCommand {
    private static final Comparator<InvoiceItem> BY_ACCOUNT_AND_PERIOD = Comparator
            .comparing((InvoiceItem i) -> i.accountId, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(i -> i.periodStart, Comparator.nullsFirst(Comparator.naturalOrder()));

    @Option(names = "--account", paramLabel = "ID", description = "Only this account's invoices.")
    String account;

    @Option(names = "--json", description = "One JSON object per line, as stored (minor units, epoch seconds).")
    boolean json;

    @Override
    int run(TallyTables tables) {
        List<InvoiceItem> invoices = new ArrayList<>();
        if (account == null) {
            tables.invoices.scan().items().forEach(invoices::add);
        } else {
            for (Page<InvoiceItem> page : tables.invoices.index(Indexes.BY_ACCOUNT)
                    .query(QueryConditional.keyEqualTo(k -> k.partitionValue(account)))) {
                invoices.addAll(page.items());
            }
        }
        invoices.sort(BY_ACCOUNT_AND_PERIOD);
        if (json) {
            invoices.forEach(i -> out().println(jsonLine(toJson(i))));
            return 0;
        }
        if (invoices.isEmpty()) {
            out().println(account == null ? "No invoices." : "No invoices for account " + account + ".");
            return 0;
        }
        TextTable table = new TextTable("INVOICE ID", "ACCOUNT", "PERIOD", "CURRENCY", ">SUBTOTAL",
                ">CREDITS APPLIED", ">TOTAL");
        for (InvoiceItem i : invoices) {
            table.row(i.invoiceId, i.accountId, period(i), upper(i.currency), money(i.subtotalMinor, i.currency),
                    creditsApplied(i.creditsAppliedMinor, i.currency), money(i.totalMinor, i.currency));
        }
        table.print(out(), "");
        return 0;
    }
}
