package dev.tally.rating;

import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.catalog.MeteredPrice;
import dev.tally.catalog.Plan;
import dev.tally.catalog.Tier;
import dev.tally.catalog.TransformQuantity;
import dev.tally.money.Currencies;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

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

    private static MeteredPrice perUnit(String unitAmount, String included) {
        return new MeteredPrice("m", "per_unit", null, d(unitAmount), List.of(), null, d(included));
    }

    private static MeteredPrice packages(String unitAmount, long divideBy, String round, String included) {
        return new MeteredPrice("m", "per_unit", null, d(unitAmount), List.of(),
                new TransformQuantity(divideBy, round), d(included));
    }

    private static MeteredPrice tiered(String mode, String included, Tier... tiers) {
        return new MeteredPrice("m", "tiered", mode, null, List.of(tiers), null, d(included));
    }

    private static Tier tier(String upTo, String unit, String flat) {
        return new Tier(upTo == null ? null : d(upTo), unit == null ? null : d(unit), flat == null ? null : d(flat));
    }

    private static long amount(MeteredPrice price, String quantity) {
        return Rater.rate(price, d(quantity)).amountMinor();
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
            RatedLine line = Rater.rate(perUnit(unitAmount, "0"), d(quantity));

            assertThat(d(quantity).multiply(d(unitAmount))).isEqualByComparingTo(unrounded);
            assertThat(line.amountMinor()).isEqualTo(expected);
            assertThat(line.billableQuantity()).isEqualByComparingTo(quantity);
            assertThat(line.quantity()).isEqualByComparingTo(quantity);
            assertThat(line.includedQuantity()).isEqualByComparingTo("0");
            assertThat(line.meter()).isEqualTo("m");
        }

        @Test
        void twelveDecimalUnitAmount() {
            // 1,000,000 x 0.000000000001 = 0.000001 -> 0; 2,000,000,000,000 x 0.000000000001 = 2 -> 2
            MeteredPrice price = perUnit("0.000000000001", "0");
            assertThat(amount(price, "1000000")).isZero();
            assertThat(amount(price, "2000000000000")).isEqualTo(2);
        }
    }

    @Nested
    class PackagePricing {

        // 100 cents per started package of 1000 units
        private final MeteredPrice up = packages("100", 1000, "up", "0");
        // 100 cents per complete package of 1000 units
        private final MeteredPrice down = packages("100", 1000, "down", "0");

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
            RatedLine line = Rater.rate(up, d(quantity));
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
            RatedLine line = Rater.rate(down, d(quantity));
            assertThat(line.billableQuantity()).isEqualByComparingTo(BigDecimal.valueOf(expectedPackages));
            assertThat(line.amountMinor()).isEqualTo(expectedPackages * 100);
        }

        @Test
        void includedQuantityIsSubtractedBeforePackaging() {
            // 1500 used, 500 free: 1000 billable units = exactly 1 package = 100
            RatedLine line = Rater.rate(packages("100", 1000, "up", "500"), d("1500"));
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
        private final MeteredPrice price = perUnit("1.5", "1500");

        @Test
        void belowIncludedIsFree() {
            RatedLine line = Rater.rate(price, d("1000"));
            assertThat(line.includedQuantity()).isEqualByComparingTo("1000"); // only what was used is applied
            assertThat(line.billableQuantity()).isEqualByComparingTo("0");
            assertThat(line.amountMinor()).isZero();
        }

        @Test
        void exactlyIncludedIsFree() {
            RatedLine line = Rater.rate(price, d("1500"));
            assertThat(line.includedQuantity()).isEqualByComparingTo("1500");
            assertThat(line.billableQuantity()).isEqualByComparingTo("0");
            assertThat(line.amountMinor()).isZero();
        }

        @Test
        void aboveIncludedPaysOnlyTheExcess() {
            // 2000 - 1500 = 500 billable x 1.5 = 750
            RatedLine line = Rater.rate(price, d("2000"));
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
            MeteredPrice graduated = tiered("graduated", "100", tier("10", "5", null), tier(null, "1", null));
            // 100 used: all free
            assertThat(amount(graduated, "100")).isZero();
            // 115 used: 15 billable = 10 x 5 + 5 x 1 = 55
            assertThat(amount(graduated, "115")).isEqualTo(55);
        }
    }

    @Nested
    class Graduated {

        // tier 1: units 1..100 at 10, flat 50; tier 2: 101..1000 at 5, flat 200; tier 3: above 1000 at 2, flat 300
        private final MeteredPrice price = tiered("graduated", "0",
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
            MeteredPrice pulls = team.priceFor("image_pulls").orElseThrow();
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
        private final MeteredPrice price = tiered("volume", "0",
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
            MeteredPrice minutes = catalog().plan("business").orElseThrow().priceFor("build_minutes").orElseThrow();
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
            MeteredPrice storage = catalog().plan("business").orElseThrow().priceFor("storage_gb_hours").orElseThrow();
            RatedLine line = Rater.rate(storage, d("100000.5"));
            assertThat(line.billableQuantity()).isEqualByComparingTo("0.5");
            assertThat(line.amountMinor()).isZero();
            // 120000 used: 20000 x 0.0825 = 1650
            assertThat(amount(storage, "120000")).isEqualTo(1650);
            // team storage: packages of 1000 GB-hours at 100, rounded up; 0.5 GB-hours is one started package
            MeteredPrice teamStorage = catalog().plan("team").orElseThrow().priceFor("storage_gb_hours").orElseThrow();
            assertThat(amount(teamStorage, "0.5")).isEqualTo(100);
        }

        @Test
        void negativeQuantityIsRejected() {
            assertThatThrownBy(() -> Rater.rate(perUnit("1", "0"), d("-1")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-1");
            assertThatThrownBy(() -> Rater.rate(perUnit("1", "10"), d("-0.000001")))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Rater.rate(tiered("graduated", "0", tier(null, "1", null)), d("-5")))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void zeroDecimalCurrencyAmountsAreYen() {
            Plan pro = catalog().plan("pro_jpy").orElseThrow();
            assertThat(pro.currency()).isEqualTo("jpy");
            assertThat(Currencies.minorDigits(pro.currency())).isZero();
            MeteredPrice minutes = pro.priceFor("build_minutes").orElseThrow();
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

    /**
     * Invariants checked over a few thousand random quantities and prices (seeded, so failures reproduce). Only
     * integer and BigDecimal arithmetic.
     */
    @Nested
    class Properties {

        private static final int RUNS = 3000;

        /** A non-negative quantity with 0 to 3 decimals, up to 2,000,000. */
        private BigDecimal quantity(Random random) {
            return BigDecimal.valueOf(random.nextInt(2_000_001), random.nextInt(4));
        }

        /** A non-negative price with 0 to 4 decimals, below 10,000. */
        private BigDecimal money(Random random) {
            return BigDecimal.valueOf(random.nextInt(100_000_000), random.nextInt(5));
        }

        private MeteredPrice randomTiered(Random random, String mode) {
            int count = 1 + random.nextInt(4);
            List<Tier> tiers = new ArrayList<>();
            BigDecimal upTo = BigDecimal.ZERO;
            for (int i = 0; i < count; i++) {
                boolean last = i == count - 1;
                upTo = upTo.add(BigDecimal.valueOf(1 + random.nextInt(500_000)));
                BigDecimal flat = random.nextBoolean() ? money(random) : null;
                tiers.add(new Tier(last ? null : upTo, money(random), flat));
            }
            return new MeteredPrice("m", "tiered", mode, null, tiers, null, BigDecimal.valueOf(random.nextInt(3) * 1000L));
        }

        @Test
        void graduatedAmountIsNonDecreasingInQuantity() {
            Random random = new Random(20261101L);
            for (int run = 0; run < RUNS; run++) {
                MeteredPrice price = randomTiered(random, "graduated");
                BigDecimal q1 = quantity(random);
                BigDecimal q2 = q1.add(quantity(random)); // q2 >= q1
                long a1 = Rater.rate(price, q1).amountMinor();
                long a2 = Rater.rate(price, q2).amountMinor();
                assertThat(a2).as("run %d: %s then %s with %s", run, q1, q2, price).isGreaterThanOrEqualTo(a1);
            }
        }

        @Test
        void graduatedWithOneUnboundedTierEqualsPerUnit() {
            Random random = new Random(42L);
            for (int run = 0; run < RUNS; run++) {
                BigDecimal unit = money(random);
                BigDecimal included = BigDecimal.valueOf(random.nextInt(5000));
                MeteredPrice graduated = new MeteredPrice("m", "tiered", "graduated", null,
                        List.of(new Tier(null, unit, null)), null, included);
                MeteredPrice perUnit = new MeteredPrice("m", "per_unit", null, unit, List.of(), null, included);
                BigDecimal q = quantity(random);
                assertThat(Rater.rate(graduated, q)).as("run %d: %s x %s", run, q, unit)
                        .isEqualTo(Rater.rate(perUnit, q));
            }
        }

        @Test
        void amountIsNeverNegativeAndIncludedPlusBillableIsTheQuantity() {
            Random random = new Random(7L);
            for (int run = 0; run < RUNS; run++) {
                BigDecimal included = BigDecimal.valueOf(random.nextInt(10_000));
                List<MeteredPrice> prices = List.of(
                        randomTiered(random, "graduated"),
                        randomTiered(random, "volume"),
                        new MeteredPrice("m", "per_unit", null, money(random), List.of(), null, included),
                        new MeteredPrice("m", "per_unit", null, money(random), List.of(),
                                new TransformQuantity(1 + random.nextInt(5000), random.nextBoolean() ? "up" : "down"),
                                included));
                BigDecimal q = quantity(random);
                for (MeteredPrice price : prices) {
                    RatedLine line = Rater.rate(price, q);
                    assertThat(line.amountMinor()).as("run %d: %s with %s", run, q, price).isNotNegative();
                    assertThat(line.includedQuantity()).isEqualByComparingTo(q.min(price.includedQuantity()));
                    if (price.transformQuantity() == null) {
                        assertThat(line.includedQuantity().add(line.billableQuantity())).isEqualByComparingTo(q);
                    }
                }
            }
        }

        @Test
        void graduatedMatchesUnitByUnitSumForWholeQuantities() {
            // An independent way to price whole units: walk unit by unit, price each at the tier it falls in, and add
            // each tier's flat amount when its first unit is reached.
            Random random = new Random(99L);
            for (int run = 0; run < 300; run++) {
                int count = 1 + random.nextInt(4);
                List<Tier> tiers = new ArrayList<>();
                int upTo = 0;
                for (int i = 0; i < count; i++) {
                    upTo += 1 + random.nextInt(50);
                    tiers.add(new Tier(i == count - 1 ? null : BigDecimal.valueOf(upTo), money(random), money(random)));
                }
                MeteredPrice price = new MeteredPrice("m", "tiered", "graduated", null, tiers, null, BigDecimal.ZERO);
                int quantity = random.nextInt(250);
                BigDecimal expected = BigDecimal.ZERO;
                int tierIndex = 0;
                for (int unit = 1; unit <= quantity; unit++) {
                    while (!tiers.get(tierIndex).unbounded() && unit > tiers.get(tierIndex).upTo().intValueExact()) {
                        tierIndex++;
                    }
                    Tier t = tiers.get(tierIndex);
                    boolean firstUnitOfTier = tierIndex == 0
                            ? unit == 1
                            : unit == tiers.get(tierIndex - 1).upTo().intValueExact() + 1;
                    if (firstUnitOfTier) {
                        expected = expected.add(t.flatAmountDecimal());
                    }
                    expected = expected.add(t.unitAmountDecimal());
                }
                long expectedMinor = expected.setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
                assertThat(Rater.rate(price, BigDecimal.valueOf(quantity)).amountMinor())
                        .as("run %d: %d units with %s", run, quantity, tiers).isEqualTo(expectedMinor);
            }
        }
    }

    private static Catalog catalog() {
        return CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);
    }
}
