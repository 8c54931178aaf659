package dev.tally.money;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.math.RoundingMode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MinorUnitsTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "0,              0",
            "7,              7",
            "1.4,            1",
            "1.5,            2",     // .5 goes up
            "2.5,            3",     // half-up, not banker's rounding (which gives 2)
            "0.5,            1",
            "0.4999999999,   0",
            "0.499999999999, 0",     // 12 decimals, just below half
            "0.500000000000, 1",
            "1234.5,         1235",
            "1234.49,        1234",
            "82.5,           83",
            // credits (negative amounts) round symmetrically, away from zero at .5, so a credit and the charge it
            // reverses cancel exactly
            "-0.4,           0",
            "-0.5,          -1",
            "-1.5,          -2",
            "-2.5,          -3",
            "-1234.5,       -1235",
            "-1.4,          -1",
    })
    void roundsHalfUpOnce(String amount, long expected) {
        assertThat(MinorUnits.roundLine(new BigDecimal(amount))).isEqualTo(expected);
    }

    @Test
    void creditRoundsToMinusTheCharge() {
        for (String amount : new String[] {"0.5", "2.5", "1.49", "99.999", "12345.5"}) {
            BigDecimal charge = new BigDecimal(amount);
            assertThat(MinorUnits.roundLine(charge.negate())).as(amount).isEqualTo(-MinorUnits.roundLine(charge));
        }
    }

    @Test
    void lineRoundingIsHalfUp() {
        assertThat(MinorUnits.LINE_ROUNDING).isEqualTo(RoundingMode.HALF_UP);
    }

    @Test
    void amountsAtTheEdgesOfLong() {
        // Long.MAX_VALUE = 9223372036854775807
        assertThat(MinorUnits.roundLine(new BigDecimal("9223372036854775807"))).isEqualTo(Long.MAX_VALUE);
        assertThat(MinorUnits.roundLine(new BigDecimal("9223372036854775807.4"))).isEqualTo(Long.MAX_VALUE);
        assertThat(MinorUnits.roundLine(new BigDecimal("-9223372036854775808"))).isEqualTo(Long.MIN_VALUE);
    }

    @Test
    void overflowThrowsInsteadOfWrappingAround() {
        // 9223372036854775807.5 rounds to 9223372036854775808, one more than a long holds
        assertThatThrownBy(() -> MinorUnits.roundLine(new BigDecimal("9223372036854775807.5")))
                .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> MinorUnits.roundLine(new BigDecimal("9223372036854775808")))
                .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> MinorUnits.roundLine(new BigDecimal("-9223372036854775809")))
                .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> MinorUnits.roundLine(new BigDecimal("1e30")))
                .isInstanceOf(ArithmeticException.class);
    }
}
