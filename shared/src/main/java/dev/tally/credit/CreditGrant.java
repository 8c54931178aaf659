package dev.tally.credit;

import dev.tally.money.Currencies;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A credit grant: prepaid or free credit an account may spend on its invoices. Immutable: what is left of it
 * ({@link GrantBalance#remainingMinor()}) is the sum of its {@link LedgerEntry ledger entries}, never a field changed
 * on its own.
 *
 * <p>The account holding a grant is the one whose invoices draw from it; a payer account over several organisations
 * (a later issue) holds the grants its organisations' invoices share, and those invoices draw with the payer's id.
 *
 * @param grantId unique per account, {@code cg_...} (letters, digits, {@code _} and {@code -}); a purchase's derives
 *                from its Checkout Session ({@link #purchaseGrantId}), so the session grants once
 * @param accountId the account that holds it
 * @param currency lowercase ISO 4217 code; only invoices in this currency draw from it
 * @param amountMinor amount granted, minor units, positive
 * @param priority 0 to 100, lower is drawn first (Stripe's rule for credit grants,
 *                 https://docs.stripe.com/changelog/acacia/2025-02-24/billing-credits-priority); default
 *                 {@value #DEFAULT_PRIORITY}
 * @param effectiveAt from when it may be drawn, seconds since the epoch
 * @param expiresAt when what is left of it expires, seconds since the epoch (exclusive: not drawn at that second);
 *                  null: never
 * @param source what created it
 * @param sourceRef what it came from: a Checkout Session id {@code cs_...} for a purchase, the operator for others
 * @param reason why, for people (required)
 * @param createdBy who or what created it: {@code stripe} for purchases, an operator's name otherwise
 * @param createdAt when it was recorded, seconds since the epoch
 */
public record CreditGrant(String grantId, String accountId, String currency, long amountMinor, int priority,
                          long effectiveAt, Long expiresAt, GrantSource source, String sourceRef, String reason,
                          String createdBy, long createdAt) {
    /** Priority of a grant that names none: Stripe's default. */
    public static final int DEFAULT_PRIORITY = 50;
    /** Highest priority (drawn first). */
    public static final int MIN_PRIORITY = 0;
    /** Lowest priority (drawn last). */
    public static final int MAX_PRIORITY = 100;
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");

    /**
     * @throws IllegalArgumentException if a field is missing or out of range (the message names it)
     */
    public CreditGrant {
        require(grantId != null && ID.matcher(grantId).matches(), "grant id must be 1 to 200 letters, digits, _ or -, was " + grantId);
        require(accountId != null && !accountId.isBlank(), "a credit grant needs an account");
        Objects.requireNonNull(currency, "currency");
        require(currency.equals(Currencies.normalise(currency)), "currency must be a lowercase ISO 4217 code, was " + currency);
        require(amountMinor > 0, "a credit grant must be positive, was " + amountMinor);
        require(priority >= MIN_PRIORITY && priority <= MAX_PRIORITY, "priority must be 0 to 100 (lower is drawn first), was " + priority);
        require(expiresAt == null || expiresAt > effectiveAt, "a credit grant must expire after it takes effect ("
                + Instant.ofEpochSecond(effectiveAt) + ")");
        Objects.requireNonNull(source, "source");
        require(sourceRef != null && !sourceRef.isBlank(), "a credit grant needs a source reference");
        require(reason != null && !reason.isBlank(), "a credit grant needs a reason");
        require(createdBy != null && !createdBy.isBlank(), "a credit grant needs who created it");
    }

    /**
     * @param checkoutSessionId a Checkout Session id, {@code cs_...}
     * @return the id of the grant that session buys: {@code cg_<session id>}
     */
    public static String purchaseGrantId(String checkoutSessionId) {
        return "cg_" + checkoutSessionId;
    }

    /** @return a new random grant id, {@code cg_} and 24 hex digits */
    public static String newGrantId() {
        return "cg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    /**
     * @param at seconds since the epoch
     * @return true if invoices may draw from it at {@code at}: {@code effectiveAt <= at < expiresAt}
     */
    public boolean appliesAt(long at) {
        return effectiveAt <= at && (expiresAt == null || at < expiresAt);
    }

    /** @return true if it has an expiry at or before {@code at} */
    public boolean expiredAt(long at) {
        return expiresAt != null && expiresAt <= at;
    }

    /** @return how people see it on an invoice or an alert: {@code Promotional credit cg_... (Launch offer)} */
    public String describe() {
        String kind = switch (source) {
            case PURCHASE -> "Prepaid credit";
            case PROMOTIONAL -> "Promotional credit";
            case GOODWILL -> "Goodwill credit";
        };
        return kind + " " + grantId + " (" + reason + ")";
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
