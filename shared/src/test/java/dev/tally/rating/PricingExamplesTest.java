package dev.tally.rating;

import dev.tally.catalog.CatalogLoader;
import dev.tally.catalog.Price;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pricing examples published by Stripe and Lago, with their published amounts. Each price is a file in
 * {@code catalog/examples/} (documentation too: {@code ./tally rate --price catalog/examples/<file> --quantity Q});
 * amounts are in cents.
 */
class PricingExamplesTest {

    /** catalog/examples/, from the shared module's directory (Maven runs the tests there). */
    static final Path EXAMPLES = Path.of("..", "catalog", "examples");

    private static Price example(String file) {
        return CatalogLoader.priceFromFile(EXAMPLES.resolve(file));
    }

    private static long amount(String file, String quantity) {
        return Rater.rate(example(file), new BigDecimal(quantity)).amountMinor();
    }

    /** https://docs.stripe.com/subscriptions/pricing-models/tiered-pricing, "Volume-based pricing": 1-5 fonts at 7 USD, 6-10 at 6.5 USD, 11+ at 6 USD. */
    @ParameterizedTest(name = "{0} fonts: {1} cents")
    @CsvSource({"1, 700", "5, 3500", "6, 3900", "20, 12000", "25, 15000"})
    void stripeVolumeFonts(String fonts, long cents) {
        assertThat(amount("stripe-volume-fonts.json", fonts)).isEqualTo(cents);
    }

    /** https://docs.stripe.com/subscriptions/pricing-models/tiered-pricing, "Graduated pricing": the same tiers. */
    @ParameterizedTest(name = "{0} fonts: {1} cents")
    @CsvSource({"1, 700", "5, 3500", "6, 4150", "20, 12750", "25, 15750"})
    void stripeGraduatedFonts(String fonts, long cents) {
        assertThat(amount("stripe-graduated-fonts.json", fonts)).isEqualTo(cents);
    }

    /** "They charge a customer with 6 fonts 41.5 USD, 35 USD for the first 5 fonts and 6.5 USD for the 6th font." */
    @Test
    void stripeGraduatedBreakdown() {
        Rating six = Rater.rate(example("stripe-graduated-fonts.json"), new BigDecimal("6"));
        assertThat(six.tiers()).extracting(t -> t.amount().longValueExact()).containsExactly(3500L, 650L);
        assertThat(six.tiers()).extracting(t -> t.quantity().longValueExact()).containsExactly(5L, 1L);
    }

    /**
     * https://docs.stripe.com/subscriptions/pricing-models/tiered-pricing, "Add a flat rate": quantity 12, volume:
     * 12 x 3 USD + 30 USD = 66 USD; graduated: (5 x 5 + 10) + (5 x 4 + 20) + (2 x 3 + 30) = 111 USD. Integer
     * {@code unit_amount} and {@code flat_amount}, as Stripe writes them.
     */
    @Test
    void stripeFlatRateTiers() {
        assertThat(amount("stripe-flat-rate-volume.json", "12")).isEqualTo(6600);
        assertThat(amount("stripe-flat-rate-graduated.json", "12")).isEqualTo(11100);
    }

    /**
     * The same page: "If quantity is 0, the total amount is 10 USD regardless of the tiered pricing model used.
     * Stripe always bills the first flat rate tier when quantity=0." Tally bills nothing for nothing (a documented
     * departure, see {@link Rater}): with included quantities, zero billable is the usual case.
     */
    @Test
    void zeroQuantityCostsNothingUnlikeStripe() {
        assertThat(amount("stripe-flat-rate-volume.json", "0")).isZero();
        assertThat(amount("stripe-flat-rate-graduated.json", "0")).isZero();
    }

    /** https://stripe.com/docs/billing/subscriptions/quantity-transformation: 10 USD for every 5 users or portion thereof. */
    @ParameterizedTest(name = "{0} users: {1} cents")
    @CsvSource({"1, 1000", "3, 1000", "5, 1000", "6, 2000", "7, 2000"})
    void stripePer5Users(String users, long cents) {
        assertThat(amount("stripe-package-per-5-users.json", users)).isEqualTo(cents);
    }

    /**
     * https://docs.stripe.com/billing/subscriptions/usage-based/transform-quantities: 10 USD per hour, usage in
     * minutes, rounded up; "If a customer rents the car for 150 minutes, that customer is charged 30 USD".
     */
    @Test
    void stripeCarRental() {
        Rating rating = Rater.rate(example("stripe-package-car-rental.json"), new BigDecimal("150"));
        assertThat(rating.billableQuantity()).isEqualByComparingTo("3");
        assertThat(rating.amountMinor()).isEqualTo(3000);
    }

    /**
     * https://getlago.com/docs/guide/plans/charges/charge-models/package: 5 USD per 100 units, the first 100 free;
     * "201 units would cost $0 (first 100 units) + $5 (next 100 units) + $5 (last unit) = $10". Lago's free units are
     * Tally's included quantity.
     */
    @Test
    void lagoPackageWithFreeUnits() {
        Rating rating = Rater.rate(example("lago-package-free-units.json"), new BigDecimal("201"), new BigDecimal("100"));
        assertThat(rating.includedQuantity()).isEqualByComparingTo("100");
        assertThat(rating.billableQuantity()).isEqualByComparingTo("2"); // 101 units: two started packages
        assertThat(rating.amountMinor()).isEqualTo(1000);
    }

    /**
     * https://docs.getlago.com/guide/plans/charges/charge-models/volume: 0.0010, 0.0008, 0.0006, 0.0004 USD per call
     * (fractions of a cent) and a 10 USD fee per tier; "65,000 API calls would cost 65,000 x $0.0006 + $10 = $49".
     */
    @Test
    void lagoVolumeWithFlatFeesAndSubCentUnitPrices() {
        Rating rating = Rater.rate(example("lago-volume-flat-fee-sub-cent.json"), new BigDecimal("65000"));
        assertThat(rating.amountMinor()).isEqualTo(4900);
        assertThat(rating.tiers()).singleElement().satisfies(t -> {
            assertThat(t.tier()).isEqualTo(2);
            assertThat(t.unitAmount()).isEqualByComparingTo("0.06");
            assertThat(t.flatAmount()).isEqualByComparingTo("1000");
        });
    }

    /** https://getlago.com/docs/guide/plans/charges/charge-models/standard: "$0.05 x 1,000 API calls = $50". */
    @Test
    void lagoStandard() {
        assertThat(amount("lago-standard-per-call.json", "1000")).isEqualTo(5000);
    }
}
