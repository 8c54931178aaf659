package dev.tally.stripesync;

import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/** Invoices as today's generator stores them, for this module's tests: November on the team plan. */
final class SyncFixtures {
    static final Instant NOW = Instant.parse("2026-12-15T02:00:00Z");
    static final long ANCHOR = Instant.parse("2026-09-15T00:00:00Z").getEpochSecond();
    static final long PERIOD_START = Instant.parse("2026-11-15T00:00:00Z").getEpochSecond();
    static final long PERIOD_END = Instant.parse("2026-12-15T00:00:00Z").getEpochSecond();

    private SyncFixtures() {
    }

    /** Build minutes 1500 + image pulls 1000 = 2500, less {@code creditsMinor}; not stored. */
    static InvoiceItem teamInvoice(String account, long creditsMinor) {
        return invoice(account, List.of(
                line("build_minutes", "2500", "1500", "1000", 1_500),
                line("image_pulls", "15000", "5000", "10000", 1_000)), creditsMinor);
    }

    static InvoiceItem invoice(String account, List<InvoiceLineItem> lines, long creditsMinor) {
        InvoiceItem invoice = new InvoiceItem();
        invoice.invoiceId = InvoiceItem.invoiceId(account, PERIOD_START);
        invoice.accountId = account;
        invoice.subscriptionId = "sub_" + account;
        invoice.planId = "team";
        invoice.periodStart = PERIOD_START;
        invoice.periodEnd = PERIOD_END;
        invoice.currency = "usd";
        invoice.lines = lines;
        invoice.subtotalMinor = lines.stream().mapToLong(l -> l.amountMinor).sum();
        invoice.creditsAppliedMinor = creditsMinor;
        invoice.totalMinor = invoice.subtotalMinor - creditsMinor;
        invoice.catalogVersion = "2026-11-01";
        invoice.createdAt = NOW.getEpochSecond() - 60;
        return invoice;
    }

    /** A usage line without a stored line id (as older invoices are): its id is {@code usage:<meter>}. */
    static InvoiceLineItem line(String meter, String quantity, String included, String billable, long amountMinor) {
        InvoiceLineItem line = new InvoiceLineItem();
        line.meter = meter;
        line.type = InvoiceLineItem.USAGE;
        line.description = meter + ": " + quantity + " (" + included + " included)";
        line.quantity = new BigDecimal(quantity);
        line.includedQuantity = new BigDecimal(included);
        line.billableQuantity = new BigDecimal(billable);
        line.amountMinor = amountMinor;
        line.usageEventCount = 3L;
        line.seriesKey = "x#" + meter;
        return line;
    }
}
