package dev.tally.catalog;

/**
 * A meter: something a product measures and Tally counts, e.g. build minutes.
 *
 * @param id stable identifier used in usage events ({@code "build_minutes"})
 * @param displayName name on invoices ({@code "Build minutes"})
 * @param unit unit of one counted quantity ({@code "minute"})
 * @param aggregation how a period's events combine; {@code sum} is the only one so far
 */
public record Meter(String id, String displayName, String unit, String aggregation) {
}
