package dev.tally.reconciliation;

/**
 * One thing reconciliation found wrong, named so that an operator can find it: the account, the meter (for usage
 * checks), the period, the invoice, and what was expected against what was found, each as text with its unit
 * (quantities in the meter's unit, amounts in minor units with the currency).
 *
 * @param check which check found it
 * @param accountId the account
 * @param meter the meter, or null when the check is not about usage
 * @param periodStart start of the period concerned, seconds since the epoch (inclusive)
 * @param periodEnd its end, exclusive
 * @param invoiceId the invoice concerned, or null (a skipped period has none)
 * @param subject what exactly: a line id, a grant id, a subscription id
 * @param expected what the source of truth says, e.g. {@code "20000 (40 events in the log)"}
 * @param found what was found instead, e.g. {@code "20100 (41 events in the buckets)"}
 */
public record Mismatch(Check check, String accountId, String meter, long periodStart, long periodEnd, String invoiceId,
                       String subject, String expected, String found) {
}
