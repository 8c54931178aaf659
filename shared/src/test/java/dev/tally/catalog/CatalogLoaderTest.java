package dev.tally.catalog;

import dev.tally.dunning.DunningPolicy;
import dev.tally.dunning.DunningState;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.groups.Tuple.tuple;

class CatalogLoaderTest {

    private static final String FILE = "test-catalog.json";

    /** A catalog with meters m1 (dimension region) and m2, the given prices, and the given plans. */
    private static String catalog(String prices, String plans) {
        return """
                {"catalog_version": "test-1",
                 "meters": [{"id": "m1", "unit": "minute", "dimensions": ["region"]}, {"id": "m2"}],
                 "prices": [%s],
                 "plans": [%s]}
                """.formatted(prices, plans);
    }

    /** A metered usd monthly price of m1 with the given pricing fields. */
    private static String m1(String id, String fields) {
        return """
                {"id": "%s", "currency": "usd", %s,
                 "recurring": {"interval": "month", "usage_type": "metered", "meter": "m1"}}""".formatted(id, fields);
    }

    private static String licensed(String id, String fields) {
        return """
                {"id": "%s", "currency": "usd", %s, "recurring": {"interval": "month", "usage_type": "licensed"}}"""
                .formatted(id, fields);
    }

    /** A usd plan "p" billing the given usage prices (ids), with extra fields (base_fee, minimum_commitment). */
    private static String plan(String extra, String... usagePriceIds) {
        StringBuilder usage = new StringBuilder();
        for (String id : usagePriceIds) {
            usage.append(usage.isEmpty() ? "" : ", ").append("{\"price\": \"").append(id).append("\"}");
        }
        return """
                {"id": "p", "currency": "usd", "stripe_price_ids": ["price_p"], "usage": [%s]%s}"""
                .formatted(usage, extra.isEmpty() ? "" : ", " + extra);
    }

    private static Catalog load(String json) {
        return CatalogLoader.parse(FILE, json);
    }

    private static List<CatalogException.Problem> problems(String json) {
        CatalogException e = catchThrowableOfType(CatalogException.class, () -> load(json));
        assertThat(e).as("the catalog should be refused").isNotNull();
        return e.problems();
    }

    /** The one problem of a catalog refused for one reason. */
    private static CatalogException.Problem problem(String json) {
        List<CatalogException.Problem> problems = problems(json);
        assertThat(problems).as("problems").hasSize(1);
        return problems.getFirst();
    }

    private static String perUnit(String id, String amount) {
        return m1(id, "\"billing_scheme\": \"per_unit\", \"unit_amount_decimal\": \"" + amount + "\"");
    }

    @Nested
    class RepositoryCatalog {

        private final Catalog catalog = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE);

        @Test
        void loadsItsMetersPricesAndPlans() {
            assertThat(catalog.version()).isEqualTo("2026-12-01");
            assertThat(catalog.meters().keySet()).containsExactly("build_minutes", "image_pulls", "storage_gb_hours");
            assertThat(catalog.meter("image_pulls").orElseThrow().dimensions()).containsExactly("region");
            assertThat(catalog.plans().keySet()).containsExactly("team", "business", "pro_jpy");
            assertThat(catalog.prices()).hasSize(11);
            assertThat(catalog.meter("nope")).isEmpty();
            assertThat(catalog.plan("nope")).isEmpty();
            assertThat(catalog.price("nope")).isEmpty();
        }

        @Test
        void teamPlanIsReadAsWritten() {
            Plan team = catalog.plan("team").orElseThrow();
            assertThat(team.currency()).isEqualTo("usd");
            assertThat(team.interval()).isEqualTo("month");
            assertThat(team.intervalCount()).isEqualTo(1);
            assertThat(team.usagePrices()).extracting(u -> u.price().id())
                    .containsExactly("team_build_minutes_v1", "team_image_pulls_v1", "team_storage_v1");

            UsagePrice minutes = team.pricesFor("build_minutes").getFirst();
            assertThat(minutes.price().model()).isEqualTo(new PricingModel.PerUnit(new BigDecimal("1.5")));
            assertThat(minutes.includedQuantity()).isEqualByComparingTo("1500");
            assertThat(minutes.price().displayName()).isEqualTo("Team build minutes");

            PricingModel.Graduated pulls = (PricingModel.Graduated) team.pricesFor("image_pulls").getFirst().price().model();
            assertThat(pulls.tiers()).containsExactly(
                    new Tier(new BigDecimal("10000"), new BigDecimal("0.1"), null),
                    new Tier(new BigDecimal("100000"), new BigDecimal("0.05"), null),
                    new Tier(null, new BigDecimal("0.02"), null));

            // an integer unit_amount (Stripe's) with transform_quantity: package pricing
            assertThat(team.pricesFor("storage_gb_hours").getFirst().price().model())
                    .isEqualTo(new PricingModel.Package(new BigDecimal("100"), 1000, Rounding.UP));

            BaseFee fee = team.baseFee().orElseThrow();
            assertThat(fee.price().model()).isEqualTo(new PricingModel.PerUnit(new BigDecimal("2500")));
            assertThat(fee.price().meter()).isNull();
            assertThat(fee.timing()).isEqualTo(BillingTiming.IN_ADVANCE);
            assertThat(fee.chargedByStripe(List.of("price_tally_team_base_monthly"))).isTrue();
            assertThat(fee.chargedByStripe(List.of("price_tally_team_monthly"))).isFalse();
            assertThat(team.minimumCommitment()).isEmpty();
        }

        @Test
        void plansCarryFeaturesLimitsAndTheirDunningPolicy() {
            Plan team = catalog.plan("team").orElseThrow();
            assertThat(team.features()).containsExactly("ci_builds", "image_registry");
            assertThat(team.limits()).containsExactly(new UsageLimit("build_minutes", new BigDecimal("1500"), true),
                    new UsageLimit("image_pulls", new BigDecimal("5000"), true));
            assertThat(team.limit("storage_gb_hours")).isEmpty();
            DunningPolicy catalogWide = new DunningPolicy(List.of(new DunningPolicy.Step(DunningState.PAST_DUE, 0),
                    new DunningPolicy.Step(DunningState.RESTRICTED, 7), new DunningPolicy.Step(DunningState.SUSPENDED, 21)),
                    DunningPolicy.RestrictedUsage.REFUSE);
            assertThat(catalog.dunning()).isEqualTo(catalogWide);
            assertThat(team.dunning()).as("no policy of its own: the catalog's").isEqualTo(catalogWide);

            Plan business = catalog.plan("business").orElseThrow();
            assertThat(business.features()).containsExactly("ci_builds", "image_registry", "sso", "audit_log");
            assertThat(business.dunning()).isEqualTo(new DunningPolicy(List.of(new DunningPolicy.Step(DunningState.PAST_DUE, 0),
                    new DunningPolicy.Step(DunningState.RESTRICTED, 14), new DunningPolicy.Step(DunningState.SUSPENDED, 30)),
                    DunningPolicy.RestrictedUsage.FLAG));

            assertThat(catalog.plan("pro_jpy").orElseThrow().limit("build_minutes")).contains(
                    new UsageLimit("build_minutes", new BigDecimal("400"), false));
        }

        @Test
        void businessHasAFlatAmountAFilteredPriceACommitmentAndAFeeInArrears() {
            Plan business = catalog.plan("business").orElseThrow();
            PricingModel.Volume minutes = (PricingModel.Volume) business.pricesFor("build_minutes").getFirst().price().model();
            // unit_amount_decimal beside an integer flat_amount: both are kept
            assertThat(minutes.tiers().get(1)).isEqualTo(new Tier(null, new BigDecimal("0.9"), new BigDecimal("500")));
            assertThat(minutes.tiers().get(0).flatAmount()).isEqualByComparingTo("0"); // absent means 0

            List<UsagePrice> pulls = business.pricesFor("image_pulls");
            assertThat(pulls).extracting(u -> u.price().id()).containsExactly("business_image_pulls_v1", "business_image_pulls_eu_v1");
            assertThat(pulls.get(1).price().dimensionFilter()).isEqualTo(Map.of("region", "eu"));
            assertThat(pulls.get(0).includedQuantity()).isEqualByComparingTo("50000");
            assertThat(pulls.get(1).includedQuantity()).isEqualByComparingTo("0");

            assertThat(business.minimumCommitment()).contains(new MinimumCommitment(50_000, "business_minimum_commitment_v1"));
            assertThat(business.baseFee().orElseThrow().timing()).isEqualTo(BillingTiming.IN_ARREARS);
            assertThat(business.baseFee().orElseThrow().chargedByStripe(List.of("price_tally_business_monthly"))).isFalse();
            assertThat(business.pricesFor("storage_gb_hours").getFirst().price().model())
                    .isEqualTo(new PricingModel.PerUnit(new BigDecimal("0.0825")));
        }

        @Test
        void filteredAndUnfilteredPricesOfAMeterSplitItsUsage() {
            Plan business = catalog.plan("business").orElseThrow();
            UsagePrice rest = business.usagePrice("business_image_pulls_v1").orElseThrow();
            UsagePrice eu = business.usagePrice("business_image_pulls_eu_v1").orElseThrow();
            for (String region : List.of("eu", "us", "")) {
                Map<String, String> dimensions = Map.of("region", region);
                assertThat(business.usageFilter(rest).test(dimensions)).as(region).isEqualTo(!region.equals("eu"));
                assertThat(business.usageFilter(eu).test(dimensions)).as(region).isEqualTo(region.equals("eu"));
            }
            // a meter priced once bills all its usage
            UsagePrice teamPulls = catalog.plan("team").orElseThrow().pricesFor("image_pulls").getFirst();
            assertThat(catalog.plan("team").orElseThrow().usageFilter(teamPulls).test(Map.of("region", "eu"))).isTrue();
            assertThatThrownBy(() -> business.usageFilter(teamPulls)).isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void jpyPlanAndPricesById() {
            Plan jpy = catalog.plan("pro_jpy").orElseThrow();
            assertThat(jpy.currency()).isEqualTo("jpy");
            assertThat(jpy.pricesFor("image_pulls")).isEmpty(); // the plan does not bill pulls
            assertThat(jpy.baseFee()).isEmpty();
            assertThat(catalog.price("pro_jpy_build_minutes_v1").orElseThrow().currency()).isEqualTo("jpy");
            assertThat(catalog.price("business_minimum_commitment_v1").orElseThrow().meter()).isNull();
        }

        @Test
        void planIsFoundByStripePriceIdOrLookupKey() {
            assertThat(catalog.planForStripePrices(List.of("price_tally_team_monthly")).orElseThrow().id()).isEqualTo("team");
            assertThat(catalog.planForStripePrices(List.of("team_monthly")).orElseThrow().id()).isEqualTo("team");
            assertThat(catalog.planForStripePrices(List.of("price_tally_team_base_monthly")).orElseThrow().id()).isEqualTo("team");
            assertThat(catalog.planForStripePrices(List.of("business_monthly")).orElseThrow().id()).isEqualTo("business");
            assertThat(catalog.planForStripePrices(List.of("price_tally_pro_jpy_monthly")).orElseThrow().id()).isEqualTo("pro_jpy");
            // a subscription with an unrelated item (e.g. a seat price) first still finds its plan
            assertThat(catalog.planForStripePrices(List.of("price_seats", "price_tally_business_monthly")).orElseThrow().id())
                    .isEqualTo("business");
            assertThat(catalog.planForStripePrices(List.of("price_unknown"))).isEmpty();
            assertThat(catalog.planForStripePrices(List.of())).isEmpty();
        }

        @Test
        void catalogIsImmutable() {
            assertThatThrownBy(() -> catalog.plans().remove("team")).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> catalog.meters().clear()).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> catalog.prices().clear()).isInstanceOf(UnsupportedOperationException.class);
            Plan team = catalog.plan("team").orElseThrow();
            assertThatThrownBy(() -> team.usagePrices().clear()).isInstanceOf(UnsupportedOperationException.class);
            Price eu = catalog.price("business_image_pulls_eu_v1").orElseThrow();
            assertThatThrownBy(() -> eu.dimensionFilter().clear()).isInstanceOf(UnsupportedOperationException.class);
        }

        @Test
        void missingResourceIsReported() {
            assertThatThrownBy(() -> CatalogLoader.fromClasspath("catalog/does-not-exist.json"))
                    .isInstanceOf(CatalogException.class)
                    .hasMessage("catalog/does-not-exist.json: $: not found on the classpath");
        }
    }

    /** What the JSON Schema refuses: the problem names file, JSON path and reason. */
    @Nested
    class Schema {

        @Test
        void stripeIntegerAmountsAreAccepted() {
            Catalog c = load(catalog(m1("a", """
                    "billing_scheme": "tiered", "tiers_mode": "graduated",
                    "tiers": [{"up_to": 5, "unit_amount": 500, "flat_amount": 1000},
                              {"up_to": "inf", "unit_amount_decimal": "0.5", "flat_amount": 2000}]"""), plan("", "a")));
            PricingModel.Graduated model = (PricingModel.Graduated) c.price("a").orElseThrow().model();
            assertThat(model.tiers()).containsExactly(
                    new Tier(new BigDecimal("5"), new BigDecimal("500"), new BigDecimal("1000")),
                    new Tier(null, new BigDecimal("0.5"), new BigDecimal("2000")));
        }

        @Test
        void unitAmountAndItsDecimalTogether() {
            CatalogException.Problem p = problem(catalog(
                    m1("a", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 1, \"unit_amount_decimal\": \"1.5\""), plan("", "a")));
            assertThat(p.file()).isEqualTo(FILE);
            assertThat(p.path()).isEqualTo("$.prices[0]");
            assertThat(p.reason()).contains("unit_amount", "unit_amount_decimal", "not both");
            assertThat(problem(catalog(m1("a", """
                    "billing_scheme": "tiered", "tiers_mode": "volume",
                    "tiers": [{"up_to": "inf", "flat_amount": 1, "flat_amount_decimal": "1"}]"""), plan("", "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.prices[0].tiers[0]", "give flat_amount or flat_amount_decimal, not both");
        }

        @Test
        void divideByIsAPositiveInteger() {
            for (String divideBy : List.of("2.5", "0", "\"2\"")) {
                assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 100, "
                        + "\"transform_quantity\": {\"divide_by\": " + divideBy + ", \"round\": \"up\"}"), plan("", "a"))))
                        .as(divideBy)
                        .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                        .containsExactly("$.prices[0].transform_quantity.divide_by",
                                "divide_by is a positive whole number of units per package, e.g. 1000");
            }
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 100, "
                    + "\"transform_quantity\": {\"divide_by\": 10, \"round\": \"nearest\"}"), plan("", "a"))).path())
                    .isEqualTo("$.prices[0].transform_quantity.round");
        }

        @Test
        void decimalsAreStringsAndIntegersAreWhole() {
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"per_unit\", \"unit_amount_decimal\": 1.5"), plan("", "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.prices[0].unit_amount_decimal",
                            "a decimal amount is a string, e.g. \"0.0825\" (a JSON number would be read through a double)");
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 2.5"), plan("", "a"))).reason())
                    .startsWith("a whole number of minor units");
            assertThat(problem(catalog(perUnit("a", "1"), """
                    {"id": "p", "currency": "usd", "stripe_price_ids": [], "usage": [{"price": "a", "included_quantity": 10.5}]}""")))
                    .extracting(CatalogException.Problem::path).isEqualTo("$.plans[0].usage[0].included_quantity");
        }

        @Test
        void twelveDecimalsAtMost() {
            load(catalog(perUnit("a", "0.000000000001"), plan("", "a")));
            assertThat(problem(catalog(perUnit("a", "0.0000000000001"), plan("", "a"))))
                    .extracting(CatalogException.Problem::path).isEqualTo("$.prices[0].unit_amount_decimal");
            assertThat(problem(catalog(perUnit("a", "-1"), plan("", "a"))).reason()).contains("non-negative");
            assertThat(problem(catalog(perUnit("a", "1,5"), plan("", "a"))).path()).isEqualTo("$.prices[0].unit_amount_decimal");
        }

        @Test
        void unknownFieldsAreRefusedEverywhere() {
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 1, \"colour\": \"red\""), plan("", "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.prices[0].colour", "unknown field (not in the schema)");
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"tiered\", \"tiers_mode\": \"volume\", "
                    + "\"tiers\": [{\"up_to\": \"inf\", \"unit_amount\": 1, \"upto\": 5}]"), plan("", "a"))).path())
                    .isEqualTo("$.prices[0].tiers[0].upto");
            assertThat(problem(catalog(perUnit("a", "1"), plan("\"prices\": []", "a"))).path()).isEqualTo("$.plans[0].prices");
            assertThat(problem(catalog(perUnit("a", "1"), plan("", "a")).replace("\"test-1\",", "\"test-1\", \"version\": 2,")).path())
                    .isEqualTo("$.version");
        }

        @Test
        void billingSchemeShapes() {
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"per_unit\""), plan("", "a"))).reason())
                    .isEqualTo("a per_unit price needs unit_amount (whole minor units) or unit_amount_decimal (a decimal string)");
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"tiered\", \"tiers_mode\": \"graduated\", "
                    + "\"transform_quantity\": {\"divide_by\": 1000, \"round\": \"up\"}, \"tiers\": [{\"up_to\": \"inf\", \"unit_amount\": 1}]"),
                    plan("", "a"))).reason()).contains("transform_quantity");
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"tiered\", \"tiers_mode\": \"graduated\", \"tiers\": []"),
                    plan("", "a")))).extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.prices[0].tiers", "a tiered price needs at least one tier");
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"tiered\", \"tiers_mode\": \"stairstep\", "
                    + "\"tiers\": [{\"up_to\": \"inf\", \"unit_amount\": 1}]"), plan("", "a"))).path()).isEqualTo("$.prices[0].tiers_mode");
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 1, \"tiers_mode\": \"volume\""),
                    plan("", "a"))).reason()).contains("no tiers or tiers_mode");
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"tiered\", \"tiers_mode\": \"volume\", "
                    + "\"tiers\": [{\"up_to\": \"inf\"}]"), plan("", "a")))).extracting(CatalogException.Problem::path)
                    .isEqualTo("$.prices[0].tiers[0]");
            assertThat(problem(catalog(m1("a", "\"billing_scheme\": \"tiered\", \"tiers_mode\": \"volume\", "
                    + "\"tiers\": [{\"up_to\": \"infinity\", \"unit_amount\": 1}]"), plan("", "a"))).reason())
                    .isEqualTo("up_to is a positive whole number of units or \"inf\"");
        }

        @Test
        void recurringAndMeterFilter() {
            assertThat(problem(catalog("{\"id\": \"a\", \"currency\": \"usd\", \"billing_scheme\": \"per_unit\", \"unit_amount\": 1}",
                    plan("", "a"))).path()).isEqualTo("$.prices[0]"); // a catalog price says how it recurs
            assertThat(problem(catalog("""
                    {"id": "a", "currency": "usd", "billing_scheme": "per_unit", "unit_amount": 1,
                     "recurring": {"interval": "month", "usage_type": "metered"}}""", plan("", "a"))).reason())
                    .isEqualTo("a metered price names its meter (recurring.meter)");
            assertThat(problem(catalog(licensed("a", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 1, "
                    + "\"meter_filter\": {\"region\": \"eu\"}"), plan(""))).reason())
                    .isEqualTo("meter_filter filters a meter's usage, so the price needs recurring.meter");
        }

        @Test
        void currencyIsLowercase() {
            assertThat(problems(catalog(perUnit("a", "1").replace("\"usd\"", "\"USD\""), plan("", "a").replace("\"usd\"", "\"USD\""))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly(
                            tuple("$.plans[0].currency", "currency is a lowercase ISO 4217 code, e.g. usd"),
                            tuple("$.prices[0].currency", "currency is a lowercase ISO 4217 code, e.g. usd"));
        }

        @Test
        void missingTopLevelFields() {
            assertThat(problems("{\"meters\": [], \"prices\": [], \"plans\": []}"))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly(tuple("$.catalog_version", "required field is missing"));
            assertThat(problems("{\"catalog_version\": \"x\"}")).extracting(CatalogException.Problem::path)
                    .containsExactly("$.meters", "$.plans", "$.prices");
        }

        @Test
        void notJsonOrDuplicateKeys() {
            assertThat(problem("{\"catalog_version\": \"x\",\n \"meters\": [}").reason()).startsWith("not valid JSON at line 2, column");
            assertThat(problem("{\"catalog_version\": \"x\", \"catalog_version\": \"y\", \"meters\": [], \"prices\": [], \"plans\": []}")
                    .reason()).contains("Duplicate field 'catalog_version'");
            assertThat(problem("{\"catalog_version\": \"x\", \"meters\": [], \"prices\": [], \"plans\": []} {}").reason())
                    .startsWith("not valid JSON");
            assertThat(problem("").reason()).isEqualTo("the file is empty");
        }

        @Test
        void everyProblemIsListedInOneExceptionInDocumentOrder() {
            String json = catalog(String.join(",", perUnit("a", "1.0000000000001"),
                            m1("b", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 1, \"extra\": true"),
                            perUnit("c", "1"), perUnit("d", "1"), perUnit("e", "1"), perUnit("f", "1"), perUnit("g", "1"),
                            perUnit("h", "1"), perUnit("i", "1"), perUnit("j", "1"),
                            m1("k", "\"billing_scheme\": \"per_unit\", \"unit_amount\": -1")),
                    plan("", "a"));
            CatalogException e = catchThrowableOfType(CatalogException.class, () -> load(json));
            assertThat(e.problems()).extracting(CatalogException.Problem::path)
                    .containsExactly("$.prices[0].unit_amount_decimal", "$.prices[1].extra", "$.prices[10].unit_amount");
            assertThat(e.getMessage()).startsWith("3 problems:\n  test-catalog.json: $.prices[0].unit_amount_decimal: ");
        }
    }

    /** What the loader checks beyond the schema. */
    @Nested
    class Semantics {

        @Test
        void tiersAscendAndOnlyTheLastIsUnbounded() {
            assertThat(problem(catalog(m1("a", """
                    "billing_scheme": "tiered", "tiers_mode": "graduated",
                    "tiers": [{"up_to": 100, "unit_amount": 2}, {"up_to": 100, "unit_amount": 1}, {"up_to": "inf", "unit_amount": 1}]"""),
                    plan("", "a")))).extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.prices[0].tiers[1].up_to", "up_to must be greater than the previous tier's (100)");
            assertThat(problem(catalog(m1("a", """
                    "billing_scheme": "tiered", "tiers_mode": "volume",
                    "tiers": [{"up_to": "inf", "unit_amount": 2}, {"up_to": "inf", "unit_amount": 1}]"""), plan("", "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.prices[0].tiers[0].up_to", "only the last tier may be unbounded (up_to \"inf\")");
            assertThat(problem(catalog(m1("a", """
                    "billing_scheme": "tiered", "tiers_mode": "volume",
                    "tiers": [{"up_to": 10, "unit_amount": 2}, {"up_to": 20, "unit_amount": 1}]"""), plan("", "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.prices[0].tiers[1].up_to", "the last tier must be unbounded: up_to \"inf\"");
        }

        @Test
        void referencesExist() {
            assertThat(problem(catalog(perUnit("a", "1"), plan("", "b"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.plans[0].usage[0].price", "no price b in $.prices");
            assertThat(problem(catalog(perUnit("a", "1").replace("\"meter\": \"m1\"", "\"meter\": \"gpu\""), plan("", "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.prices[0].recurring.meter", "no meter gpu in $.meters");
        }

        @Test
        void aPlansPricesShareItsCurrencyAndInterval() {
            assertThat(problem(catalog(perUnit("a", "1").replace("\"usd\"", "\"eur\""), plan("", "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.plans[0].usage[0].price", "price a is in eur, plan p in usd");
            assertThat(problem(catalog(perUnit("a", "1").replace("\"month\"", "\"year\""), plan("", "a"))).reason())
                    .isEqualTo("price a recurs every 1 year, plan p every 1 month");
            assertThat(problems(catalog(perUnit("a", "1").replace("\"usd\"", "\"xyz\""), plan("", "a").replace("\"usd\"", "\"xyz\""))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly(
                            tuple("$.plans[0].currency", "not an ISO 4217 currency code: xyz"),
                            tuple("$.prices[0].currency", "not an ISO 4217 currency code: xyz"));
        }

        @Test
        void meterFilterKeysAreDimensionsOfTheMeter() {
            String filtered = perUnit("a", "1").replace("\"recurring\"", "\"meter_filter\": {\"zone\": \"x\"}, \"recurring\"");
            assertThat(problem(catalog(filtered, plan("", "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.prices[0].meter_filter.zone", "meter m1 has no dimension zone (it declares region)");
        }

        @Test
        void filteredPricesOfAMeterDoNotOverlapAndOneUnfilteredBillsTheRest() {
            String eu = perUnit("eu", "2").replace("\"recurring\"", "\"meter_filter\": {\"region\": \"eu\"}, \"recurring\"");
            String us = perUnit("us", "3").replace("\"recurring\"", "\"meter_filter\": {\"region\": \"us\"}, \"recurring\"");
            String eu2 = perUnit("eu2", "4").replace("\"recurring\"", "\"meter_filter\": {\"region\": \"eu\"}, \"recurring\"");
            Catalog ok = load(catalog(String.join(",", eu, us, perUnit("rest", "1")), plan("", "eu", "us", "rest")));
            assertThat(ok.plan("p").orElseThrow().pricesFor("m1")).hasSize(3);

            assertThat(problem(catalog(String.join(",", eu, eu2), plan("", "eu", "eu2"))))
                    .extracting(CatalogException.Problem::path).isEqualTo("$.plans[0].usage[1].price");
            assertThat(problem(catalog(String.join(",", eu, eu2), plan("", "eu", "eu2"))).reason())
                    .contains("overlaps", "billed twice");
            assertThat(problem(catalog(String.join(",", perUnit("a", "1"), perUnit("b", "1")), plan("", "a", "b"))).reason())
                    .startsWith("meter m1 already has the unfiltered price a in this plan");
            assertThat(problem(catalog(perUnit("a", "1"), plan("", "a", "a"))).reason())
                    .isEqualTo("price a is used twice in plan p (it would bill the same usage twice)");
        }

        @Test
        void baseFeeAndCommitmentAreLicensedPrices() {
            String fee = licensed("fee", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 2500");
            String commitment = licensed("min", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 50000");
            Catalog ok = load(catalog(String.join(",", fee, commitment, perUnit("a", "1")), plan("""
                    "base_fee": {"price": "fee", "timing": "in_arrears"}, "minimum_commitment": {"price": "min"}""", "a")));
            Plan p = ok.plan("p").orElseThrow();
            assertThat(p.baseFee().orElseThrow().timing()).isEqualTo(BillingTiming.IN_ARREARS);
            assertThat(p.minimumCommitment()).contains(new MinimumCommitment(50_000, "min"));

            assertThat(problem(catalog(perUnit("a", "1"), plan("\"base_fee\": {\"price\": \"a\", \"timing\": \"in_advance\"}"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.plans[0].base_fee.price", "price a is metered; a base fee is a licensed price (recurring.usage_type licensed)");
            assertThat(problem(catalog(fee, plan("", "fee"))).reason()).isEqualTo("price fee is licensed (no meter); usage prices are metered");
            String fractional = licensed("min", "\"billing_scheme\": \"per_unit\", \"unit_amount_decimal\": \"0.5\"");
            assertThat(problem(catalog(fractional, plan("\"minimum_commitment\": {\"price\": \"min\"}"))).path())
                    .isEqualTo("$.plans[0].minimum_commitment.price");
            String packaged = licensed("fee", "\"billing_scheme\": \"per_unit\", \"unit_amount\": 2500, "
                    + "\"transform_quantity\": {\"divide_by\": 5, \"round\": \"up\"}");
            assertThat(problem(catalog(packaged, plan("\"base_fee\": {\"price\": \"fee\", \"timing\": \"in_advance\"}"))).reason())
                    .startsWith("a base fee's price is per_unit without transform_quantity");
            assertThat(problem(catalog(fee, plan("\"base_fee\": {\"price\": \"fee\", \"timing\": \"in_advance\", "
                    + "\"charged_by_stripe_prices\": [\"price_elsewhere\"]}"))).path())
                    .isEqualTo("$.plans[0].base_fee.charged_by_stripe_prices[0]");
        }

        @Test
        void idsAreUnique() {
            assertThat(problem(catalog(String.join(",", perUnit("a", "1"), perUnit("a", "2")), plan("", "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.prices[1].id", "price a is defined twice");
            assertThat(problem(catalog(perUnit("m2", "1"), plan("", "m2"))).reason())
                    .startsWith("a price id must differ from every meter id");
            assertThat(problem(catalog(perUnit("a", "1"), plan("", "a") + "," + plan("", "a"))).reason())
                    .isEqualTo("plan p is defined twice");
            assertThat(problem(catalog(perUnit("a", "1"), plan("", "a") + ","
                    + "{\"id\": \"q\", \"currency\": \"usd\", \"stripe_price_ids\": [\"price_q\", \"price_p\"], \"usage\": []}")))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.plans[1].stripe_price_ids[1]", "Stripe price price_p already selects plan p; a Stripe price selects one plan");
            assertThat(problem("{\"catalog_version\": \"x\", \"meters\": [{\"id\": \"m\"}, {\"id\": \"m\"}], \"prices\": [], \"plans\": []}"))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                    .containsExactly("$.meters[1].id", "meter m is defined twice");
        }

        @Test
        void metersAsMeteringV2DeclaresThem() {
            Catalog c = load("""
                    {"catalog_version": "x", "prices": [], "plans": [], "meters": [
                      {"id": "seats", "aggregation": "unique_count", "aggregation_property": "user", "max_event_quantity": "1"},
                      {"id": "gb", "aggregation": "max", "dimensions": ["region", "tier"], "max_event_quantity": 5000}]}""");
            assertThat(c.meter("seats").orElseThrow().uniqueProperty()).contains("user");
            assertThat(c.meter("seats").orElseThrow().maxEventQuantity()).isEqualByComparingTo("1");
            assertThat(c.meter("gb").orElseThrow().aggregation()).isEqualTo(Aggregation.MAX);
            assertThat(c.meter("gb").orElseThrow().dimensions()).containsExactly("region", "tier");
            assertThat(problem("{\"catalog_version\": \"x\", \"prices\": [], \"plans\": [], \"meters\": [{\"id\": \"u\", \"aggregation\": \"unique_count\"}]}")
                    .reason()).startsWith("aggregation unique_count needs aggregation_property");
            assertThat(problem("{\"catalog_version\": \"x\", \"prices\": [], \"plans\": [], \"meters\": [{\"id\": \"a b\"}]}").path())
                    .isEqualTo("$.meters[0].id");
        }
    }

    /** One price, as {@code tally rate --price} reads it. */
    @Nested
    class OnePrice {

        @Test
        void withoutFeaturesLimitsOrDunningAPlanHasNoneAndTheDefaultPolicy() {
            Plan plan = load(catalog(perUnit("a", "1"), plan("", "a"))).plan("p").orElseThrow();
            assertThat(plan.features()).isEmpty();
            assertThat(plan.limits()).isEmpty();
            assertThat(plan.dunning()).isEqualTo(DunningPolicy.DEFAULT);
        }

        @Test
        void limitsNameAKnownMeterOnce() {
            assertThat(problems(catalog(perUnit("a", "1"), plan("""
                    "limits": [{"meter": "m1", "quantity_per_period": 10, "overage": "allowed"},
                               {"meter": "m1", "quantity_per_period": 20, "overage": "not_allowed"},
                               {"meter": "nope", "quantity_per_period": "0.5", "overage": "allowed"}]""", "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason).containsExactly(
                            tuple("$.plans[0].limits[1].meter", "meter m1 already has a limit in plan p; a meter has at most one"),
                            tuple("$.plans[0].limits[2].meter", "no meter nope in $.meters"));
            assertThat(problem(catalog(perUnit("a", "1"), plan("""
                    "limits": [{"meter": "m1", "quantity_per_period": 10, "overage": "sometimes"}]""", "a"))).reason())
                    .isEqualTo("overage is allowed (usage beyond the quantity is billed) or not_allowed (it is beyond the entitlement)");
            assertThat(problem(catalog(perUnit("a", "1"), plan("\"features\": [\"SSO\"]", "a"))).path())
                    .isEqualTo("$.plans[0].features[0]");
        }

        @Test
        void dunningStepsEscalate() {
            String steps = """
                    "dunning": {"steps": [{"state": "past_due", "after_days": 3}, {"state": "suspended", "after_days": 2},
                                          {"state": "restricted", "after_days": 9}], "restricted_usage": "refuse"}""";
            assertThat(problems(catalog(perUnit("a", "1"), plan(steps, "a"))))
                    .extracting(CatalogException.Problem::path, CatalogException.Problem::reason).containsExactly(
                            tuple("$.plans[0].dunning.steps[1].after_days", "step suspended after 2 days would come before past_due after 3"),
                            tuple("$.plans[0].dunning.steps[2].state", "dunning steps escalate past_due, restricted, suspended, each once: restricted cannot follow suspended"));
            assertThat(problem("""
                    {"catalog_version": "t", "meters": [], "prices": [], "plans": [],
                     "dunning": {"steps": [{"state": "restricted", "after_days": 0}], "restricted_usage": "flag"}}""").toString())
                    .isEqualTo("test-catalog.json: $.dunning.steps[0].state: the first dunning step is past_due (the grace period with full access)");
            assertThat(problem("""
                    {"catalog_version": "t", "meters": [], "prices": [], "plans": [],
                     "dunning": {"steps": [{"state": "past_due", "after_days": 0}], "restricted_usage": "block"}}""").reason())
                    .isEqualTo("restricted_usage is flag (counted, billed and flagged) or refuse (rejected with reason ACCOUNT_RESTRICTED)");
        }

        @Test
        void aPriceWithoutRecurringOrMeter() {
            Price price = CatalogLoader.parsePrice("-", """
                    {"id": "fonts", "currency": "usd", "billing_scheme": "per_unit", "unit_amount": 700}""");
            assertThat(price.meter()).isNull();
            assertThat(price.model()).isEqualTo(new PricingModel.PerUnit(new BigDecimal("700")));
            assertThat(price.displayName()).isEqualTo("fonts");
        }

        @Test
        void problemsNameTheFile() {
            CatalogException e = catchThrowableOfType(CatalogException.class, () -> CatalogLoader.parsePrice("p.json", """
                    {"id": "x", "currency": "usd", "billing_scheme": "tiered", "tiers_mode": "graduated",
                     "tiers": [{"up_to": 10, "unit_amount": 1}, {"up_to": 5, "unit_amount": 1}]}"""));
            assertThat(e.problems()).extracting(CatalogException.Problem::toString).containsExactly(
                    "p.json: $.tiers[1].up_to: the last tier must be unbounded: up_to \"inf\"",
                    "p.json: $.tiers[1].up_to: up_to must be greater than the previous tier's (10)");
            assertThat(catchThrowableOfType(CatalogException.class, () -> CatalogLoader.parsePrice("p.json",
                    "{\"id\": \"x\", \"currency\": \"zzz\", \"billing_scheme\": \"per_unit\", \"unit_amount\": 1}")).getMessage())
                    .isEqualTo("p.json: $.currency: not an ISO 4217 currency code: zzz");
        }
    }
}
