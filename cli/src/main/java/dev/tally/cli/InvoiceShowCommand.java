package dev.tally.cli;

import dev.tally.invoice.Invoice;
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
    @Parameters(paramLabel = "INVOICE_ID", description = "e.g. tin_org_acme_1767225600")
    String invoiceId;

    @Option(names = "--json", description = "The invoice as one JSON object, as stored (minor units, epoch seconds).")
    boolean json;

    @Override
    int run(TallyTables tables) {
        Invoice i = store(tables).find(invoiceId)
                .orElseThrow(() -> new Failure("no invoice " + invoiceId + " (ids are listed by `tally invoices`)"));
        if (json) {
            out().println(jsonLine(toJson(i)));
            return 0;
        }
        print(out(), i);
        return 0;
    }

}
