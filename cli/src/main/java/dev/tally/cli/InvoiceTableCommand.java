package dev.tally.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.money.Currencies;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.List;
import java.util.Locale;

/**
 * Base of the invoice commands ({@link InvoicesCommand}, {@link InvoiceShowCommand}), so that what they share is
 * written once: the table they read ({@code INVOICES_TABLE}, named in the message when it is missing), a DynamoDB
 * client opened for one run and closed after it, and how an invoice is shown (period, amounts in major units with the
 * currency code, the currency in capitals, and the stored JSON form).
 */
abstract class InvoiceTableCommand extends OpsCommand {

    @Override
    List<String> tablesUsed() {
        return List.of("INVOICES_TABLE");
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
    static String period(InvoiceItem i) {
        return UsageRejectionsCommand.iso(i.periodStart) + " .. " + UsageRejectionsCommand.iso(i.periodEnd);
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
            lines.addObject().put("lineId", l.lineId).put("type", l.type).put("meter", l.meter)
                    .put("periodStart", l.periodStart).put("periodEnd", l.periodEnd).put("adjustsInvoiceId", l.adjustsInvoiceId).put("description", l.description).put("quantity", l.quantity)
                    .put("includedQuantity", l.includedQuantity).put("billableQuantity", l.billableQuantity)
                    .put("amountMinor", l.amountMinor).put("usageEventCount", l.usageEventCount)
                    .put("seriesKey", l.seriesKey);
        }
        return node;
    }
}
