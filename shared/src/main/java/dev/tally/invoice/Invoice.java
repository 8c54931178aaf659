package dev.tally.invoice;

import java.util.List;
import java.util.Objects;

/**
 * An invoice: a header and its identified lines. One per subscription and billing period, whatever is redelivered or
 * re-run: the id derives from both ({@link #idFor(String, long)}). Amounts are long minor units of {@code currency};
 * {@code totalMinor = subtotalMinor - creditsAppliedMinor}, where the subtotal is the sum of every non-credit line
 * and the credits applied the negated sum of the credit lines. Times are seconds since the epoch.
 *
 * @param invoiceId {@code tin_<subscription id>_<period start>}
 * @param accountId the account whose usage and subscription are invoiced
 * @param payerAccountId the account that pays (the account itself until payer hierarchies exist)
 * @param subscriptionId the subscription invoiced
 * @param periodStart billing period start, inclusive
 * @param periodEnd billing period end, exclusive (cut short when the subscription ended inside it)
 * @param currency lowercase ISO 4217 code
 * @param status lifecycle state
 * @param lines the lines, in presentation order
 * @param subtotalMinor sum of the non-credit lines
 * @param creditsAppliedMinor prepaid credits drawn, non-negative
 * @param totalMinor amount due
 * @param catalogVersion catalog version the lines were rated with
 * @param createdAt when the draft was created
 * @param finalizedAt when it was finalized, null while a draft
 * @param failureReason why the last attempt to rate a draft failed (a bad value, an overflow), else null
 */
public record Invoice(String invoiceId, String accountId, String payerAccountId, String subscriptionId,
                      long periodStart, long periodEnd, String currency, InvoiceStatus status, List<InvoiceLine> lines,
                      long subtotalMinor, long creditsAppliedMinor, long totalMinor, String catalogVersion,
                      long createdAt, Long finalizedAt, String failureReason) {

    public Invoice {
        Objects.requireNonNull(invoiceId, "invoiceId");
        Objects.requireNonNull(status, "status");
        lines = List.copyOf(lines);
        if (totalMinor != subtotalMinor - creditsAppliedMinor) {
            throw new IllegalArgumentException("invoice " + invoiceId + ": total " + totalMinor + " != subtotal "
                    + subtotalMinor + " - credits " + creditsAppliedMinor);
        }
    }

    /**
     * @param subscriptionId subscription id
     * @param periodStart billing period start, seconds since the epoch
     * @return the deterministic invoice id {@code tin_<subscription id>_<period start>}
     */
    public static String idFor(String subscriptionId, long periodStart) {
        return "tin_" + subscriptionId + "_" + periodStart;
    }
}
