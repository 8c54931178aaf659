package dev.tally.cli;

import dev.tally.money.Currencies;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.invoice.InvoiceStore;
import dev.tally.store.TallyTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

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
        subcommands = {InvoiceShowCommand.class, InvoicePreviewCommand.class})
final class InvoicesCommand extends InvoiceTableCommand {
    private static final Comparator<Invoice> BY_ACCOUNT_AND_PERIOD = Comparator
            .comparing(Invoice::accountId, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(Invoice::periodStart)
            .thenComparing(Invoice::invoiceId);

    @Option(names = "--account", paramLabel = "ID", description = "Only this account's invoices.")
    String account;

    @Spec
    CommandSpec spec;

    @Option(names = "--status", paramLabel = "STATUS",
            description = "Only invoices in this status: draft, open, paid, uncollectible, void; or failed (drafts whose rating failed).")
    String status;

    @Option(names = "--json", description = "One JSON object per line, as stored (minor units, epoch seconds).")
    boolean json;

    @Override
    int run(TallyTables tables) {
        InvoiceStore store = store(tables);
        List<Invoice> invoices = new ArrayList<>();
        if ("failed".equals(status)) {
            store.failedDrafts(1000).forEach(i -> store.find(i.invoiceId()).ifPresent(invoices::add));
        } else if (account == null) {
            // Every header (a scan): an operator's listing on the local runtime, never part of a billing step.
            tables.invoices.scan().items().forEach(h -> store.find(h.invoiceId).ifPresent(invoices::add));
        } else {
            invoices.addAll(store.ofAccount(account, Long.MIN_VALUE, Long.MAX_VALUE));
        }
        if (status != null && !"failed".equals(status)) {
            InvoiceStatus wanted = parseStatus(status);
            invoices.removeIf(i -> i.status() != wanted);
        }
        invoices.sort(BY_ACCOUNT_AND_PERIOD);
        if (json) {
            invoices.forEach(i -> out().println(jsonLine(toJson(i))));
            return 0;
        }
        if (invoices.isEmpty()) {
            out().println((account == null ? "No invoices" : "No invoices for account " + account)
                    + (status == null ? "" : " with status " + status) + ".");
            return 0;
        }
        TextTable table = new TextTable("INVOICE ID", "ACCOUNT", "STATUS", "PERIOD", "CURRENCY", ">SUBTOTAL",
                ">CREDITS APPLIED", ">TOTAL");
        for (Invoice i : invoices) {
            table.row(i.invoiceId(), i.accountId(), i.failureReason() != null ? "draft (rating failed)" : i.status().wireName(),
                    period(i), upper(i.currency()), money(i.subtotalMinor(), i.currency()),
                    creditsApplied(i.creditsAppliedMinor(), i.currency()), money(i.totalMinor(), i.currency()));
        }
        table.print(out(), "");
        return 0;
    }

    private InvoiceStatus parseStatus(String status) {
        try {
            return InvoiceStatus.fromWire(status);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "unknown status '" + status
                    + "': give draft, open, paid, uncollectible, void or failed");
        }
    }
}
