package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.local.schedule.ScheduleExpression;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScheduleExpressionTest {

    private static Instant next(String expression, String after) {
        return ScheduleExpression.parse(expression, "UTC", "t").nextAfter(Instant.parse(after)).orElseThrow();
    }

    @Test
    void cronUsesEventBridgesSixFields() {
        assertThat(next("cron(5 * * * ? *)", "2026-03-01T10:07:00Z")).isEqualTo("2026-03-01T11:05:00Z");
        assertThat(next("cron(5 * * * ? *)", "2026-03-01T10:04:59Z")).isEqualTo("2026-03-01T10:05:00Z");
        assertThat(next("cron(0 9 ? * MON-FRI *)", "2026-03-06T10:00:00Z")).isEqualTo("2026-03-09T09:00:00Z");
        assertThat(next("cron(0/15 * * * ? *)", "2026-03-01T10:16:00Z")).isEqualTo("2026-03-01T10:30:00Z");
        assertThat(next("cron(0 0 1 * ? *)", "2026-03-01T00:00:00Z")).isEqualTo("2026-04-01T00:00:00Z");
    }

    @Test
    void cronHonoursTheTimezone() {
        assertThat(ScheduleExpression.parse("cron(0 9 * * ? *)", "Europe/Paris", "t")
                .nextAfter(Instant.parse("2026-01-15T00:00:00Z")))
                .contains(Instant.parse("2026-01-15T08:00:00Z"));
    }

    @Test
    void rateAndAt() {
        assertThat(next("rate(15 minutes)", "2026-03-01T10:07:00Z")).isEqualTo("2026-03-01T10:22:00Z");
        assertThat(next("rate(1 day)", "2026-03-01T10:07:00Z")).isEqualTo("2026-03-02T10:07:00Z");
        assertThat(next("at(2026-03-01T12:00:00)", "2026-03-01T10:07:00Z")).isEqualTo("2026-03-01T12:00:00Z");
        assertThat(ScheduleExpression.parse("at(2026-03-01T12:00:00)", "UTC", "t")
                .nextAfter(Instant.parse("2026-03-01T12:00:00Z"))).isEmpty();
    }

    @Test
    void latestBetweenCoalescesSkippedOccurrences() {
        ScheduleExpression hourly = ScheduleExpression.parse("cron(5 * * * ? *)", "UTC", "t");
        assertThat(hourly.latestBetween(Instant.parse("2026-03-01T10:05:00Z"), Instant.parse("2026-03-02T07:30:00Z")))
                .isEqualTo("2026-03-02T07:05:00Z");
        assertThat(hourly.latestBetween(Instant.parse("2026-03-01T10:05:00Z"), Instant.parse("2026-03-01T11:05:00Z")))
                .isEqualTo("2026-03-01T11:05:00Z");
        assertThat(hourly.latestBetween(Instant.parse("2026-03-01T10:05:00Z"), Instant.parse("2026-03-01T10:05:00Z")))
                .isEqualTo("2026-03-01T10:05:00Z");
        ScheduleExpression rate = ScheduleExpression.parse("rate(10 minutes)", "UTC", "t");
        assertThat(rate.latestBetween(Instant.parse("2026-03-01T10:00:00Z"), Instant.parse("2026-03-01T10:59:00Z")))
                .isEqualTo("2026-03-01T10:50:00Z");
    }

    @Test
    void rejectsInvalidExpressions() {
        assertThatThrownBy(() -> ScheduleExpression.parse("cron(5 * * * ?)", "UTC", "Fn Events.Hourly"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Fn Events.Hourly: cron expressions take 6 fields");
        assertThatThrownBy(() -> ScheduleExpression.parse("every hour", "UTC", "x"))
                .hasMessageContaining("unsupported schedule expression");
        assertThatThrownBy(() -> ScheduleExpression.parse("rate(5 weeks)", "UTC", "x"))
                .hasMessageContaining("unsupported schedule expression");
    }
}
