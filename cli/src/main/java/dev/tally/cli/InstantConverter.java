package dev.tally.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Reads a time option or parameter ({@code --clock}, {@code clock set}, {@code clock advance --to}): ISO-8601 UTC
 * ({@code 2027-01-01T00:00:00Z}), a date ({@code 2027-01-01}, midnight UTC) or seconds since the epoch. Anything else
 * is invalid usage (exit code 2) with a message saying how to write it.
 */
final class InstantConverter implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
        return parse(value);
    }

    /**
     * @param text the time as the user wrote it
     * @return the instant
     * @throws TypeConversionException when it is none of the accepted forms
     */
    static Instant parse(String text) {
        String t = text.strip();
        try {
            if (t.matches("\\d+")) {
                return Instant.ofEpochSecond(Long.parseLong(t));
            }
            if (t.matches("\\d{4}-\\d{2}-\\d{2}")) {
                return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(t);
        } catch (DateTimeException | NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is not a time; write e.g. "
                    + "2027-01-01T00:00:00Z, 2027-01-01 or seconds since the epoch");
        }
    }
}
