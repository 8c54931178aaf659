package dev.tally.stripesync;

import dev.tally.credit.Drawdown;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceLine;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.invoice.InvoiceStore;
import dev.tally.invoice.LineType;
import dev.tally.store.InvoiceItem;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Finalized invoices as the invoice generator stores them, for this module's tests: November on the team plan. */
final class SyncFixtures {
    static final Instant NOW = Instant.parse("2026-12-15T02:00:00Z");
    static final long ANCHOR = Instant.parse("2026-09-15T00:00:00Z").getEpochSecond();
    static final long PERIOD_START = Instant.parse("2026-11-15T00:00:00Z").getEpochSecond();
    static final long PERIOD_END = Instant.parse("2026-12-15T00:00:00Z").getEpochSecond();

    private SyncFixtures() {
    }

    /** Build minutes 1500 + image pulls 1000 = 2500, less {@code creditsMinor} (one credit line); not stored. */
    static Invoice teamInvoice(String account, long creditsMinor) {
        return invoice(account, List.of(
                line("build_minutes", "2500", "1500", "1000", 1_500),
                line("image_pulls", "15000", "5000", "10000", 1_000)), creditsMinor);
    }

    /** A finalized ({@code open}) invoice with these usage lines and, when {@code creditsMinor > 0}, a credit line. */
    static Invoice invoice(String account, List<InvoiceLine> lines, long creditsMinor) {
        List<InvoiceLine> all = new ArrayList<>(lines);
        if (creditsMinor > 0) {
            all.add(new InvoiceLine("credit:applied", LineType.CREDIT, null, null, PERIOD_START, PERIOD_END, BigDecimal.ONE,
                    BigDecimal.ZERO, BigDecimal.ONE, -creditsMinor,
                    "Prepaid credits applied (" + dev.tally.money.Currencies.format(creditsMinor, "usd") + ")", null, null));
        }
        long subtotal = lines.stream().mapToLong(InvoiceLine::amountMinor).sum();
        return new Invoice(Invoice.idFor("sub_" + account, PERIOD_START), account, account, "sub_" + account, PERIOD_START,
                PERIOD_END, "usd", InvoiceStatus.OPEN, all, subtotal, creditsMinor, subtotal - creditsMinor, "2026-11-01",
                NOW.getEpochSecond() - 60, NOW.getEpochSecond() - 60, null);
    }

    /** A usage line {@code usage:<meter>}. */
    static InvoiceLine line(String meter, String quantity, String included, String billable, long amountMinor) {
        return new InvoiceLine("usage:" + meter, LineType.USAGE, "team_" + meter + "_v1", meter, PERIOD_START, PERIOD_END,
                new BigDecimal(quantity), new BigDecimal(included), new BigDecimal(billable), amountMinor,
                meter + ": " + quantity + " (" + included + " included)", null, new InvoiceLine.Trace("x#" + meter, "", 3));
    }

    /**
     * Writes the invoice as the generator does: a draft, its lines, then finalization.
     *
     * @return the invoice as stored
     */
    static Invoice store(TallyTables tables, Invoice invoice) {
        InvoiceStore store = new DynamoDbInvoiceStore(tables);
        long attempt = store.beginDraft(invoice).orElseThrow();
        store.writeLines(invoice.invoiceId(), attempt, invoice.lines().stream().filter(l -> l.type() != LineType.CREDIT).toList());
        InvoiceStore.FinalizeOutcome outcome = store.finalizeDraft(invoice, attempt,
                Drawdown.none(invoice.accountId(), invoice.currency(), invoice.invoiceId()));
        if (outcome != InvoiceStore.FinalizeOutcome.FINALIZED) {
            throw new IllegalStateException("invoice " + invoice.invoiceId() + " not finalized: " + outcome);
        }
        return store.find(invoice.invoiceId()).orElseThrow();
    }

    /** The stored header's image as the invoices table's stream carries it. */
    static Map<String, AttributeValue> image(TallyTables tables, Invoice invoice) {
        InvoiceItem header = tables.invoices.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(invoice.invoiceId())));
        return InvoiceItem.SCHEMA.itemToMap(header, true);
    }

    /** The image before finalization: the same header as a draft. */
    static Map<String, AttributeValue> draftImage(TallyTables tables, Invoice invoice) {
        Map<String, AttributeValue> draft = new HashMap<>(image(tables, invoice));
        draft.put("status", AttributeValue.fromS(InvoiceStatus.DRAFT.wireName()));
        return draft;
    }
}
