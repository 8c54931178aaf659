package dev.tally.credit;

import java.math.BigInteger;
import java.util.Objects;

/**
 * The payment behind a prepaid-credit purchase and what its refunds took back: the link from a Stripe charge's
 * {@code payment_intent} to the grant it bought, so that {@code charge.refunded} can revoke the credits. Stored in the
 * credits table beside the grant ({@code PAYMENT#<payment intent>}). Amounts are minor units of {@code currency}.
 *
 * <p>Policy for refunds (docs/design.md, "Refunds of prepaid credits"): a refund revokes the share of the grant it
 * refunds ({@link #revocationTarget}), up to what the grant still has; what was already drawn by invoices is not
 * taken back from those invoices but recorded as {@code unrecoveredMinor}, reported in the webhook's answer, its log
 * and the metric {@code CreditRefundUnrecoveredMinor}, for the billing team to settle.
 *
 * @param accountId the account holding the grant
 * @param paymentIntentId Stripe's {@code pi_...} that paid for it
 * @param grantId the grant it bought
 * @param currency lowercase ISO 4217 code
 * @param paidMinor what the purchase was paid before tax (the grant's base), positive
 * @param grantedMinor the grant's amount, positive
 * @param refundedMinor Stripe's cumulative {@code amount_refunded} of the charge last applied
 * @param revokedMinor credits revoked so far by ledger entries
 * @param unrecoveredMinor credits refunded that had already been spent, so could not be revoked
 */
public record CreditPurchasePayment(String accountId, String paymentIntentId, String grantId, String currency,
                                    long paidMinor, long grantedMinor, long refundedMinor, long revokedMinor,
                                    long unrecoveredMinor) {

    /** @throws IllegalArgumentException if an amount is out of range */
    public CreditPurchasePayment {
        Objects.requireNonNull(accountId, "accountId");
        Objects.requireNonNull(paymentIntentId, "paymentIntentId");
        Objects.requireNonNull(grantId, "grantId");
        Objects.requireNonNull(currency, "currency");
        if (paidMinor <= 0 || grantedMinor <= 0 || refundedMinor < 0 || revokedMinor < 0 || unrecoveredMinor < 0) {
            throw new IllegalArgumentException("credit purchase payment " + paymentIntentId + " has an amount out of range");
        }
    }

    /**
     * @param refundedMinor the charge's cumulative refunded amount (Stripe's {@code amount_refunded}); a refund may
     *     include tax, which bought no credits, so the share is capped at the whole grant
     * @return credits the refunds so far take back in all: {@code floor(refunded * granted / paid)}, at most granted
     */
    public long revocationTarget(long refundedMinor) {
        BigInteger share = BigInteger.valueOf(refundedMinor).multiply(BigInteger.valueOf(grantedMinor))
                .divide(BigInteger.valueOf(paidMinor));
        return share.min(BigInteger.valueOf(grantedMinor)).longValueExact();
    }
}
