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
    void everyAlertTypeHasASchemaFileNamedByItsDetailType() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("../catalog/schema/events"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrderElementsOf(Arrays.stream(AlertType.values()).map(t -> t.detailType() + ".schema.json").toList());
        }
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
        assertThat(AlertSchemas.problems("usage.nope", EXPIRING)).containsExactly("no alert has detail-type usage.nope");
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
