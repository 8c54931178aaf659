package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.catalog.Meter;
import dev.tally.money.Currencies;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceLine;
import dev.tally.invoice.InvoiceStore;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Base of the invoice commands ({@link InvoicesCommand}, {@link InvoiceShowCommand}), so that what they share is
 * written once: the table they read ({@code INVOICES_TABLE}, named in the message when it is missing), a DynamoDB
 * client opened for one run and closed after it, and how an invoice is shown (period, amounts in major units with the
 * currency code, the currency in capitals, and the stored JSON form).
 */
abstract class InvoiceTableCommand extends OpsCommand {
    /** The catalog the functions ship, for each meter's unit. */
    static final Catalog CATALOG = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);

    @Override
    List<String> tablesUsed() {
        return List.of("INVOICES_TABLE", "INVOICE_LINES_TABLE");
    }

    @Override
    final int run() {
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            return run(connection.tables(ddb));
        }
    }

    /**
     * Does the command's work with the tables open; throws as {@link #run()} may.
     *
     * @param tables the tables, on a client closed when this returns
     * @return the exit code, 0 on success
     */
    abstract int run(TallyTables tables);

    /** {@code 2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z}. */
    static String period(Invoice i) {
        return UsageRejectionsCommand.iso(i.periodStart()) + " .. " + UsageRejectionsCommand.iso(i.periodEnd());
    }

    /**
     * @param tables the tables
     * @return the invoice store on them
     */
    static InvoiceStore store(TallyTables tables) {
        return new DynamoDbInvoiceStore(tables);
    }

    /** {@link Currencies#format}, or null when either part is missing. */
    static String money(Long minor, String currency) {
        return minor == null || currency == null ? null : Currencies.format(minor, currency);
    }

    /**
     * Credits applied to an invoice, printed the one way Tally prints them to people: negative, since they reduce
     * the total ({@code -23.45 USD}); zero as {@code 0.00 USD}. Stored and in JSON they are a positive number of minor
     * units ({@code creditsAppliedMinor}).
     *
     * @param minor credits applied, minor units, not negative; or null
     * @param currency lowercase ISO 4217 code, or null
     * @return e.g. {@code -23.45 USD}, or null when either part is missing
     */
    static String creditsApplied(Long minor, String currency) {
        return minor == null ? null : money(-minor, currency);
    }

    static String upper(String currency) {
        return currency == null ? null : currency.toUpperCase(Locale.ROOT);
    }

    /**
     * Prints an invoice for people: header, lines (description, type, price, quantities with the meter's unit,
     * amount, usage events), totals.
     *
     * @param out where to
     * @param i the invoice
     */
    static void print(PrintWriter out, Invoice i) {
        String cur = i.currency();
        TextTable header = new TextTable("", "").withoutHeader();
        header.row("Invoice", i.invoiceId())
                .row("Status", i.status().wireName() + (i.failureReason() != null ? " (rating failed: " + i.failureReason() + ")" : ""))
                .row("Account", i.accountId())
                .row("Subscription", i.subscriptionId() + " (catalog " + i.catalogVersion() + ")")
                .row("Period", period(i))
                .row("Currency", upper(cur))
                .row("Created", UsageRejectionsCommand.iso(i.createdAt()))
                .row("Finalized", i.finalizedAt() == null ? "-" : UsageRejectionsCommand.iso(i.finalizedAt()));
        header.print(out, "");
        out.println();
        if (i.lines().isEmpty()) {
            out.println("No lines.");
        } else {
            TextTable table = new TextTable("LINE", "TYPE", "PRICE", ">QUANTITY", ">INCLUDED", ">BILLABLE", ">AMOUNT", ">EVENTS");
            for (InvoiceLine l : i.lines()) {
                String unit = l.meter() == null ? null : CATALOG.meter(l.meter()).map(Meter::unit).orElse(null);
                table.row(l.description(), l.type().wireName(), l.priceId(), Words.quantity(l.quantity(), unit),
                        Words.quantity(l.includedQuantity(), unit), Words.quantity(l.billableQuantity(), unit),
                        money(l.amountMinor(), cur), l.trace().eventCount());
            }
            table.print(out, "");
        }
        out.println();
        TextTable totals = new TextTable("", ">").withoutHeader();
        totals.row("Subtotal", money(i.subtotalMinor(), cur))
                .row("Credits applied", creditsApplied(i.creditsAppliedMinor(), cur))
                .row("Total", money(i.totalMinor(), cur));
        totals.print(out, "");
    }

    /** The invoice as stored: amounts in minor units, times in epoch seconds, quantities as exact decimals. */
    static ObjectNode toJson(Invoice i) {
        ObjectNode node = JSON.createObjectNode();
        node.put("invoiceId", i.invoiceId());
        node.put("accountId", i.accountId());
        node.put("payerAccountId", i.payerAccountId());
        node.put("subscriptionId", i.subscriptionId());
        node.put("status", i.status().wireName());
        node.put("periodStart", i.periodStart());
        node.put("periodEnd", i.periodEnd());
        node.put("currency", i.currency());
        node.put("subtotalMinor", i.subtotalMinor());
        node.put("creditsAppliedMinor", i.creditsAppliedMinor());
        node.put("totalMinor", i.totalMinor());
        node.put("catalogVersion", i.catalogVersion());
        node.put("createdAt", i.createdAt());
        node.put("finalizedAt", i.finalizedAt());
        if (i.failureReason() != null) {
            node.put("failureReason", i.failureReason());
        }
        ArrayNode lines = node.putArray("lines");
        for (InvoiceLine l : i.lines()) {
            ObjectNode line = lines.addObject().put("lineId", l.lineId()).put("type", l.type().wireName())
                    .put("priceId", l.priceId()).put("meter", l.meter())
                    .put("periodStart", l.periodStart()).put("periodEnd", l.periodEnd())
                    .put("adjustsInvoiceId", l.adjustsInvoiceId()).put("description", l.description())
                    .put("quantity", l.quantity()).put("includedQuantity", l.includedQuantity())
                    .put("billableQuantity", l.billableQuantity()).put("amountMinor", l.amountMinor());
            line.putObject("trace").put("seriesKey", l.trace().seriesKey())
                    .put("dimensionFilter", l.trace().dimensionFilter()).put("usageEventCount", l.trace().eventCount());
        }
        return node;
    }
}
