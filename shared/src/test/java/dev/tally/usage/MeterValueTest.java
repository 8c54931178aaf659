package dev.tally.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.catalog.Aggregation;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Merging bucket values is exact: any split of a set of events, merged in any order, gives the same quantities. */
class MeterValueTest {

    @Test
    void eachAggregationOfAKnownSetOfEvents() {
        MeterValue v = MeterValue.of(new BigDecimal("2.5"), 100, "b", "u1")
                .merge(MeterValue.of(new BigDecimal("7"), 50, "a", "u2"))
                .merge(MeterValue.of(new BigDecimal("1"), 100, "c", "u1"));

        assertThat(v.quantity(Aggregation.SUM)).isEqualByComparingTo("10.5");
        assertThat(v.quantity(Aggregation.COUNT)).isEqualByComparingTo("3");
        assertThat(v.quantity(Aggregation.MAX)).isEqualByComparingTo("7");
        // latest by time; at equal times the greater id ("c" over "b")
        assertThat(v.quantity(Aggregation.LAST)).isEqualByComparingTo("1");
        assertThat(v.quantity(Aggregation.UNIQUE_COUNT)).isEqualByComparingTo("2");
        assertThat(MeterValue.EMPTY.quantity(Aggregation.MAX)).isEqualByComparingTo("0");
    }

    @Test
    void anySplitAndOrderGivesTheSameQuantities() {
        Random random = new Random(20261201);
        for (int round = 0; round < 200; round++) {
            List<MeterValue> events = new ArrayList<>();
            for (int i = 0; i < 1 + random.nextInt(40); i++) {
                events.add(MeterValue.of(BigDecimal.valueOf(random.nextInt(10_000), random.nextInt(4)),
                        1_000 + random.nextInt(50), "e" + i, "user" + random.nextInt(7)));
            }
            MeterValue whole = events.stream().reduce(MeterValue.EMPTY, MeterValue::merge);
            Collections.shuffle(events, random);
            // cut into random buckets, merge each, then merge the buckets in another order
            List<MeterValue> buckets = new ArrayList<>();
            MeterValue current = MeterValue.EMPTY;
            for (MeterValue e : events) {
                current = current.merge(e);
                if (random.nextInt(4) == 0) {
                    buckets.add(current);
                    current = MeterValue.EMPTY;
                }
            }
            buckets.add(current);
            Collections.shuffle(buckets, random);
            MeterValue merged = buckets.stream().reduce(MeterValue.EMPTY, MeterValue::merge);
            for (Aggregation a : Aggregation.values()) {
                assertThat(merged.quantity(a)).as("%s in round %d", a, round).isEqualByComparingTo(whole.quantity(a));
            }
        }
    }

    @Test
    void keysEscapeTheSeparatorsSoTwoAccountsNeverShareAKey() {
        assertThat(UsageKeys.eventKey("a#b", "c")).isNotEqualTo(UsageKeys.eventKey("a", "b#c"));
        assertThat(UsageKeys.eventKey("a#b", "c")).isEqualTo("a%23b#c");
        assertThat(UsageKeys.bucketKey(7_200, Map.of("region", "eu=1&x", "arch", "arm")))
                .isEqualTo("H#0000007200#arch=arm&region=eu%3D1%26x");
        assertThat(UsageKeys.hourStart(7_199)).isEqualTo(3_600);
        assertThat(UsageKeys.hourStart(-1)).isEqualTo(-3_600);
    }
}
