package dev.tally.subscription;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PhasesTest {
    /** 2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z: 31 days. */
    static final long JAN = 1767225600L;
    static final long FEB = 1769904000L;
    static final long JAN_16 = JAN + 15 * 86_400L;

    @Test
    void aPlanChangeClosesTheOpenPhaseAtTheChangeAndOpensTheNext() {
        List<Phase> phases = Phases.change(List.of(), "team", 1, JAN);
        phases = Phases.change(phases, "business", 3, JAN_16);
        assertThat(phases).containsExactly(new Phase("team", 1, JAN, JAN_16), new Phase("business", 3, JAN_16, null));
    }

    @Test
    void theSamePlanAndSeatsAgainChangesNothing() {
        List<Phase> phases = Phases.change(List.of(), "team", 2, JAN);
        assertThat(Phases.change(phases, "team", 2, JAN_16)).containsExactly(new Phase("team", 2, JAN, null));
    }

    @Test
    void aSeatChangeIsANewPhase() {
        List<Phase> phases = Phases.change(Phases.change(List.of(), "team", 2, JAN), "team", 5, JAN_16);
        assertThat(phases).extracting(Phase::quantity).containsExactly(2L, 5L);
    }

    @Test
    void aChangeBeforeTheOpenPhaseStartedIsRefused() {
        List<Phase> phases = Phases.change(List.of(), "team", 1, JAN_16);
        assertThatThrownBy(() -> Phases.change(phases, "business", 1, JAN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("precedes");
    }

    @Test
    void theEndClosesTheOpenPhaseAndEarlierPhasesStayAsTheyWere() {
        List<Phase> phases = Phases.change(Phases.change(List.of(), "team", 1, JAN), "business", 1, JAN_16);
        assertThat(Phases.end(phases, FEB - 100)).containsExactly(new Phase("team", 1, JAN, JAN_16),
                new Phase("business", 1, JAN_16, FEB - 100));
    }

    @Test
    void slicesCutThePeriodAtEachChangeAndAtTheEnd() {
        List<Phase> phases = List.of(new Phase("team", 1, JAN - 86_400, JAN_16), new Phase("business", 2, JAN_16, null));
        List<PhaseSlice> slices = Phases.slices(phases, JAN, FEB, FEB - 86_400);
        assertThat(slices).extracting(PhaseSlice::start, PhaseSlice::end)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(JAN, JAN_16),
                        org.assertj.core.groups.Tuple.tuple(JAN_16, FEB - 86_400));
        assertThat(slices.get(0).seconds()).isEqualTo(15 * 86_400L);
        assertThat(slices.get(0).periodSeconds()).isEqualTo(31 * 86_400L);
    }

    @Test
    void aProratedShareIsExactToTheSecond() {
        PhaseSlice half = new PhaseSlice(new Phase("team", 1, JAN, null), JAN, JAN_16, JAN, FEB);
        // $25.00 a month for 15 of 31 days: 2500 * 15 / 31 = 1209.677419... cents.
        assertThat(Phases.share(new BigDecimal("2500"), half).setScale(6, RoundingMode.HALF_UP))
                .isEqualByComparingTo("1209.677419");
        assertThat(Phases.fraction(half)).isEqualByComparingTo("0.483871");
    }

    @Test
    void aWholePeriodIsItsFullAmount() {
        PhaseSlice whole = new PhaseSlice(new Phase("team", 1, JAN, null), JAN, FEB, JAN, FEB);
        assertThat(Phases.share(new BigDecimal("2500"), whole)).isEqualTo(new BigDecimal("2500"));
    }

    /** Proration adds up to the whole: however a period is cut, the shares of an amount sum to the amount. */
    @Property(tries = 300)
    void sharesOfAPeriodAddUpToTheWhole(@ForAll @LongRange(min = 1, max = 1_000_000_000) long amount,
                                        @ForAll @IntRange(min = 1, max = 12) int cuts,
                                        @ForAll @LongRange(min = 1, max = 1_000_000) long seed) {
        List<Phase> phases = new ArrayList<>();
        long at = JAN;
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < cuts; i++) {
            long next = at + 1 + Math.floorMod(random.nextLong(), Math.max(1, FEB - at - (cuts - i)));
            phases = Phases.change(phases, "plan" + i, 1, at);
            at = Math.min(next, FEB - (cuts - i - 1));
        }
        BigDecimal sum = Phases.slices(phases, JAN, FEB, null).stream()
                .map(s -> Phases.share(BigDecimal.valueOf(amount), s)).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(sum.setScale(20, RoundingMode.HALF_UP)).isEqualByComparingTo(BigDecimal.valueOf(amount).setScale(20));
    }
}
