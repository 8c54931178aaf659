package dev.tally.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations and times as the {@code tally} commands take them on the command line; a malformed one is invalid usage
 * (picocli's {@link ParameterException}, exit code 2) naming what is accepted.
 */
final class TimeArguments {
    private static final Pattern SHORT = Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

    private TimeArguments() {
    }

    /**
     * @param spec the command, for the usage error
     * @param text whole days, hours, minutes and seconds written together ({@code 32d}, {@code 1d12h}, {@code 90m},
     *             {@code 45s}) or ISO-8601 ({@code P32D}, {@code PT1H})
     * @return the duration, more than zero
     * @throws ParameterException when malformed or not positive
     */
    static Duration duration(CommandSpec spec, String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        Duration d = null;
        Matcher m = SHORT.matcher(t);
        if (!t.isEmpty() && m.matches()) {
            d = Duration.ofDays(group(m, 1)).plusHours(group(m, 2)).plusMinutes(group(m, 3)).plusSeconds(group(m, 4));
        } else if (t.startsWith("p")) {
            try {
                d = Duration.parse(t.toUpperCase(Locale.ROOT));
            } catch (DateTimeException e) {
                d = null;
            }
        }
        if (d == null) {
            throw new ParameterException(spec.commandLine(), "'" + text + "' is not a duration; write e.g. 32d, 1d12h, "
                    + "90m, 45s, or ISO-8601 P32D / PT1H");
        }
        if (d.isNegative() || d.isZero()) {
            throw new ParameterException(spec.commandLine(), "the duration '" + text + "' is not above zero");
        }
        return d;
    }

    /**
     * @param spec the command, for the usage error
     * @param text ISO-8601 UTC ({@code 2027-01-01T00:00:00Z}), a date ({@code 2027-01-01}, midnight UTC) or seconds
     *             since the epoch
     * @return the instant
     * @throws ParameterException when malformed
     */
    static Instant time(CommandSpec spec, String text) {
        try {
            return InstantConverter.parse(text);
        } catch (picocli.CommandLine.TypeConversionException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * @param spec the command, for the usage error
     * @param text a {@link #time} or a {@link #duration} from {@code now}
     * @param now what a duration counts from
     * @return the instant
     * @throws ParameterException when it is neither
     */
    static Instant timeOrFromNow(CommandSpec spec, String text, Instant now) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        boolean looksLikeDuration = t.startsWith("p") || (!t.isEmpty() && SHORT.matcher(t).matches() && !t.matches("\\d+"));
        return looksLikeDuration ? now.plus(duration(spec, text)) : time(spec, text);
    }

    private static long group(Matcher m, int i) {
        return m.group(i) == null ? 0 : Long.parseLong(m.group(i));
    }
}
