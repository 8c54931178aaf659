package dev.tally.rating;

import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.catalog.Plan;
import dev.tally.catalog.Price;
import dev.tally.catalog.PricingModel;
import dev.tally.catalog.Rounding;
import dev.tally.catalog.Tier;
import dev.tally.catalog.UsagePrice;
import dev.tally.money.Currencies;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Amounts are in minor units (cents for usd, yen for jpy). Every expected value is worked out by hand in the
 * comment or CSV row next to it.
 */
class RaterTest {

    private static BigDecimal d(String value) {
        return new BigDecimal(value);
    }

    /** A price of meter m with the given model and an included quantity, as a plan uses it. */
    static UsagePrice usage(PricingModel model, String included) {
        return new UsagePrice(new Price("p", "usd", "m", Map.of(), model, null), d(included));
    }

    static UsagePrice perUnit(String unitAmount, String included) {
        return usage(new PricingModel.PerUnit(d(unitAmount)), included);
    }

    static UsagePrice packages(String unitAmount, long divideBy, String round, String included) {
        return usage(new PricingModel.Package(d(unitAmount), divideBy, round.equals("up") ? Rounding.UP : Rounding.DOWN), included);
    }

    static UsagePrice tiered(String mode, String included, Tier... tiers) {
        return usage(mode.equals("graduated") ? new PricingModel.Graduated(List.of(tiers)) : new PricingModel.Volume(List.of(tiers)),
                included);
    }

    static Tier tier(String upTo, String unit, String flat) {
        return new Tier(upTo == null ? null : d(upTo), unit == null ? null : d(unit), flat == null ? null : d(flat));
    }

    static Rating rate(UsagePrice price, String quantity) {
        return Rater.rate(price.price(), d(quantity), price.includedQuantity());
    }

    private static long amount(UsagePrice price, String quantity) {
        return rate(price, quantity).amountMinor();
    }

    @Nested
    class PerUnit {

        @ParameterizedTest(name = "{0} x {1} = {3} minor units")
        @CsvSource({
                // quantity, unit amount, unrounded (by hand), rounded half-up once for the line
                "10,    1.5,    15,      15",
                "3,     0.5,    1.5,     2",    // .5 rounds up
                "1,     0.4,    0.4,     0",    // below .5 rounds down
                "1,     0.5,    0.5,     1",    // half-up, not half-even (which would give 0)
                "5,     0.5,    2.5,     3",    // half-up, not half-even (which would give 2)
                "1000,  0.0825, 82.5,    83",   // 1000 x 0.0825 = 82.5
                "100,   0.0825, 8.25,    8",    // 100 x 0.0825 = 8.25
                "200,   0.0825, 16.5,    17",   // 200 x 0.0825 = 16.5
                "10,    0.25,   2.5,     3",    // rounding per unit (0.25 -> 0) would give 0: the line is rounded once
                "3,     0.3333, 0.9999,  1",    // per unit it would be 0 + 0 + 0
                "7,     100,    700,     700",
        })
        void multipliesAndRoundsOncePerLine(String quantity, String unitAmount, String unrounded, long expected) {
            Rating line = rate(perUnit(unitAmount, "0"), quantity);

            assertThat(d(quantity).multiply(d(unitAmount))).isEqualByComparingTo(unrounded);
            assertThat(line.amountMinor()).isEqualTo(expected);
            assertThat(line.billableQuantity()).isEqualByComparingTo(quantity);
            assertThat(line.quantity()).isEqualByComparingTo(quantity);
            assertThat(line.includedQuantity()).isEqualByComparingTo("0");
            assertThat(line.priceId()).isEqualTo("p");
        }

        @Test
        void twelveDecimalUnitAmount() {
            // 1,000,000 x 0.000000000001 = 0.000001 -> 0; 2,000,000,000,000 x 0.000000000001 = 2 -> 2
            UsagePrice price = perUnit("0.000000000001", "0");
            assertThat(amount(price, "1000000")).isZero();
            assertThat(amount(price, "2000000000000")).isEqualTo(2);
        }
    }

    @Nested
    class PackagePricing {

        // 100 cents per started package of 1000 units
        private final UsagePrice up = packages("100", 1000, "up", "0");
        // 100 cents per complete package of 1000 units
        private final UsagePrice down = packages("100", 1000, "down", "0");

        @ParameterizedTest(name = "round up: {0} units -> {1} packages")
        @CsvSource({
                "0,    0",   // no usage, no package
                "1,    1",   // a started package counts
                "999,  1",
                "1000, 1",   // exactly one package
                "1001, 2",   // one unit over starts a second one
                "2500, 3",
                "0.5,  1",   // half a unit still starts a package
        })
        void roundUp(String quantity, long expectedPackages) {
            Rating line = rate(up, quantity);
            assertThat(line.billableQuantity()).isEqualByComparingTo(BigDecimal.valueOf(expectedPackages));
            assertThat(line.amountMinor()).isEqualTo(expectedPackages * 100);
        }

        @ParameterizedTest(name = "round down: {0} units -> {1} packages")
        @CsvSource({
                "0,    0",
                "1,    0",   // an incomplete package is free
                "999,  0",
                "1000, 1",
                "1001, 1",
                "1999, 1",
                "2000, 2",
        })
        void roundDown(String quantity, long expectedPackages) {
            Rating line = rate(down, quantity);
            assertThat(line.billableQuantity()).isEqualByComparingTo(BigDecimal.valueOf(expectedPackages));
            assertThat(line.amountMinor()).isEqualTo(expectedPackages * 100);
        }

        @Test
        void includedQuantityIsSubtractedBeforePackaging() {
            // 1500 used, 500 free: 1000 billable units = exactly 1 package = 100
            Rating line = rate(packages("100", 1000, "up", "500"), "1500");
            assertThat(line.includedQuantity()).isEqualByComparingTo("500");
            assertThat(line.billableQuantity()).isEqualByComparingTo("1");
            assertThat(line.amountMinor()).isEqualTo(100);
            // 1501 used: 1001 billable units = 2 started packages = 200
            assertThat(amount(packages("100", 1000, "up", "500"), "1501")).isEqualTo(200);
        }
    }

    @Nested
    class IncludedQuantity {

        // 1.5 cents per unit after 1500 free units (the team plan's build minutes)
        private final UsagePrice price = perUnit("1.5", "1500");

        @Test
        void belowIncludedIsFree() {
            Rating line = rate(price, "1000");
            assertThat(line.includedQuantity()).isEqualByComparingTo("1000"); // only what was used is applied
            assertThat(line.billableQuantity()).isEqualByComparingTo("0");
            assertThat(line.amountMinor()).isZero();
        }

        @Test
        void exactlyIncludedIsFree() {
            Rating line = rate(price, "1500");
            assertThat(line.includedQuantity()).isEqualByComparingTo("1500");
            assertThat(line.billableQuantity()).isEqualByComparingTo("0");
            assertThat(line.amountMinor()).isZero();
        }

        @Test
        void aboveIncludedPaysOnlyTheExcess() {
            // 2000 - 1500 = 500 billable x 1.5 = 750
            Rating line = rate(price, "2000");
            assertThat(line.quantity()).isEqualByComparingTo("2000");
            assertThat(line.includedQuantity()).isEqualByComparingTo("1500");
            assertThat(line.billableQuantity()).isEqualByComparingTo("500");
            assertThat(line.amountMinor()).isEqualTo(750);
            // 1501 - 1500 = 1 x 1.5 = 1.5 -> 2
            assertThat(amount(price, "1501")).isEqualTo(2);
        }

        @Test
        void includedQuantityAppliesBeforeTiers() {
            // graduated: 100 free, then first 10 at 5, rest at 1
            UsagePrice graduated = tiered("graduated", "100", tier("10", "5", null), tier(null, "1", null));
            // 100 used: all free
            assertThat(amount(graduated, "100")).isZero();
            // 115 used: 15 billable = 10 x 5 + 5 x 1 = 55
            assertThat(amount(graduated, "115")).isEqualTo(55);
        }
    }

    @Nested
    class Graduated {

        // tier 1: units 1..100 at 10, flat 50; tier 2: 101..1000 at 5, flat 200; tier 3: above 1000 at 2, flat 300
        private final UsagePrice price = tiered("graduated", "0",
                tier("100", "10", "50"),
                tier("1000", "5", "200"),
                tier(null, "2", "300"));

        @ParameterizedTest(name = "{0} units -> {1}")
        @CsvSource({
                "0,     0",      // nothing used: no unit price and no flat amount
                "1,     60",     // 1 x 10 + flat 50
                "100,   1050",   // 100 x 10 + 50; tier 2 not reached, so no 200
                "101,   1255",   // 1050 + 1 x 5 + flat 200
                "1000,  5750",   // 1050 + 900 x 5 (4500) + 200; tier 3 not reached
                "1001,  6052",   // 5750 + 1 x 2 + flat 300
                "2500,  9050",   // 5750 + 1500 x 2 (3000) + 300
                "100.5, 1253",   // 1050 + 0.5 x 5 (2.5) + 200 = 1252.5 -> 1253
                "0.5,   55",     // 0.5 x 10 + 50
        })
        void chargesEachUnitAtItsTierAndFlatAmountsOfReachedTiers(String quantity, long expected) {
            assertThat(amount(price, quantity)).isEqualTo(expected);
        }

        @Test
        void catalogTeamImagePulls() {
            Plan team = catalog().plan("team").orElseThrow();
            UsagePrice pulls = team.pricesFor("image_pulls").getFirst();
            // 5000 free; tiers: up to 10000 at 0.1, up to 100000 at 0.05, then 0.02
            assertThat(amount(pulls, "5000")).isZero();
            // 15000 - 5000 = 10000 billable, all in tier 1: 10000 x 0.1 = 1000 cents ($10.00)
            assertThat(amount(pulls, "15000")).isEqualTo(1000);
            // 20000 - 5000 = 15000: 10000 x 0.1 + 5000 x 0.05 = 1000 + 250 = 1250
            assertThat(amount(pulls, "20000")).isEqualTo(1250);
            // 205000 - 5000 = 200000: 1000 + 90000 x 0.05 (4500) + 100000 x 0.02 (2000) = 7500
            assertThat(amount(pulls, "205000")).isEqualTo(7500);
            // 5001 - 5000 = 1 x 0.1 = 0.1 -> 0
            assertThat(amount(pulls, "5001")).isZero();
        }
    }

    @Nested
    class Volume {

        // total up to 10 (inclusive): every unit at 3 + flat 100; above 10: every unit at 1, no flat
        private final UsagePrice price = tiered("volume", "0",
                tier("10", "3", "100"),
                tier(null, "1", null));

        @ParameterizedTest(name = "{0} units -> {1}")
        @CsvSource({
                "0,   0",     // nothing used: no flat amount either
                "1,   103",   // 1 x 3 + 100
                "10,  130",   // boundary is inclusive: 10 x 3 + 100
                "11,  11",    // whole quantity moves to tier 2: 11 x 1
                "500, 500",   // 500 x 1
                "0.5, 102",   // 0.5 x 3 + 100 = 101.5 -> 102
        })
        void pricesAllUnitsAtTheTierTheTotalFallsIn(String quantity, long expected) {
            assertThat(amount(price, quantity)).isEqualTo(expected);
        }

        @Test
        void catalogBusinessBuildMinutes() {
            UsagePrice minutes = catalog().plan("business").orElseThrow().pricesFor("build_minutes").getFirst();
            // 5000 free; volume: up to 10000 at 1.2, above at 0.9 + flat 500
            assertThat(amount(minutes, "5000")).isZero();
            // 5001 - 5000 = 1 x 1.2 = 1.2 -> 1
            assertThat(amount(minutes, "5001")).isEqualTo(1);
            // 15000 - 5000 = 10000, at the boundary (inclusive): 10000 x 1.2 = 12000
            assertThat(amount(minutes, "15000")).isEqualTo(12000);
            // 15001 - 5000 = 10001, tier 2: 10001 x 0.9 + 500 = 9000.9 + 500 = 9500.9 -> 9501
            assertThat(amount(minutes, "15001")).isEqualTo(9501);
        }
    }

    @Nested
    class EdgeCases {

        @Test
        void zeroQuantityCostsNothingForEveryScheme() {
            assertThat(amount(perUnit("1.5", "0"), "0")).isZero();
            assertThat(amount(packages("100", 1000, "up", "0"), "0")).isZero();
            assertThat(amount(tiered("graduated", "0", tier("10", "1", "999"), tier(null, "1", "999")), "0")).isZero();
            assertThat(amount(tiered("volume", "0", tier("10", "1", "999"), tier(null, "1", "999")), "0")).isZero();
        }

        @Test
        void fractionalQuantities() {
            // 0.5 GB-hours x 7 = 3.5 -> 4
            assertThat(amount(perUnit("7", "0"), "0.5")).isEqualTo(4);
            // 2.25 GB-hours x 10 = 22.5 -> 23
            assertThat(amount(perUnit("10", "0"), "2.25")).isEqualTo(23);
            // business storage: 100000 free, then 0.0825 per GB-hour; 100000.5 used: 0.5 x 0.0825 = 0.04125 -> 0
            UsagePrice storage = catalog().plan("business").orElseThrow().pricesFor("storage_gb_hours").getFirst();
            Rating line = rate(storage, "100000.5");
            assertThat(line.billableQuantity()).isEqualByComparingTo("0.5");
            assertThat(line.amountMinor()).isZero();
            // 120000 used: 20000 x 0.0825 = 1650
            assertThat(amount(storage, "120000")).isEqualTo(1650);
            // team storage: packages of 1000 GB-hours at 100, rounded up; 0.5 GB-hours is one started package
            UsagePrice teamStorage = catalog().plan("team").orElseThrow().pricesFor("storage_gb_hours").getFirst();
            assertThat(amount(teamStorage, "0.5")).isEqualTo(100);
        }

        @Test
        void negativeQuantityIsRejected() {
            assertThatThrownBy(() -> rate(perUnit("1", "0"), "-1"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("quantity must not be negative: -1");
            assertThatThrownBy(() -> rate(perUnit("1", "10"), "-0.000001"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> rate(tiered("graduated", "0", tier(null, "1", null)), "-5"))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Rater.rate(perUnit("1", "0").price(), d("1"), d("-1")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("included quantity must not be negative: -1");
        }

        @Test
        void zeroDecimalCurrencyAmountsAreYen() {
            Plan pro = catalog().plan("pro_jpy").orElseThrow();
            assertThat(pro.currency()).isEqualTo("jpy");
            assertThat(Currencies.minorDigits(pro.currency())).isZero();
            UsagePrice minutes = pro.pricesFor("build_minutes").getFirst();
            // 400 minutes free, then 2.5 yen per minute
            assertThat(amount(minutes, "400")).isZero();
            // 1400 - 400 = 1000 x 2.5 = 2500 yen (not 25.00: there is no minor unit below the yen)
            long yen = amount(minutes, "1400");
            assertThat(yen).isEqualTo(2500);
            assertThat(Currencies.format(yen, pro.currency())).isEqualTo("2500 JPY");
            // 401 - 400 = 1 x 2.5 = 2.5 -> 3 yen
            assertThat(amount(minutes, "401")).isEqualTo(3);
            // 403 - 400 = 3 x 2.5 = 7.5 -> 8 yen
            assertThat(amount(minutes, "403")).isEqualTo(8);
        }
    }

    /** The per-tier breakdown: what each tier priced, before the line's one rounding. */
    @Nested
    class Breakdown {

        private static TierAmount tierAmount(int tier, String upTo, String quantity, String unit, String flat, String amount) {
            return new TierAmount(tier, upTo == null ? null : d(upTo), d(quantity), d(unit), d(flat), d(amount));
        }

        @Test
        void graduatedListsEveryTierReached() {
            UsagePrice price = tiered("graduated", "0", tier("100", "10", "50"), tier("1000", "5", "200"), tier(null, "2", "300"));
            Rating rating = rate(price, "100.5");
            assertThat(rating.tiers()).usingRecursiveFieldByFieldElementComparator(
                            org.assertj.core.api.recursive.comparison.RecursiveComparisonConfiguration.builder()
                                    .withComparatorForType(BigDecimal::compareTo, BigDecimal.class).build())
                    .containsExactly(tierAmount(0, "100", "100", "10", "50", "1050"), tierAmount(1, "1000", "0.5", "5", "200", "202.5"));
            assertThat(rating.amountMinor()).isEqualTo(1253); // 1252.5 rounded once
            assertThat(rate(price, "0").tiers()).isEmpty();
        }

        @Test
        void volumeListsTheTierTheQuantityFallsIn() {
            UsagePrice price = tiered("volume", "0", tier("10", "3", "100"), tier(null, "1", null));
            assertThat(rate(price, "11").tiers()).singleElement().satisfies(t -> {
                assertThat(t.tier()).isEqualTo(1);
                assertThat(t.upTo()).isNull();
                assertThat(t.quantity()).isEqualByComparingTo("11");
                assertThat(t.amount()).isEqualByComparingTo("11");
            });
        }

        @Test
        void perUnitAndPackagePricesHaveOneEntry() {
            Rating packages = rate(packages("100", 1000, "up", "500"), "2700");
            assertThat(packages.billableQuantity()).isEqualByComparingTo("3"); // 2200 billable units: 3 started packages
            assertThat(packages.tiers()).singleElement().satisfies(t -> {
                assertThat(t.tier()).isZero();
                assertThat(t.quantity()).isEqualByComparingTo("3");
                assertThat(t.unitAmount()).isEqualByComparingTo("100");
                assertThat(t.amount()).isEqualByComparingTo("300");
            });
            assertThat(rate(packages("100", 1000, "down", "0"), "999").tiers()).isEmpty(); // no complete package
            assertThat(rate(perUnit("0.25", "0"), "10").tiers()).singleElement()
                    .satisfies(t -> assertThat(t.amount()).isEqualByComparingTo("2.5"));
        }
    }

    private static Catalog catalog() {
        return CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
    }
}
