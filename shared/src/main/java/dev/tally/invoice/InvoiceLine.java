package dev.tally.invoice;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One identified line of an invoice.
 *
 * @param lineId unique within the invoice and stable across recomputation of a draft: {@code usage:<price id>[:<phase
 *               start>]}, {@code base_fee:<price id>:<phase start>}, {@code adjustment:<corrected invoice id>:<price
 *               id>}, {@code minimum_true_up:<price id>}, {@code credit:<grant id>}
 * @param type what the line prices
 * @param priceId the catalog price rated (null only for a credit line)
 * @param meter the meter whose usage is priced (usage and adjustment lines), else null
 * @param periodStart start of the time the line prices, inclusive, seconds since the epoch
 * @param periodEnd end of it, exclusive, seconds since the epoch
 * @param quantity usage in the meter's unit, seats for a base fee, 1 for a true-up or credit
 * @param includedQuantity units free in this line's period (prorated for a partial phase)
 * @param billableQuantity units priced after included units and packaging
 * @param amountMinor amount in minor units of the invoice's currency, rounded once; negative for a credit
 * @param description text for people and for the Stripe invoice item, units pluralised
 * @param adjustsInvoiceId for an adjustment: the finalized invoice whose period the usage belongs to, else null
 * @param trace what the amount traces to (usage lines), else {@link Trace#NONE}
 */
public record InvoiceLine(String lineId, LineType type, String priceId, String meter, long periodStart, long periodEnd,
                          BigDecimal quantity, BigDecimal includedQuantity, BigDecimal billableQuantity,
                          long amountMinor, String description, String adjustsInvoiceId, Trace trace) {

    public InvoiceLine {
        Objects.requireNonNull(lineId, "lineId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(quantity, "quantity");
        includedQuantity = includedQuantity == null ? BigDecimal.ZERO : includedQuantity;
        billableQuantity = billableQuantity == null ? quantity : billableQuantity;
        trace = trace == null ? Trace.NONE : trace;
        if (periodEnd < periodStart) {
            throw new IllegalArgumentException("line " + lineId + " ends before it starts: " + periodStart + ".." + periodEnd);
        }
    }

    /**
     * Where a usage line's quantity comes from, so finance can recompute it: the usage series (account and meter)
     * over the line's period, read from the hourly buckets and the events of the partial hours at the edges.
     *
     * @param seriesKey {@code <account>#<meter>}, the key of the usage buckets
     * @param dimensionFilter the price's dimension filter as {@code key=value} pairs joined by {@code ,}; empty for all
     * @param eventCount number of usage events behind the quantity
     */
    public record Trace(String seriesKey, String dimensionFilter, long eventCount) {
        /** No usage behind the line. */
        public static final Trace NONE = new Trace(null, "", 0);
    }
}
