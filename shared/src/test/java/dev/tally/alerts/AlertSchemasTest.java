package dev.tally.alerts;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The alert details' JSON Schemas: one per detail-type, each refusing what consumers could not rely on. */
class AlertSchemasTest {

    private static final String EXPIRING = """
            {"schema_version": 1, "alert_id": "credit_grant_expiring:org_a:cg_1", "type": "credits.grant_expiring",
             "account": "org_a", "raised_at": 1764547200, "grant_id": "cg_1", "currency": "usd", "remaining_minor": 300,
             "amount_minor": 500, "expires_at": 1765152000, "source": "promotional", "description": "Launch offer"}""";

    @Test
    void everyAlertAndProductEventTypeHasASchemaFileNamedByItsDetailType() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("../catalog/schema/events"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrderElementsOf(Stream.concat(
                    Arrays.stream(AlertType.values()).map(AlertType::detailType),
                    ProductEvents.SCHEMA_VERSIONS.keySet().stream()).map(t -> t + ".schema.json").toList());
        }
    }

    @Test
    void theDunningAlertsAndProductEventsHaveTheirSchemas() {
        String failed = """
                {"schema_version": 1, "alert_id": "payment_failed:org_a:in_1:2", "type": "payment.failed", "account": "org_a",
                 "raised_at": 1764547200, "stripe_invoice_id": "in_1", "attempt": 2, "failed_at": 1764547200}""";
        assertThat(AlertSchemas.problems("payment.failed", failed)).isEmpty();
        assertThat(AlertSchemas.problems("payment.failed", failed.replace("\"attempt\": 2", "\"attempt\": 0"))).isNotEmpty();
        String changed = """
                {"schema_version": 1, "event_id": "dunning:org_a:days_elapsed:restricted:1764547200", "type": "dunning.state_changed",
                 "account": "org_a", "raised_at": 1765152000, "from": "past_due", "to": "restricted", "cause": "days_elapsed",
                 "cause_id": "days_elapsed:restricted:1764547200", "description": "7 days unpaid", "at": 1765152000}""";
        assertThat(AlertSchemas.problems("dunning.state_changed", changed)).isEmpty();
        assertThat(AlertSchemas.problems("dunning.step_reached", changed)).as("an alert has an alert_id, no event_id").isNotEmpty();
        assertThat(AlertSchemas.problems("dunning.state_changed", changed.replace("\"restricted\", \"cause\"", "\"blocked\", \"cause\"")))
                .isNotEmpty();
        String entitlements = """
                {"schema_version": 1, "event_id": "entitlements:org_a:3", "type": "entitlements.changed", "account": "org_a",
                 "raised_at": 1764547200, "version": 3, "entitlements": {"account": "org_a", "plan": "team", "access": true,
                 "features": ["ci_builds"], "limits": [{"meter": "build_minutes", "quantity_per_period": "1500",
                 "overage_allowed": true, "usage_beyond_included": "allowed"}],
                 "prepaid": {"balance_remains": true, "available_minor": {"usd": 5000}},
                 "dunning": {"state": "active", "since": 0, "next_step_at": null, "restricted_usage": "refuse"},
                 "version": 3, "updated_at": 1764547200}}""";
        assertThat(AlertSchemas.problems("entitlements.changed", entitlements)).isEmpty();
        assertThat(AlertSchemas.problems("entitlements.changed", entitlements.replace("{\"usd\": 5000}", "{\"usd\": 50.5}")))
                .isNotEmpty();
    }

    @Test
    void aValidDetailHasNoProblems() {
        assertThat(AlertSchemas.problems("credits.grant_expiring", EXPIRING)).isEmpty();
    }

    @Test
    void aMissingVersionAnotherVersionAnUnknownFieldOrAnotherTypeAreRefused() {
        assertThat(AlertSchemas.problems("credits.grant_expiring", EXPIRING.replace("\"schema_version\": 1, ", "")))
                .singleElement().asString().contains("schema_version");
        assertThat(AlertSchemas.problems("credits.grant_expiring", EXPIRING.replace("\"schema_version\": 1", "\"schema_version\": 2")))
                .isNotEmpty();
        assertThat(AlertSchemas.problems("credits.grant_expiring", EXPIRING.replace("\"source\"", "\"email\": \"x\", \"source\"")))
                .singleElement().asString().contains("email");
        assertThat(AlertSchemas.problems("credits.grant_expiring", EXPIRING.replace("\"remaining_minor\": 300", "\"remaining_minor\": 3.5")))
                .isNotEmpty();
        assertThat(AlertSchemas.problems("credits.grant_expired", EXPIRING)).isNotEmpty();
        assertThat(AlertSchemas.problems("usage.nope", EXPIRING)).containsExactly("no alert or event has detail-type usage.nope");
    }

    @Test
    void aBalanceLowDetailNamesExactlyOneKindOfThreshold() {
        String low = """
                {"schema_version": 1, "alert_id": "credits:org_a:usd:10000:0.5", "type": "credits.balance_low", "account": "org_a",
                 "raised_at": 1764547200, "currency": "usd", "balance_minor": 4000, "granted_minor": 10000%s}""";
        assertThat(AlertSchemas.problems("credits.balance_low", low.formatted(", \"threshold\": \"0.5\""))).isEmpty();
        assertThat(AlertSchemas.problems("credits.balance_low", low.formatted(", \"threshold_minor\": 5000"))).isEmpty();
        assertThat(AlertSchemas.problems("credits.balance_low", low.formatted(""))).isNotEmpty();
        assertThat(AlertSchemas.problems("credits.balance_low", low.formatted(", \"threshold\": \"0.5\", \"threshold_minor\": 5000"))).isNotEmpty();
    }
}
