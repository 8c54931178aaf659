package dev.tally.account;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.ZonedDateTime;
import java.util.List;

import static java.time.ZoneOffset.UTC;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BillingPeriodTest {

    private static long at(int year, int month, int day) {
        return at(year, month, day, 0, 0, 0);
    }

    private static long at(int year, int month, int day, int hour, int minute, int second) {
        return ZonedDateTime.of(year, month, day, hour, minute, second, 0, UTC).toEpochSecond();
    }

    private static BillingPeriod monthly(long anchor, long instant) {
        return BillingPeriod.containing(anchor, "month", 1, instant);
    }

    @Test
    void monthlyFromAMidMonthAnchor() {
        long anchor = at(2026, 3, 15, 10, 0, 0);
        // any instant in the first month: [Mar 15 10:00, Apr 15 10:00)
        BillingPeriod first = new BillingPeriod(anchor, at(2026, 4, 15, 10, 0, 0));
        assertThat(monthly(anchor, anchor)).isEqualTo(first);
        assertThat(monthly(anchor, at(2026, 4, 2))).isEqualTo(first);
        assertThat(monthly(anchor, at(2026, 4, 15, 9, 59, 59))).isEqualTo(first);
        // later months keep the day and the time of day of the anchor
        assertThat(monthly(anchor, at(2026, 12, 24)))
                .isEqualTo(new BillingPeriod(at(2026, 12, 15, 10, 0, 0), at(2027, 1, 15, 10, 0, 0)));
        assertThat(monthly(anchor, at(2031, 7, 1)))
                .isEqualTo(new BillingPeriod(at(2031, 6, 15, 10, 0, 0), at(2031, 7, 15, 10, 0, 0)));
    }

    @Test
    void endOfMonthAnchorFallsOnTheLastDayOfShorterMonthsWithoutDrift() {
        long anchor = at(2026, 1, 31);
        // Jan 31 -> Feb 28 (2026 is not a leap year) -> Mar 31, not Mar 28
        assertThat(monthly(anchor, at(2026, 2, 10))).isEqualTo(new BillingPeriod(at(2026, 1, 31), at(2026, 2, 28)));
        assertThat(monthly(anchor, at(2026, 3, 1))).isEqualTo(new BillingPeriod(at(2026, 2, 28), at(2026, 3, 31)));
        assertThat(monthly(anchor, at(2026, 4, 15))).isEqualTo(new BillingPeriod(at(2026, 3, 31), at(2026, 4, 30)));
        assertThat(monthly(anchor, at(2026, 5, 30))).isEqualTo(new BillingPeriod(at(2026, 4, 30), at(2026, 5, 31)));
        // two years on, still the 31st where the month has one
        assertThat(monthly(anchor, at(2027, 12, 31))).isEqualTo(new BillingPeriod(at(2027, 12, 31), at(2028, 1, 31)));
    }

    @Test
    void endOfMonthAnchorInALeapYear() {
        long anchor = at(2028, 1, 31);
        // 2028 is a leap year: Jan 31 -> Feb 29 -> Mar 31
        assertThat(monthly(anchor, at(2028, 2, 1))).isEqualTo(new BillingPeriod(at(2028, 1, 31), at(2028, 2, 29)));
        assertThat(monthly(anchor, at(2028, 2, 29))).isEqualTo(new BillingPeriod(at(2028, 2, 29), at(2028, 3, 31)));
        // an anchor from an earlier year reaches the same boundaries
        long earlier = at(2026, 10, 31);
        assertThat(monthly(earlier, at(2028, 3, 1))).isEqualTo(new BillingPeriod(at(2028, 2, 29), at(2028, 3, 31)));
    }

    @Test
    void instantAtABoundaryBelongsToTheNextPeriod() {
        long anchor = at(2026, 1, 31);
        long boundary = at(2026, 2, 28);
        BillingPeriod before = monthly(anchor, boundary - 1);
        BillingPeriod atBoundary = monthly(anchor, boundary);
        assertThat(before).isEqualTo(new BillingPeriod(at(2026, 1, 31), boundary));
        assertThat(atBoundary).isEqualTo(new BillingPeriod(boundary, at(2026, 3, 31)));
        // the end is exclusive, the start inclusive
        assertThat(atBoundary.start()).isEqualTo(boundary);
        assertThat(before.end()).isEqualTo(boundary);
    }

    @Test
    void instantsBeforeTheAnchor() {
        long anchor = at(2026, 3, 15);
        assertThat(monthly(anchor, at(2026, 3, 14, 23, 59, 59)))
                .isEqualTo(new BillingPeriod(at(2026, 2, 15), at(2026, 3, 15)));
        assertThat(monthly(anchor, at(2026, 2, 15))).isEqualTo(new BillingPeriod(at(2026, 2, 15), at(2026, 3, 15)));
        assertThat(monthly(anchor, at(2025, 12, 31))).isEqualTo(new BillingPeriod(at(2025, 12, 15), at(2026, 1, 15)));
        // end-of-month anchor counted backwards: Jan 31 - 1 month = Dec 31, - 2 months = Nov 30
        long endOfMonth = at(2026, 1, 31);
        assertThat(monthly(endOfMonth, at(2025, 12, 15))).isEqualTo(new BillingPeriod(at(2025, 11, 30), at(2025, 12, 31)));
        assertThat(monthly(endOfMonth, at(2025, 12, 31))).isEqualTo(new BillingPeriod(at(2025, 12, 31), at(2026, 1, 31)));
    }

    @Test
    void quarterlyWithIntervalCountThree() {
        long anchor = at(2026, 1, 31);
        // boundaries: Jan 31, Apr 30, Jul 31, Oct 31, Jan 31
        assertThat(BillingPeriod.containing(anchor, "month", 3, at(2026, 2, 28)))
                .isEqualTo(new BillingPeriod(at(2026, 1, 31), at(2026, 4, 30)));
        assertThat(BillingPeriod.containing(anchor, "month", 3, at(2026, 5, 1)))
                .isEqualTo(new BillingPeriod(at(2026, 4, 30), at(2026, 7, 31)));
        assertThat(BillingPeriod.containing(anchor, "month", 3, at(2026, 10, 31)))
                .isEqualTo(new BillingPeriod(at(2026, 10, 31), at(2027, 1, 31)));
        // before the anchor: Jan 31 - 3 months = Oct 31
        assertThat(BillingPeriod.containing(anchor, "month", 3, at(2026, 1, 1)))
                .isEqualTo(new BillingPeriod(at(2025, 10, 31), at(2026, 1, 31)));
    }

    @Test
    void yearly() {
        long anchor = at(2026, 6, 1, 12, 0, 0);
        assertThat(BillingPeriod.containing(anchor, "year", 1, at(2027, 3, 1)))
                .isEqualTo(new BillingPeriod(at(2026, 6, 1, 12, 0, 0), at(2027, 6, 1, 12, 0, 0)));
        assertThat(BillingPeriod.containing(anchor, "year", 2, at(2029, 1, 1)))
                .isEqualTo(new BillingPeriod(at(2028, 6, 1, 12, 0, 0), at(2030, 6, 1, 12, 0, 0)));
        // Feb 29 anchor: Feb 28 in common years, Feb 29 again in 2032
        long leap = at(2028, 2, 29);
        assertThat(BillingPeriod.containing(leap, "year", 1, at(2029, 6, 1)))
                .isEqualTo(new BillingPeriod(at(2029, 2, 28), at(2030, 2, 28)));
        assertThat(BillingPeriod.containing(leap, "year", 1, at(2032, 3, 1)))
                .isEqualTo(new BillingPeriod(at(2032, 2, 29), at(2033, 2, 28)));
    }

    @Test
    void nextFollowsWithoutGapsOrDrift() {
        long anchor = at(2026, 1, 31);
        List<Long> expectedStarts = List.of(
                at(2026, 1, 31), at(2026, 2, 28), at(2026, 3, 31), at(2026, 4, 30), at(2026, 5, 31), at(2026, 6, 30),
                at(2026, 7, 31), at(2026, 8, 31), at(2026, 9, 30), at(2026, 10, 31), at(2026, 11, 30), at(2026, 12, 31),
                at(2027, 1, 31), at(2027, 2, 28));
        BillingPeriod period = monthly(anchor, anchor);
        for (int i = 0; i < expectedStarts.size() - 1; i++) {
            assertThat(period).as("period %d", i)
                    .isEqualTo(new BillingPeriod(expectedStarts.get(i), expectedStarts.get(i + 1)));
            BillingPeriod next = period.next(anchor, "month", 1);
            assertThat(next.start()).isEqualTo(period.end());
            period = next;
        }
    }

    @ParameterizedTest(name = "{0} x {1}")
    @CsvSource({"month, 1", "month, 3", "year, 1"})
    void everyInstantIsInExactlyOnePeriodAlignedToTheAnchor(String interval, int count) {
        long anchor = at(2026, 1, 31, 8, 30, 0);
        // walk 9 years, one instant every 9.5 hours (so every time of day is visited)
        for (long t = at(2024, 1, 1); t < at(2033, 1, 1); t += 34_200) {
            BillingPeriod p = BillingPeriod.containing(anchor, interval, count, t);
            assertThat(p.start()).isLessThanOrEqualTo(t);
            assertThat(p.end()).isGreaterThan(t);
            // the period just before this one ends where this one starts
            assertThat(BillingPeriod.containing(anchor, interval, count, p.start() - 1).end()).isEqualTo(p.start());
            // boundaries keep the anchor's time of day
            assertThat(p.start() % 86_400).isEqualTo(anchor % 86_400);
        }
    }

    @Test
    void invalidArguments() {
        long anchor = at(2026, 1, 1);
        assertThatThrownBy(() -> BillingPeriod.containing(anchor, "week", 1, anchor))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("week");
        assertThatThrownBy(() -> BillingPeriod.containing(anchor, "month", 0, anchor))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval_count");
        assertThatThrownBy(() -> BillingPeriod.containing(anchor, "year", -1, anchor))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BillingPeriod(anchor, anchor)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BillingPeriod(anchor, anchor - 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
