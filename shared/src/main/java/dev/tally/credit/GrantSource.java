package dev.tally.credit;

import java.util.Locale;

/**
 * What created a credit grant: a closed vocabulary, stored lowercase ({@code purchase}, {@code promotional},
 * {@code goodwill}). Stripe's credit grants know two categories, {@code paid} and {@code promotional}
 * (https://docs.stripe.com/api/billing/credit-grant/object#billing_credit_grant_object-category); Tally tells
 * goodwill credits (granted after an incident, say) apart from promotions for reporting, and prices both at zero.
 */
public enum GrantSource {
    /** Paid for: a Checkout Session with {@code metadata.tally_purpose=prepaid_credits}. */
    PURCHASE,
    /** Given away to win or keep a customer: {@code tally credits grant}. */
    PROMOTIONAL,
    /** Given to make up for a fault: {@code tally credits grant --source goodwill}. */
    GOODWILL;

    /** @return the stored form, e.g. {@code promotional} */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param text a stored form or name in any case, e.g. {@code purchase}
     * @return the source
     * @throws IllegalArgumentException if it names none
     */
    public static GrantSource parse(String text) {
        for (GrantSource s : values()) {
            if (s.name().equalsIgnoreCase(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown credit grant source '" + text + "': purchase, promotional or goodwill");
    }
}
