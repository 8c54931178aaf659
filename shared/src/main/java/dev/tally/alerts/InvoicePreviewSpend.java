package dev.tally.alerts;

import dev.tally.invoice.InvoiceService;

import java.util.Optional;

/**
 * {@link PeriodSpend} from {@link InvoiceService#preview}: the subtotal (credits not drawn) of the invoice the open
 * period would get if it closed now, the same figure {@code tally invoices preview} shows.
 */
public final class InvoicePreviewSpend implements PeriodSpend {
    private final InvoiceService invoices;

    /** @param invoices the invoice service, configured as the invoice generator's */
    public InvoicePreviewSpend(InvoiceService invoices) {
        this.invoices = invoices;
    }

    @Override
    public Optional<Spend> current(String subscriptionId) {
        return invoices.preview(subscriptionId).map(i -> new Spend(subscriptionId, i.periodStart(), i.periodEnd(),
                i.currency(), i.subtotalMinor()));
    }
}
