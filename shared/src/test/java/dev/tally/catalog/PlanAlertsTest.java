package dev.tally.catalog;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A plan's {@code alerts} in the catalog: read exactly, refused when out of range or unknown. */
class PlanAlertsTest {

    private static String catalog(String alerts) {
        return """
                {"catalog_version": "test-1",
                 "meters": [{"id": "m1"}],
                 "prices": [{"id": "p1", "currency": "usd", "billing_scheme": "per_unit", "unit_amount": 1,
                             "recurring": {"interval": "month", "usage_type": "metered", "meter": "m1"}}],
                 "plans": [{"id": "p", "currency": "usd", "stripe_price_ids": ["price_p"],
                            "usage": [{"price": "p1", "included_quantity": 100}]%s}]}
                """.formatted(alerts.isEmpty() ? "" : ", \"alerts\": " + alerts);
    }

    private static List<CatalogException.Problem> problems(String alerts) {
        CatalogException e = catchThrowableOfType(CatalogException.class, () -> CatalogLoader.parse("c.json", catalog(alerts)));
        assertThat(e).as("the catalog should be refused").isNotNull();
        return e.problems();
    }

    @Test
    void sharesAndSpendAmountsAreReadExactlyAndInOrder() {
        Plan plan = CatalogLoader.parse("c.json", catalog("{\"usage_shares\": [1, \"0.75\", \"0.5\"], \"spend_amounts\": [100000, 50000]}"))
                .plan("p").orElseThrow();
        assertThat(plan.alerts().usageShares()).containsExactly(new BigDecimal("0.5"), new BigDecimal("0.75"), BigDecimal.ONE);
        assertThat(plan.alerts().spendAmountsMinor()).containsExactly(50_000L, 100_000L);
    }

    @Test
    void aPlanWithoutAlertsHasNone() {
        assertThat(CatalogLoader.parse("c.json", catalog("")).plan("p").orElseThrow().alerts()).isEqualTo(PlanAlerts.NONE);
    }

    @Test
    void theRepositoryCatalogsTeamPlanAlertsAtHalfEightyAndAllAndAt200Usd() {
        Plan team = CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE).plan("team").orElseThrow();
        assertThat(team.alerts().usageShares()).containsExactly(new BigDecimal("0.5"), new BigDecimal("0.8"), BigDecimal.ONE);
        assertThat(team.alerts().spendAmountsMinor()).containsExactly(20_000L);
    }

    @Test
    void sharesOutsideZeroToOneAmountsBelowOneAndUnknownFieldsAreRefused() {
        assertThat(problems("{\"usage_shares\": [\"1.5\"]}")).extracting(CatalogException.Problem::path)
                .containsExactly("$.plans[0].alerts.usage_shares[0]");
        assertThat(problems("{\"usage_shares\": [\"0\"]}")).hasSize(1);
        assertThat(problems("{\"usage_shares\": [2]}")).extracting(CatalogException.Problem::reason)
                .containsExactly("the only integer share is 1");
        assertThat(problems("{\"usage_shares\": [0.5]}")).as("a JSON number with a fraction").isNotEmpty();
        assertThat(problems("{\"spend_amounts\": [0]}")).extracting(CatalogException.Problem::reason)
                .containsExactly("a spend amount is above zero");
        assertThat(problems("{\"spend_amount\": [100]}")).extracting(CatalogException.Problem::path, CatalogException.Problem::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("$.plans[0].alerts.spend_amount", "unknown field (not in the schema)"));
    }
}
