package dev.tally.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

class CatalogLoaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("test JSON is broken: " + text, e);
        }
    }

    /** A catalog with meters m1 and m2 and one usd plan "p" with the given prices. */
    private static JsonNode catalogWithPrices(String prices) {
        return catalogWithPlans("""
                {"id": "p", "currency": "usd", "stripe_price_ids": ["price_p"], "prices": [%s]}
                """.formatted(prices));
    }

    private static JsonNode catalogWithPlans(String plans) {
        return json("""
                {"catalog_version": "test-1",
                 "meters": [{"id": "m1", "unit": "minute"}, {"id": "m2"}],
                 "plans": [%s]}
                """.formatted(plans));
    }

    private static final String PER_UNIT_M1 = """
            {"meter": "m1", "billing_scheme": "per_unit", "unit_amount_decimal": "1.5"}""";

    private static String tieredM1(String mode, String tiers) {
        return """
                {"meter": "m1", "billing_scheme": "tiered", "tiers_mode": "%s", "tiers": [%s]}""".formatted(mode, tiers);
    }

    private static IllegalArgumentException rejection(JsonNode catalog) {
        Throwable thrown = catchThrowable(() -> CatalogLoader.parse(catalog));
        assertThat(thrown).isInstanceOf(IllegalArgumentException.class);
        return (IllegalArgumentException) thrown;
    }

    @Nested
    class RepositoryCatalog {

        private final Catalog catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);

        @Test
        void loadsWithItsMetersAndPlans() {
            assertThat(catalog.version()).isEqualTo("2026-11-01");
            assertThat(catalog.meters().keySet()).containsExactly("build_minutes", "image_pulls", "storage_gb_hours");
            assertThat(catalog.plans().keySet()).containsExactly("team", "business", "pro_jpy");
            assertThat(catalog.meter("image_pulls").orElseThrow())
                    .isEqualTo(Meter.sum("image_pulls", "Image pulls", "pull"));
            assertThat(catalog.meter("nope")).isEmpty();
            assertThat(catalog.plan("nope")).isEmpty();
        }

        @Test
        void teamPlanPricesAreReadAsWritten() {
            Plan team = catalog.plan("team").orElseThrow();
            assertThat(team.currency()).isEqualTo("usd");
            assertThat(team.interval()).isEqualTo("month");
            assertThat(team.intervalCount()).isEqualTo(1);

            MeteredPrice minutes = team.priceFor("build_minutes").orElseThrow();
            assertThat(minutes.billingScheme()).isEqualTo("per_unit");
            assertThat(minutes.unitAmountDecimal()).isEqualByComparingTo("1.5");
            assertThat(minutes.includedQuantity()).isEqualByComparingTo("1500");
            assertThat(minutes.transformQuantity()).isNull();

            MeteredPrice pulls = team.priceFor("image_pulls").orElseThrow();
            assertThat(pulls.tiersMode()).isEqualTo("graduated");
            assertThat(pulls.tiers()).hasSize(3);
            assertThat(pulls.tiers().get(0).upTo()).isEqualByComparingTo("10000");
            assertThat(pulls.tiers().get(1).upTo()).isEqualByComparingTo("100000");
            assertThat(pulls.tiers().get(2).unbounded()).isTrue();
            assertThat(pulls.tiers().get(2).unitAmountDecimal()).isEqualByComparingTo("0.02");

            MeteredPrice storage = team.priceFor("storage_gb_hours").orElseThrow();
            assertThat(storage.transformQuantity()).isEqualTo(new TransformQuantity(1000, "up"));
            assertThat(storage.includedQuantity()).isEqualByComparingTo("0");
        }

        @Test
        void businessVolumeFlatAmountAndJpyPlan() {
            MeteredPrice minutes = catalog.plan("business").orElseThrow().priceFor("build_minutes").orElseThrow();
            assertThat(minutes.tiersMode()).isEqualTo("volume");
            assertThat(minutes.tiers().get(0).flatAmountDecimal()).isEqualByComparingTo("0"); // absent means 0
            assertThat(minutes.tiers().get(1).flatAmountDecimal()).isEqualByComparingTo("500");
            assertThat(catalog.plan("business").orElseThrow().priceFor("storage_gb_hours").orElseThrow()
                    .unitAmountDecimal()).isEqualByComparingTo("0.0825");

            Plan jpy = catalog.plan("pro_jpy").orElseThrow();
            assertThat(jpy.currency()).isEqualTo("jpy");
            assertThat(jpy.priceFor("image_pulls")).isEmpty(); // the plan does not bill pulls
        }

        @Test
        void planIsFoundByStripePriceIdOrLookupKey() {
            assertThat(catalog.planForStripePrices(List.of("price_tally_team_monthly")).orElseThrow().id()).isEqualTo("team");
            assertThat(catalog.planForStripePrices(List.of("team_monthly")).orElseThrow().id()).isEqualTo("team");
            assertThat(catalog.planForStripePrices(List.of("business_monthly")).orElseThrow().id()).isEqualTo("business");
            assertThat(catalog.planForStripePrices(List.of("price_tally_pro_jpy_monthly")).orElseThrow().id())
                    .isEqualTo("pro_jpy");
            // a subscription with an unrelated item (e.g. a seat price) first still finds its plan
            assertThat(catalog.planForStripePrices(List.of("price_seats", "price_tally_business_monthly"))
                    .orElseThrow().id()).isEqualTo("business");
            assertThat(catalog.planForStripePrices(List.of("price_unknown"))).isEmpty();
            assertThat(catalog.planForStripePrices(List.of())).isEmpty();
        }

        @Test
        void catalogIsImmutable() {
            assertThatThrownBy(() -> catalog.plans().remove("team")).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> catalog.meters().clear()).isInstanceOf(UnsupportedOperationException.class);
            Plan team = catalog.plan("team").orElseThrow();
            assertThatThrownBy(() -> team.prices().clear()).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void missingResourceIsReported() {
            assertThatThrownBy(() -> CatalogLoader.fromClasspath("catalog/does-not-exist.json"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("catalog/does-not-exist.json");
        }
    }

    @Nested
    class Validation {

        @Test
        void minimalValidCatalogParses() {
            Catalog catalog = CatalogLoader.parse(catalogWithPrices(PER_UNIT_M1 + ",\n" + """
                    {"meter": "m2", "billing_scheme": "tiered", "tiers_mode": "graduated",
                     "tiers": [{"up_to": 10, "unit_amount_decimal": "2"}, {"up_to": "inf", "unit_amount_decimal": "1"}]}"""));
            Plan plan = catalog.plan("p").orElseThrow();
            assertThat(plan.interval()).isEqualTo("month");   // default
            assertThat(plan.intervalCount()).isEqualTo(1);     // default
            assertThat(plan.prices()).extracting(MeteredPrice::meter).containsExactly("m1", "m2");
            assertThat(plan.priceFor("m1").orElseThrow().includedQuantity()).isEqualByComparingTo("0"); // default
        }

        @Test
        void unknownMeter() {
            assertThat(rejection(catalogWithPrices(
                    "{\"meter\": \"gpu_seconds\", \"billing_scheme\": \"per_unit\", \"unit_amount_decimal\": \"1\"}")))
                    .hasMessageContaining("plan p")
                    .hasMessageContaining("unknown meter gpu_seconds");
        }

        @Test
        void meterPricedTwice() {
            assertThat(rejection(catalogWithPrices(PER_UNIT_M1 + "," + PER_UNIT_M1)))
                    .hasMessageContaining("plan p")
                    .hasMessageContaining("m1")
                    .hasMessageContaining("priced twice");
        }

        @Test
        void tiersThatDoNotAscend() {
            assertThat(rejection(catalogWithPrices(tieredM1("graduated", """
                    {"up_to": 100, "unit_amount_decimal": "2"},
                    {"up_to": 100, "unit_amount_decimal": "1"},
                    {"up_to": "inf", "unit_amount_decimal": "1"}"""))))
                    .hasMessageContaining("plan p price for m1")
                    .hasMessageContaining("tiers[1].up_to")
                    .hasMessageContaining("ascend");
            assertThat(rejection(catalogWithPrices(tieredM1("volume", """
                    {"up_to": 100, "unit_amount_decimal": "2"},
                    {"up_to": 50, "unit_amount_decimal": "1"},
                    {"up_to": "inf", "unit_amount_decimal": "1"}"""))))
                    .hasMessageContaining("tiers[1].up_to");
            // the first bound must be positive too
            assertThat(rejection(catalogWithPrices(tieredM1("graduated", """
                    {"up_to": 0, "unit_amount_decimal": "2"},
                    {"up_to": "inf", "unit_amount_decimal": "1"}"""))))
                    .hasMessageContaining("tiers[0].up_to");
        }

        @Test
        void unboundedTierThatIsNotLast() {
            assertThat(rejection(catalogWithPrices(tieredM1("graduated", """
                    {"up_to": "inf", "unit_amount_decimal": "2"},
                    {"up_to": "inf", "unit_amount_decimal": "1"}"""))))
                    .hasMessageContaining("plan p price for m1")
                    .hasMessageContaining("only the last tier may be unbounded");
            // null up_to is unbounded too
            assertThat(rejection(catalogWithPrices(tieredM1("graduated", """
                    {"up_to": null, "unit_amount_decimal": "2"},
                    {"up_to": "inf", "unit_amount_decimal": "1"}"""))))
                    .hasMessageContaining("unbounded");
        }

        @Test
        void boundedLastTier() {
            assertThat(rejection(catalogWithPrices(tieredM1("volume", """
                    {"up_to": 10, "unit_amount_decimal": "2"},
                    {"up_to": 20, "unit_amount_decimal": "1"}"""))))
                    .hasMessageContaining("plan p price for m1")
                    .hasMessageContaining("last tier must have up_to \"inf\"");
        }

        @Test
        void tieredWithoutTiersOrMode() {
            assertThat(rejection(catalogWithPrices(tieredM1("graduated", ""))))
                    .hasMessageContaining("at least one tier");
            assertThat(rejection(catalogWithPrices(tieredM1("stairstep", "{\"up_to\": \"inf\", \"unit_amount_decimal\": \"1\"}"))))
                    .hasMessageContaining("tiers_mode");
        }

        @Test
        void transformQuantityWithTiered() {
            assertThat(rejection(catalogWithPrices("""
                    {"meter": "m1", "billing_scheme": "tiered", "tiers_mode": "graduated",
                     "transform_quantity": {"divide_by": 1000, "round": "up"},
                     "tiers": [{"up_to": "inf", "unit_amount_decimal": "1"}]}""")))
                    .hasMessageContaining("plan p price for m1")
                    .hasMessageContaining("transform_quantity");
        }

        @Test
        void badTransformQuantity() {
            assertThat(rejection(catalogWithPrices("""
                    {"meter": "m1", "billing_scheme": "per_unit", "unit_amount_decimal": "1",
                     "transform_quantity": {"divide_by": 0, "round": "up"}}""")))
                    .hasMessageContaining("divide_by");
            assertThat(rejection(catalogWithPrices("""
                    {"meter": "m1", "billing_scheme": "per_unit", "unit_amount_decimal": "1",
                     "transform_quantity": {"divide_by": 10, "round": "nearest"}}""")))
                    .hasMessageContaining("round");
        }

        @Test
        void moreThanTwelveDecimals() {
            // 12 decimals is Stripe's limit and is accepted
            CatalogLoader.parse(catalogWithPrices(
                    "{\"meter\": \"m1\", \"billing_scheme\": \"per_unit\", \"unit_amount_decimal\": \"0.000000000001\"}"));
            assertThat(rejection(catalogWithPrices(
                    "{\"meter\": \"m1\", \"billing_scheme\": \"per_unit\", \"unit_amount_decimal\": \"0.0000000000001\"}")))
                    .hasMessageContaining("plan p price for m1 unit_amount_decimal")
                    .hasMessageContaining("more than 12 decimals");
            assertThat(rejection(catalogWithPrices(tieredM1("graduated", """
                    {"up_to": 10, "unit_amount_decimal": "1"},
                    {"up_to": "inf", "unit_amount_decimal": "1", "flat_amount_decimal": "0.1234567890123"}"""))))
                    .hasMessageContaining("tiers[1].flat_amount_decimal")
                    .hasMessageContaining("more than 12 decimals");
        }

        @Test
        void notADecimalOrNegativeAmount() {
            assertThat(rejection(catalogWithPrices(
                    "{\"meter\": \"m1\", \"billing_scheme\": \"per_unit\", \"unit_amount_decimal\": \"1,5\"}")))
                    .hasMessageContaining("unit_amount_decimal")
                    .hasMessageContaining("1,5");
            assertThat(rejection(catalogWithPrices(
                    "{\"meter\": \"m1\", \"billing_scheme\": \"per_unit\", \"unit_amount_decimal\": \"-1\"}")))
                    .hasMessageContaining("unit_amount_decimal must not be negative");
            assertThat(rejection(catalogWithPrices("{\"meter\": \"m1\", \"billing_scheme\": \"per_unit\"}")))
                    .hasMessageContaining("unit_amount_decimal");
        }

        @Test
        void badCurrency() {
            assertThat(rejection(catalogWithPlans("""
                    {"id": "p", "currency": "usdx", "stripe_price_ids": [], "prices": []}""")))
                    .hasMessageContaining("currency")
                    .hasMessageContaining("usdx");
            assertThat(rejection(catalogWithPlans("""
                    {"id": "p", "stripe_price_ids": [], "prices": []}""")))
                    .hasMessageContaining("plan p: currency is required");
        }

        @Test
        void currencyIsStoredLowercase() {
            Catalog catalog = CatalogLoader.parse(catalogWithPlans("""
                    {"id": "p", "currency": "EUR", "stripe_price_ids": [], "prices": []}"""));
            assertThat(catalog.plan("p").orElseThrow().currency()).isEqualTo("eur");
        }

        @Test
        void negativeIncludedQuantity() {
            assertThat(rejection(catalogWithPrices("""
                    {"meter": "m1", "billing_scheme": "per_unit", "unit_amount_decimal": "1", "included_quantity": "-1"}""")))
                    .hasMessageContaining("plan p price for m1")
                    .hasMessageContaining("included_quantity must not be negative");
        }

        @Test
        void duplicateStripePriceId() {
            assertThat(rejection(catalogWithPlans("""
                    {"id": "a", "currency": "usd", "stripe_price_ids": ["price_shared"], "prices": []},
                    {"id": "b", "currency": "usd", "stripe_price_ids": ["price_b", "price_shared"], "prices": []}""")))
                    .hasMessageContaining("plan b")
                    .hasMessageContaining("price_shared");
        }

        @Test
        void badIntervalAndCount() {
            assertThat(rejection(catalogWithPlans("""
                    {"id": "p", "currency": "usd", "interval": "week", "stripe_price_ids": [], "prices": []}""")))
                    .hasMessageContaining("interval")
                    .hasMessageContaining("week");
            assertThat(rejection(catalogWithPlans("""
                    {"id": "p", "currency": "usd", "interval_count": 0, "stripe_price_ids": [], "prices": []}""")))
                    .hasMessageContaining("interval_count");
        }

        @Test
        void unknownBillingSchemeAndDuplicates() {
            assertThat(rejection(catalogWithPrices(
                    "{\"meter\": \"m1\", \"billing_scheme\": \"flat\", \"unit_amount_decimal\": \"1\"}")))
                    .hasMessageContaining("billing_scheme");
            assertThat(rejection(catalogWithPlans("""
                    {"id": "p", "currency": "usd", "stripe_price_ids": [], "prices": []},
                    {"id": "p", "currency": "usd", "stripe_price_ids": [], "prices": []}""")))
                    .hasMessageContaining("plan p is defined twice");
            assertThat(rejection(json("""
                    {"catalog_version": "x", "meters": [{"id": "m"}, {"id": "m"}], "plans": []}""")))
                    .hasMessageContaining("meter m is defined twice");
        }

        @Test
        void missingTopLevelFields() {
            assertThat(rejection(json("{\"meters\": [], \"plans\": []}"))).hasMessageContaining("catalog_version");
            assertThat(rejection(json("{\"catalog_version\": \"x\", \"plans\": []}"))).hasMessageContaining("meters");
            assertThat(rejection(json("{\"catalog_version\": \"x\", \"meters\": []}"))).hasMessageContaining("plans");
        }
    }
}
