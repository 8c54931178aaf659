package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.money.Currencies;
import dev.tally.store.Indexes;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import dev.tally.store.TallyTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.enhanced.dynamodb.model.Page;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code tally invoices}: lists invoices by account, then period: id, account, period (ISO-8601 UTC, start inclusive
 * .. end exclusive), currency, subtotal, prepaid credits applied and total, amounts in major units with the currency
 * code ({@link Currencies#format}); with {@code --json}, one JSON object per line, as stored (amounts in integer
 * minor units, times in seconds since the epoch, lines included). {@code tally invoices show ID} prints one invoice
 * with its lines ({@link InvoiceShowCommand}).
 */
@Command(name = "invoices", mixinStandardHelpOptions = true,
        description = {"Lists invoices (all, or one account's), by account and period.",
                "Exit code 1 when the table cannot be read."},
        subcommands = {InvoiceShowCommand.class})
final class InvoicesCommand extends OpsCommand {
    private static final Comparator<InvoiceItem> BY_ACCOUNT_AND_PERIOD = Comparator
            .comparing((InvoiceItem i) -> i.accountId, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(i -> i.periodStart, Comparator.nullsFirst(Comparator.naturalOrder()));

    @Option(names = "--account", paramLabel = "ID", description = "Only this account's invoices.")
    String account;

    @Option(names = "--json", description = "One JSON object per line, as stored (minor units, epoch seconds).")
    boolean json;

    @Override
    List<String> tablesUsed() {
        return List.of("INVOICES_TABLE");
    }

    @Override
    int run() {
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            TallyTables tables = connection.tables(ddb);
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
                        money(i.creditsAppliedMinor, i.currency), money(i.totalMinor, i.currency));
            }
            table.print(out(), "");
        }
        return 0;
    }

    /** {@code 2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z}. */
    static String period(InvoiceItem i) {
        return UsageRejectionsCommand.iso(i.periodStart) + " .. " + UsageRejectionsCommand.iso(i.periodEnd);
    }

    /** {@link Currencies#format}, or null when either part is missing. */
    static String money(Long minor, String currency) {
        return minor == null || currency == null ? null : Currencies.format(minor, currency);
    }

    static String upper(String currency) {
        return currency == null ? null : currency.toUpperCase(Locale.ROOT);
    }

    /** The invoice as stored: amounts in minor units, times in epoch seconds, quantities as exact decimals. */
    static ObjectNode toJson(InvoiceItem i) {
        ObjectNode node = JSON.createObjectNode();
        node.put("invoiceId", i.invoiceId);
        node.put("accountId", i.accountId);
        node.put("subscriptionId", i.subscriptionId);
        node.put("planId", i.planId);
        node.put("periodStart", i.periodStart);
        node.put("periodEnd", i.periodEnd);
        node.put("currency", i.currency);
        node.put("subtotalMinor", i.subtotalMinor);
        node.put("creditsAppliedMinor", i.creditsAppliedMinor);
        node.put("totalMinor", i.totalMinor);
        node.put("catalogVersion", i.catalogVersion);
        node.put("createdAt", i.createdAt);
        ArrayNode lines = node.putArray("lines");
        for (InvoiceLineItem l : i.lines == null ? List.<InvoiceLineItem>of() : i.lines) {
            lines.addObject().put("meter", l.meter).put("description", l.description).put("quantity", l.quantity)
                    .put("includedQuantity", l.includedQuantity).put("billableQuantity", l.billableQuantity)
                    .put("amountMinor", l.amountMinor).put("usageEventCount", l.usageEventCount)
                    .put("aggregateKey", l.aggregateKey);
        }
        return node;
    }
}
