package dev.tally.money;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CurrenciesTest {

    @Test
    void normaliseLowercasesIsoCodes() {
        assertThat(Currencies.normalise("USD")).isEqualTo("usd");
        assertThat(Currencies.normalise("usd")).isEqualTo("usd");
        assertThat(Currencies.normalise("Jpy")).isEqualTo("jpy");
        assertThat(Currencies.normalise("EUR")).isEqualTo("eur");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "US", "usdx", "dollar", "XYZ", "us$", " usd"})
    void normaliseRejectsWhatIsNotAnIsoCode(String code) {
        assertThatThrownBy(() -> Currencies.normalise(code))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("currency");
    }

    @Test
    void minorDigits() {
        assertThat(Currencies.minorDigits("usd")).isEqualTo(2);
        assertThat(Currencies.minorDigits("eur")).isEqualTo(2);
        assertThat(Currencies.minorDigits("jpy")).isZero();  // zero-decimal: amounts are whole yen
        assertThat(Currencies.minorDigits("krw")).isZero();
    }

    @Test
    void formatShowsMajorUnitsAndTheUppercaseCode() {
        assertThat(Currencies.format(123456, "usd")).isEqualTo("1234.56 USD");
        assertThat(Currencies.format(500, "jpy")).isEqualTo("500 JPY");  // 500 yen, not 5.00
        assertThat(Currencies.format(5, "usd")).isEqualTo("0.05 USD");
        assertThat(Currencies.format(100, "usd")).isEqualTo("1.00 USD");
        assertThat(Currencies.format(0, "usd")).isEqualTo("0.00 USD");
        assertThat(Currencies.format(-250, "usd")).isEqualTo("-2.50 USD"); // a credit
        assertThat(Currencies.format(1_000_000_000_00L, "eur")).isEqualTo("1000000000.00 EUR"); // no exponent
    }
}
