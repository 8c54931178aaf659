package dev.tally.rating;

import dev.tally.catalog.Price;
import dev.tally.catalog.PricingModel;
import dev.tally.catalog.Rounding;
import dev.tally.catalog.Tier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariants of rating over generated prices and quantities (jqwik; a failure prints the shrunk example and its seed).
 * Quantities have up to 3 decimals, amounts up to 4; only exact decimal arithmetic.
 */
class RaterPropertiesTest {

    private static Price price(PricingModel model) {
        return new Price("p", "usd", "m", Map.of(), model, null);
    }

    @Provide
    Arbitrary<BigDecimal> quantities() {
        return Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("2000000")).ofScale(3);
    }

    @Provide
    Arbitrary<BigDecimal> amounts() {
        return Arbitraries.bigDecimals().between(BigDecimal.ZERO, new BigDecimal("10000")).ofScale(4);
    }

    /** 1 to 4 tiers with ascending bounds up to 2,000,000 and random unit and flat amounts; the last one unbounded. */
    @Provide
    Arbitrary<List<Tier>> tiers() {
        Arbitrary<Tier> tier = Combinators.combine(Arbitraries.integers().between(1, 500_000), amounts(),
                amounts().injectNull(0.5)).as((width, unit, flat) -> new Tier(BigDecimal.valueOf(width), unit, flat));
        return tier.list().ofMinSize(1).ofMaxSize(4).map(widths -> {
            List<Tier> out = new ArrayList<>();
            BigDecimal upTo = BigDecimal.ZERO;
            for (int i = 0; i < widths.size(); i++) {
                Tier t = widths.get(i);
                upTo = upTo.add(t.upTo());
                out.add(new Tier(i == widths.size() - 1 ? null : upTo, t.unitAmount(), t.flatAmount()));
            }
            return out;
        });
    }

    @Property
    void perUnitAmountIsNonDecreasingInQuantity(@ForAll("amounts") BigDecimal unit, @ForAll("quantities") BigDecimal q1,
                                                @ForAll("quantities") BigDecimal more) {
        Price price = price(new PricingModel.PerUnit(unit));
        assertThat(Rater.rate(price, q1.add(more)).amountMinor()).isGreaterThanOrEqualTo(Rater.rate(price, q1).amountMinor());
    }

    @Property
    void packageAmountIsNonDecreasingInQuantity(@ForAll("amounts") BigDecimal unit, @ForAll @IntRange(min = 1, max = 5000) int divideBy,
                                                @ForAll boolean up, @ForAll("quantities") BigDecimal q1,
                                                @ForAll("quantities") BigDecimal more) {
        Price price = price(new PricingModel.Package(unit, divideBy, up ? Rounding.UP : Rounding.DOWN));
        assertThat(Rater.rate(price, q1.add(more)).amountMinor()).isGreaterThanOrEqualTo(Rater.rate(price, q1).amountMinor());
    }

    @Property
    void graduatedAmountIsNonDecreasingInQuantity(@ForAll("tiers") List<Tier> tiers, @ForAll("quantities") BigDecimal q1,
                                                  @ForAll("quantities") BigDecimal more) {
        Price price = price(new PricingModel.Graduated(tiers));
        assertThat(Rater.rate(price, q1.add(more)).amountMinor()).isGreaterThanOrEqualTo(Rater.rate(price, q1).amountMinor());
    }

    /**
     * Volume pricing is monotonic within a tier only: crossing into a cheaper tier reprices every unit, so the total
     * may drop (Stripe: "the total might decrease", https://docs.stripe.com/subscriptions/pricing-models/tiered-pricing).
     */
    @Property
    void volumeAmountIsNonDecreasingInQuantityWithinATier(@ForAll("tiers") List<Tier> tiers, @ForAll("quantities") BigDecimal q1,
                                                          @ForAll("quantities") BigDecimal q2) {
        Price price = price(new PricingModel.Volume(tiers));
        BigDecimal low = q1.min(q2);
        BigDecimal high = q1.max(q2);
        Rating lower = Rater.rate(price, low);
        Rating higher = Rater.rate(price, high);
        if (low.signum() > 0 && lower.tiers().getFirst().tier() == higher.tiers().getFirst().tier()) {
            assertThat(higher.amountMinor()).isGreaterThanOrEqualTo(lower.amountMinor());
        }
    }

    @Example
    void volumeAmountCanDropWhereATierEnds() {
        Price price = price(new PricingModel.Volume(List.of(new Tier(BigDecimal.TEN, new BigDecimal("3"), new BigDecimal("100")),
                new Tier(null, BigDecimal.ONE, null))));
        assertThat(Rater.rate(price, BigDecimal.TEN).amountMinor()).isEqualTo(130);
        assertThat(Rater.rate(price, new BigDecimal("11")).amountMinor()).isEqualTo(11);
    }

    @Property
    void theAmountIsTheTiersSumRoundedOnceAndNeverNegative(@ForAll("tiers") List<Tier> tiers, @ForAll boolean graduated,
                                                           @ForAll("quantities") BigDecimal quantity,
                                                           @ForAll("quantities") BigDecimal included) {
        Price price = price(graduated ? new PricingModel.Graduated(tiers) : new PricingModel.Volume(tiers));
        Rating rating = Rater.rate(price, quantity, included);
        BigDecimal sum = rating.tiers().stream().map(TierAmount::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(rating.amountMinor()).isNotNegative().isEqualTo(sum.setScale(0, RoundingMode.HALF_UP).longValueExact());
        assertThat(rating.includedQuantity()).isEqualByComparingTo(quantity.min(included));
        assertThat(rating.includedQuantity().add(rating.billableQuantity())).isEqualByComparingTo(quantity);
        // graduated: the tiers' quantities add up to the billable quantity
        if (graduated) {
            assertThat(rating.tiers().stream().map(TierAmount::quantity).reduce(BigDecimal.ZERO, BigDecimal::add))
                    .isEqualByComparingTo(rating.billableQuantity());
        }
    }

    @Property
    void graduatedWithOneUnboundedTierIsPerUnit(@ForAll("amounts") BigDecimal unit, @ForAll("quantities") BigDecimal quantity,
                                                @ForAll("quantities") BigDecimal included) {
        Rating graduated = Rater.rate(price(new PricingModel.Graduated(List.of(new Tier(null, unit, null)))), quantity, included);
        Rating perUnit = Rater.rate(price(new PricingModel.PerUnit(unit)), quantity, included);
        assertThat(graduated.amountMinor()).isEqualTo(perUnit.amountMinor());
        assertThat(graduated.billableQuantity()).isEqualByComparingTo(perUnit.billableQuantity());
    }

    /**
     * An independent way to price whole units: walk unit by unit, price each at the tier it falls in, and add each
     * tier's flat amount when its first unit is reached.
     */
    @Property
    void graduatedMatchesAUnitByUnitWalk(@ForAll("smallTiers") List<Tier> tiers, @ForAll @IntRange(max = 250) int quantity) {
        BigDecimal expected = BigDecimal.ZERO;
        int tierIndex = 0;
        for (int unit = 1; unit <= quantity; unit++) {
            while (!tiers.get(tierIndex).unbounded() && unit > tiers.get(tierIndex).upTo().intValueExact()) {
                tierIndex++;
            }
            Tier t = tiers.get(tierIndex);
            boolean firstUnitOfTier = unit == (tierIndex == 0 ? 1 : tiers.get(tierIndex - 1).upTo().intValueExact() + 1);
            expected = expected.add(firstUnitOfTier ? t.flatAmount() : BigDecimal.ZERO).add(t.unitAmount());
        }
        assertThat(Rater.rate(price(new PricingModel.Graduated(tiers)), BigDecimal.valueOf(quantity)).amountMinor())
                .isEqualTo(expected.setScale(0, RoundingMode.HALF_UP).longValueExact());
    }

    @Provide
    Arbitrary<List<Tier>> smallTiers() {
        Arbitrary<Tier> tier = Combinators.combine(Arbitraries.integers().between(1, 50), amounts(), amounts())
                .as((width, unit, flat) -> new Tier(BigDecimal.valueOf(width), unit, flat));
        return tier.list().ofMinSize(1).ofMaxSize(4).map(widths -> {
            List<Tier> out = new ArrayList<>();
            int upTo = 0;
            for (int i = 0; i < widths.size(); i++) {
                upTo += widths.get(i).upTo().intValueExact();
                out.add(new Tier(i == widths.size() - 1 ? null : BigDecimal.valueOf(upTo), widths.get(i).unitAmount(),
                        widths.get(i).flatAmount()));
            }
            return out;
        });
    }
}
