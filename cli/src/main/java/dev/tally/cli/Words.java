package dev.tally.cli;

/** Counts in sentences for people: {@code 1 message}, {@code 2 messages}, {@code 0 messages}. */
final class Words {
    private Words() {
    }

    /**
     * @param count how many
     * @param noun the singular, e.g. {@code message}; the plural adds {@code s}
     * @return e.g. {@code "1 message"} or {@code "3 messages"}
     */
    static String count(long count, String noun) {
        return count + " " + plural(count, noun);
    }

    /**
     * @param quantity an exact quantity, e.g. {@code 1234.5}
     * @param unit the meter's unit in the singular, e.g. {@code minute}, or null when unknown
     * @return e.g. {@code "1234.5 minutes"}, {@code "1 minute"}, or the plain quantity without a unit
     */
    static String quantity(java.math.BigDecimal quantity, String unit) {
        if (quantity == null) {
            return null;
        }
        String plain = quantity.toPlainString();
        return unit == null ? plain : plain + " " + (quantity.compareTo(java.math.BigDecimal.ONE) == 0 ? unit : unit + "s");
    }

    /**
     * @param count how many
     * @param noun the singular
     * @return {@code noun} when {@code count} is exactly 1, else its plural ({@code s} added)
     */
    static String plural(long count, String noun) {
        return count == 1 ? noun : noun + "s";
    }
}
