package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.cli.CliTestSupport.Result;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static dev.tally.cli.CliTestSupport.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tally rate}: a price file and a quantity in, the amount and its tiers out as JSON; an invalid price is exit
 * code 2 with every schema problem (file, JSON path, reason). The example prices' published amounts are checked in
 * {@code PricingExamplesTest}; here, that the command prints them.
 */
class RateCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String example(String name) {
        return CliTestSupport.repoRoot().resolve("catalog/examples").resolve(name).toString();
    }

    private static JsonNode ok(Result result) throws Exception {
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.err()).isEmpty();
        return JSON.readTree(result.out());
    }

    @Test
    void printsTheAmountAndEachTier() throws Exception {
        // Stripe's graduated fonts: 6 fonts cost 41.50 USD, 35 for the first 5 and 6.50 for the 6th
        JsonNode out = ok(run("rate", "--price", example("stripe-graduated-fonts.json"), "--quantity", "6"));
        assertThat(out.get("price_id").asText()).isEqualTo("stripe_font_graduated");
        assertThat(out.get("currency").asText()).isEqualTo("usd");
        assertThat(out.get("quantity").decimalValue()).isEqualByComparingTo("6");
        assertThat(out.get("included_quantity").decimalValue()).isEqualByComparingTo("0");
        assertThat(out.get("billable_quantity").decimalValue()).isEqualByComparingTo("6");
        assertThat(out.get("amount_minor").asLong()).isEqualTo(4150);
        assertThat(out.get("tiers")).hasSize(2);
        JsonNode first = out.get("tiers").get(0);
        assertThat(first.get("tier").asInt()).isZero();
        assertThat(first.get("up_to").asLong()).isEqualTo(5);
        assertThat(first.get("quantity").asLong()).isEqualTo(5);
        assertThat(first.get("unit_amount").asLong()).isEqualTo(700);
        assertThat(first.get("flat_amount").asLong()).isZero();
        assertThat(first.get("amount").asLong()).isEqualTo(3500);
        assertThat(out.get("tiers").get(1).get("amount").asLong()).isEqualTo(650);
    }

    @Test
    void includedQuantityAndExactDecimals() throws Exception {
        // Lago's package with free units: 201 units, 100 free, 5 USD per started 100
        JsonNode lago = ok(run("rate", "--price", example("lago-package-free-units.json"), "--quantity", "201", "--included", "100"));
        assertThat(lago.get("included_quantity").asLong()).isEqualTo(100);
        assertThat(lago.get("billable_quantity").asLong()).isEqualTo(2);
        assertThat(lago.get("amount_minor").asLong()).isEqualTo(1000);
        // Lago's volume at fractions of a cent: the unit amount prints as written, never through a double
        JsonNode volume = ok(run("rate", "--price", example("lago-volume-flat-fee-sub-cent.json"), "--quantity", "65000"));
        assertThat(volume.get("amount_minor").asLong()).isEqualTo(4900);
        assertThat(volume.get("tiers").get(0).get("up_to").asLong()).isEqualTo(100000);
        assertThat(volume.get("tiers").get(0).get("unit_amount").toString()).isEqualTo("0.06");
        assertThat(volume.get("tiers").get(0).get("amount").toString()).isEqualTo("4900");
    }

    @Test
    void readsStandardInputAndPrintsAnUnboundedTierAsNull() throws Exception {
        String price = """
                {"id": "stdin_price", "currency": "jpy", "billing_scheme": "tiered", "tiers_mode": "volume",
                 "tiers": [{"up_to": 10, "unit_amount": 3}, {"up_to": "inf", "unit_amount_decimal": "2.5"}]}""";
        JsonNode out = ok(run(cli -> ((RateCommand) cli.getSubcommands().get("rate").getCommand()).stdin =
                new ByteArrayInputStream(price.getBytes(StandardCharsets.UTF_8)), "rate", "--price", "-", "--quantity", "11"));
        assertThat(out.get("currency").asText()).isEqualTo("jpy");
        assertThat(out.get("amount_minor").asLong()).isEqualTo(28); // 11 x 2.5 = 27.5 yen, rounded once, half up
        assertThat(out.get("tiers").get(0).get("tier").asInt()).isEqualTo(1);
        assertThat(out.get("tiers").get(0).get("up_to").isNull()).isTrue();
        assertThat(ok(run("rate", "--price", example("stripe-volume-fonts.json"), "--quantity", "0")).get("tiers")).isEmpty();
    }

    @Test
    void anInvalidPriceIsInvalidUsageWithEverySchemaProblem() {
        String price = """
                {"id": "bad", "currency": "usd", "billing_scheme": "per_unit", "unit_amount": 500,
                 "transform_quantity": {"divide_by": 2.5, "round": "up"}, "colour": "red"}""";
        Result result = run(cli -> ((RateCommand) cli.getSubcommands().get("rate").getCommand()).stdin =
                new ByteArrayInputStream(price.getBytes(StandardCharsets.UTF_8)), "rate", "--price", "-", "--quantity", "1");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).startsWith("tally rate: invalid price: 2 problems:\n")
                .contains("  -: $.colour: unknown field (not in the schema)\n",
                        "  -: $.transform_quantity.divide_by: divide_by is a positive whole number of units per package, e.g. 1000\n")
                .contains("Usage: `tally rate --help`.")
                .doesNotContain("\tat ");
    }
}
