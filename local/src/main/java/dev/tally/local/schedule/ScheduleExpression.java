package dev.tally.local.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An EventBridge Scheduler expression: {@code cron(minutes hours day-of-month month day-of-week year)},
 * {@code rate(value minute|minutes|hour|hours|day|days)} or {@code at(yyyy-mm-ddThh:mm:ss)}, in a time zone
 * ({@code ScheduleExpressionTimezone}, default UTC).
 *
 * <p>Cron expressions are evaluated by cron-utils with its Quartz definition: EventBridge's six fields are Quartz's
 * seven with the seconds field fixed at 0, and both use 1-7 = SUN-SAT, {@code ?}, {@code L}, {@code W} and
 * {@code #}. A rate fires every period after the previous fire time (the first one a period after the scheduler
 * starts). Instances are immutable and thread-safe.
 */
public final class ScheduleExpression {
    private static final CronParser QUARTZ = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));
    private static final Pattern CRON = Pattern.compile("^cron\\((.+)\\)$");
    private static final Pattern RATE = Pattern.compile("^rate\\(\\s*(\\d+)\\s+(minutes?|hours?|days?)\\s*\\)$");
    private static final Pattern AT = Pattern.compile("^at\\((.+)\\)$");

    private final String expression;
    private final ZoneId zone;
    private final ExecutionTime cron;
    private final Duration rate;
    private final Instant at;

    private ScheduleExpression(String expression, ZoneId zone, ExecutionTime cron, Duration rate, Instant at) {
        this.expression = expression;
        this.zone = zone;
        this.cron = cron;
        this.rate = rate;
        this.at = at;
    }

    /**
     * Parses an expression.
     *
     * @param expression e.g. {@code cron(5 * * * ? *)}, {@code rate(15 minutes)}, {@code at(2026-01-01T00:00:00)}
     * @param timezone an IANA zone id, e.g. {@code UTC} or {@code Europe/Paris}
     * @param where what to name in error messages
     * @throws IllegalArgumentException when the expression or the zone is not valid
     */
    public static ScheduleExpression parse(String expression, String timezone, String where) {
        String trimmed = expression.trim();
        ZoneId zone;
        try {
            zone = ZoneId.of(timezone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(where + ": unknown ScheduleExpressionTimezone " + timezone, e);
        }
        Matcher m = CRON.matcher(trimmed);
        if (m.matches()) {
            String[] fields = m.group(1).trim().split("\\s+");
            if (fields.length != 6) {
                throw new IllegalArgumentException(where + ": cron expressions take 6 fields (minutes hours "
                        + "day-of-month month day-of-week year), found " + fields.length + " in " + expression);
            }
            try {
                Cron cron = QUARTZ.parse("0 " + String.join(" ", fields));
                return new ScheduleExpression(trimmed, zone, ExecutionTime.forCron(cron), null, null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": invalid cron expression " + expression + ": "
                        + e.getMessage(), e);
            }
        }
        m = RATE.matcher(trimmed);
        if (m.matches()) {
            long value = Long.parseLong(m.group(1));
            if (value < 1) {
                throw new IllegalArgumentException(where + ": rate must be at least 1: " + expression);
            }
            Duration unit = switch (m.group(2).replaceAll("s$", "")) {
                case "minute" -> Duration.ofMinutes(1);
                case "hour" -> Duration.ofHours(1);
                default -> Duration.ofDays(1);
            };
            return new ScheduleExpression(trimmed, zone, null, unit.multipliedBy(value), null);
        }
        m = AT.matcher(trimmed);
        if (m.matches()) {
            try {
                Instant at = LocalDateTime.parse(m.group(1).trim()).atZone(zone).toInstant();
                return new ScheduleExpression(trimmed, zone, null, null, at);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(where + ": invalid at() expression " + expression, e);
            }
        }
        throw new IllegalArgumentException(where + ": unsupported schedule expression '" + expression
                + "' (cron(...), rate(...) or at(...))");
    }

    /**
     * The first fire time strictly after {@code after}: the next cron match, {@code after} plus the rate, or the
     * {@code at} time if it is later; empty when the schedule never fires again.
     */
    public Optional<Instant> nextAfter(Instant after) {
        if (cron != null) {
            return cron.nextExecution(after.atZone(zone)).map(t -> t.toInstant());
        }
        if (rate != null) {
            return Optional.of(after.plus(rate));
        }
        return at.isAfter(after) ? Optional.of(at) : Optional.empty();
    }

    /**
     * The latest fire time {@code t} with {@code first <= t <= now}, where {@code first} is a fire time; used to
     * coalesce the occurrences a jump of the clock skipped over into one.
     *
     * @throws IllegalArgumentException when {@code first} is after {@code now}
     */
    public Instant latestBetween(Instant first, Instant now) {
        if (first.isAfter(now)) {
            throw new IllegalArgumentException(first + " is after " + now);
        }
        if (cron != null) {
            // cron-utils works to the second and answers "strictly before"; step back once if that overshoots.
            Optional<ZonedDateTime> last = cron.lastExecution(now.plusSeconds(1).atZone(zone));
            if (last.isPresent() && last.get().toInstant().isAfter(now)) {
                last = cron.lastExecution(last.get());
            }
            Instant candidate = last.map(ZonedDateTime::toInstant).orElse(first);
            return candidate.isBefore(first) ? first : candidate;
        }
        if (rate != null) {
            long periods = Duration.between(first, now).dividedBy(rate);
            return first.plus(rate.multipliedBy(periods));
        }
        return first;
    }

    /** The expression as written in the template. */
    public String expression() {
        return expression;
    }

    /** The zone the expression is evaluated in. */
    public ZoneId zone() {
        return zone;
    }

    @Override
    public String toString() {
        return expression + (zone.getId().equals("UTC") ? "" : " (" + zone.getId() + ")");
    }
}
