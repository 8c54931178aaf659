package dev.tally.cli;

import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.catalog.Meter;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import dev.tally.store.TallyTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/**
 * {@code tally invoices show INVOICE_ID}: one invoice with its lines: meter, quantity used, included quantity,
 * billable quantity (with the meter's unit from the catalog, pluralised: {@code 845 minutes}), amount (major units and currency code) and the number of usage events
 * behind the line; then subtotal, prepaid credits applied and total. {@code --json} prints the stored invoice as one
 * JSON object (minor units, epoch seconds). Exit code 1 when there is no such invoice.
 */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = {"Shows one invoice with its lines.", "Exit code 1 when there is no such invoice."})
final class InvoiceShowCommand extends InvoiceTableCommand {
    /** The catalog the functions ship, for each meter's unit. */
    private static final Catalog CATALOG = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);

    @Parameters(paramLabel = "INVOICE_ID", description = "e.g. tin_org_acme_1767225600")
    String invoiceId;

    @Option(names = "--json", description = "The invoice as one JSON object, as stored (minor units, epoch seconds).")
    boolean json;

    @Override
    int run(TallyTables tables) {
        InvoiceItem i = tables.invoices.getItem(g -> g.key(k -> k.partitionValue(invoiceId)).consistentRead(true));
        if (i == null) {
            throw new Failure("no invoice " + invoiceId + " (ids are listed by `tally invoices`)");
        }
        if (json) {
            out().println(jsonLine(toJson(i)));
            return 0;
        }
        String cur = i.currency;
        TextTable header = new TextTable("", "").withoutHeader();
        header.row("Invoice", i.invoiceId)
                .row("Account", i.accountId)
                .row("Subscription", i.subscriptionId + " (plan " + i.planId + ", catalog " + i.catalogVersion + ")")
                .row("Period", period(i))
                .row("Currency", upper(cur))
                .row("Created", UsageRejectionsCommand.iso(i.createdAt));
        header.print(out(), "");
        out().println();
        List<InvoiceLineItem> lines = i.lines == null ? List.of() : i.lines;
        if (lines.isEmpty()) {
            out().println("No lines.");
        } else {
            TextTable table = new TextTable("METER", ">QUANTITY", ">INCLUDED", ">BILLABLE", ">AMOUNT", ">EVENTS");
            for (InvoiceLineItem l : lines) {
                String unit = CATALOG.meter(l.meter).map(Meter::unit).orElse(null);
                table.row(l.meter, Words.quantity(l.quantity, unit), Words.quantity(l.includedQuantity, unit),
                        Words.quantity(l.billableQuantity, unit), money(l.amountMinor, cur), l.usageEventCount);
            }
            table.print(out(), "");
        }
        out().println();
        TextTable totals = new TextTable("", ">").withoutHeader();
        totals.row("Subtotal", money(i.subtotalMinor, cur))
                .row("Credits applied", creditsApplied(i.creditsAppliedMinor, cur))
                .row("Total", money(i.totalMinor, cur));
        totals.print(out(), "");
        return 0;
    }

}
