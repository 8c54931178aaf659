package dev.tally.invoice;

import dev.tally.credit.Drawdown;
import dev.tally.payment.InvoicePayment;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where invoices live: headers and their identified lines. The adapter is {@link DynamoDbInvoiceStore}.
 *
 * <p>A draft is computed in attempts: {@link #beginDraft} creates the header (or, for a draft that exists, opens a new
 * attempt and returns its number), {@link #writeLines} writes that attempt's lines, and {@link #finalizeDraft} turns
 * the draft {@code open} with its totals only if no other attempt started since. So two generators racing on one job,
 * or a retry after a crash between any two writes, finalize exactly one consistent set of lines, and a finalized
 * invoice never changes again.
 */
public interface InvoiceStore {

    /**
     * @param invoiceId invoice id
     * @return the invoice with the lines of its current attempt (strongly consistent), empty if absent
     */
    Optional<Invoice> find(String invoiceId);

    /**
     * @param accountId account id
     * @param periodStartFrom earliest period start, inclusive, seconds since the epoch
     * @param periodStartTo latest period start, exclusive
     * @return the account's invoices whose period starts in the range, with lines, oldest first (reads the account's
     *         index partition only)
     */
    List<Invoice> ofAccount(String accountId, long periodStartFrom, long periodStartTo);

    /**
     * @param limit at most this many
     * @return drafts whose rating failed ({@link #recordFailure}), headers only (lines empty), oldest first; read from
     *         a sparse index that holds nothing else
     */
    List<Invoice> failedDrafts(int limit);

    /**
     * Creates the draft's header if absent, or starts a new attempt on an existing draft.
     *
     * @param header the draft header (status {@link InvoiceStatus#DRAFT}, lines ignored)
     * @return the attempt number that {@link #writeLines} and {@link #finalizeDraft} must use; empty when the invoice
     *         is already finalized
     */
    OptionalLong beginDraft(Invoice header);

    /**
     * Writes an attempt's lines (any number; batched). Lines of other attempts are left alone.
     *
     * @param invoiceId invoice id
     * @param attempt the attempt from {@link #beginDraft}
     * @param lines the lines, in presentation order
     */
    void writeLines(String invoiceId, long attempt, List<InvoiceLine> lines);

    /**
     * Finalizes a draft atomically: header to {@code open} with totals, the credit lines, and the ledger entries of
     * the credits drawn.
     *
     * @param invoice the finalized invoice (status {@link InvoiceStatus#OPEN}, every line, credit lines included)
     * @param attempt the attempt whose lines were written
     * @param credits what the credit ledger draws for it ({@link dev.tally.credit.CreditLedger#planDrawdown}); its
     *                entries are written on condition each grant still has what the plan read
     * @return the outcome
     */
    FinalizeOutcome finalizeDraft(Invoice invoice, long attempt, Drawdown credits);

    /**
     * Records on a draft why rating it failed; the draft stays a draft and is listed by {@link #failedDrafts}.
     *
     * @param invoiceId invoice id
     * @param reason the error, for people
     */
    void recordFailure(String invoiceId, String reason);

    /**
     * Records a Stripe payment outcome on a finalized invoice's header: its status ({@code paid}, {@code void},
     * {@code uncollectible}; a failed payment or a finalization keeps {@code open}) and the payment fields
     * ({@code paymentState}, {@code amountPaidMinor}, {@code attemptCount}, {@code nextPaymentAttemptAt},
     * {@code lastFailureAt}, {@code paidAt}, {@code stripeInvoiceId}, {@code paymentUpdatedAt}). Lines and amounts
     * never change. Order-safe like the payments table: an outcome older than the one recorded is not applied.
     *
     * @param invoiceId Tally invoice id
     * @param payment the outcome, from the Stripe event that reported it
     * @return true if applied; false if the invoice is absent, still a draft, or has a newer outcome
     */
    boolean recordPayment(String invoiceId, InvoicePayment payment);

    /** What {@link #finalizeDraft} did. */
    enum FinalizeOutcome {
        /** The invoice is now open. */
        FINALIZED,
        /** Another attempt started or finished first: re-read the invoice. */
        SUPERSEDED,
        /** A credit grant's remaining amount changed since it was read: plan the drawdown again and retry. */
        CREDITS_CHANGED
    }
}
