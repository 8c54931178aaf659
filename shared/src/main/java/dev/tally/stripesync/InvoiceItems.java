package dev.tally.stripesync;

import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceLine;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.invoice.LineType;
import dev.tally.money.Currencies;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * MERGE BRIDGE (temporary): the stored {@link InvoiceItem} as the domain {@link Invoice} that
 * {@link StripeSyncService} takes. The invoice model is being rewritten beside this change; once the new invoice
 * store hands out {@link Invoice}s, this class is deleted and its two callers (the stripe-sync handler's stream and
 * resync paths) read the store instead. Nothing else may use it.
 *
 * <p>Every stored invoice is finalized ({@link InvoiceStatus#OPEN}): today's generator writes it once, immutable.
 * Its lines keep their ids ({@code usage:<meter>}, {@code adjustment:<invoice>:<meter>}; {@code usage:<meter>} for a
 * line stored without one); prepaid credits applied become one {@link LineType#CREDIT} line
 * {@value #CREDIT_LINE_ID} of {@code -creditsAppliedMinor} when positive.
 */
public final class InvoiceItems {
    /** Line id of the one credit line a stored invoice's credits applied become. */
    public static final String CREDIT_LINE_ID = "credit:applied";

    private InvoiceItems() {
    }

    /**
     * @param item a stored invoice
     * @return it as a domain invoice, status {@link InvoiceStatus#OPEN}
     * @throws IllegalArgumentException when its total is not subtotal - credits applied
     */
    public static Invoice toDomain(InvoiceItem item) {
        long periodStart = valueOf(item.periodStart);
        long periodEnd = valueOf(item.periodEnd);
        List<InvoiceLine> lines = new ArrayList<>();
        for (InvoiceLineItem l : item.lines == null ? List.<InvoiceLineItem>of() : item.lines) {
            LineType type = InvoiceLineItem.ADJUSTMENT.equals(l.type) ? LineType.ADJUSTMENT : LineType.USAGE;
            lines.add(new InvoiceLine(l.lineId != null ? l.lineId : "usage:" + l.meter, type, null, l.meter,
                    l.periodStart != null ? l.periodStart : periodStart, l.periodEnd != null ? l.periodEnd : periodEnd,
                    l.quantity != null ? l.quantity : BigDecimal.ZERO, l.includedQuantity, l.billableQuantity,
                    valueOf(l.amountMinor), l.description, l.adjustsInvoiceId,
                    new InvoiceLine.Trace(l.seriesKey, "", valueOf(l.usageEventCount))));
        }
        long credits = valueOf(item.creditsAppliedMinor);
        if (credits > 0) {
            lines.add(new InvoiceLine(CREDIT_LINE_ID, LineType.CREDIT, null, null, periodStart, periodEnd, BigDecimal.ONE,
                    null, null, -credits, "Prepaid credits applied (" + Currencies.format(credits, item.currency) + ")",
                    null, InvoiceLine.Trace.NONE));
        }
        long createdAt = valueOf(item.createdAt);
        return new Invoice(item.invoiceId, item.accountId, item.accountId, item.subscriptionId, periodStart, periodEnd,
                item.currency, InvoiceStatus.OPEN, lines, valueOf(item.subtotalMinor), credits, valueOf(item.totalMinor),
                item.catalogVersion, createdAt, createdAt);
    }

    private static long valueOf(Long value) {
        return value == null ? 0 : value;
    }
}
