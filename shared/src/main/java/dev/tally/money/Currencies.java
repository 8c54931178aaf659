package dev.tally.money;

import java.util.Currency;
import java.util.Locale;

/**
 * Currency codes as Tally stores them: lowercase ISO 4217, the form Stripe uses ({@code "usd"}, {@code "jpy"}).
 */
public final class Currencies {

    private Currencies() {
    }

    /**
     * Normalises and checks an ISO 4217 code.
     *
     * @param code a currency code in any case, e.g. {@code "USD"}
     * @return the lowercase code, e.g. {@code "usd"}
     * @throws IllegalArgumentException if the code is not an ISO 4217 currency
     */
    public static String normalise(String code) {
        if (code == null || code.isBlank()) {
            throw new IllegalArgumentException("currency is required");
        }
        try {
            return Currency.getInstance(code.toUpperCase(Locale.ROOT)).getCurrencyCode().toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not an ISO 4217 currency: " + code, e);
        }
    }

    /**
     * Digits after the decimal point of a currency's major unit: 2 for usd, 0 for the zero-decimal jpy
     * (https://docs.stripe.com/currencies#zero-decimal). Only used to display amounts; arithmetic is in minor units.
     *
     * @param code lowercase ISO 4217 code
     * @return number of minor-unit digits
     */
    public static int minorDigits(String code) {
        int digits = Currency.getInstance(code.toUpperCase(Locale.ROOT)).getDefaultFractionDigits();
        return Math.max(digits, 0);
    }

    /**
     * Formats minor units for people: {@code format(123456, "usd")} is {@code "1234.56 USD"}.
     *
     * @param amountMinor amount in minor units
     * @param code lowercase ISO 4217 code
     * @return the amount in major units with the upper-case code
     */
    public static String format(long amountMinor, String code) {
        return java.math.BigDecimal.valueOf(amountMinor, minorDigits(code)).toPlainString() + " "
                + code.toUpperCase(Locale.ROOT);
    }
}
