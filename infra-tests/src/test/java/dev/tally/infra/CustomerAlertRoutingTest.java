package dev.tally.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The billing bus's archive matches exactly the detail-types Tally publishes, one per JSON Schema in
 * catalog/schema/events (one per {@code AlertType} and {@code ProductEvents}), and the customer-alerts rule exactly
 * the alerts' (the schemas that require an {@code alert_id}), in Terraform (alerts.tf) and in template.yaml alike, so
 * a new alert kind cannot ship without its route and its archive, nor a product event without its archive.
 */
class CustomerAlertRoutingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<String> detailTypesWithASchema() throws IOException {
        try (Stream<Path> files = Files.list(Tools.repoRoot().resolve("catalog/schema/events"))) {
            return files.map(f -> f.getFileName().toString().replace(".schema.json", "")).sorted().toList();
        }
    }

    /** The alerts: the detail-types whose schema requires an {@code alert_id} (product events have an event_id). */
    private static List<String> alertDetailTypes() throws IOException {
        List<String> alerts = new ArrayList<>();
        for (String type : detailTypesWithASchema()) {
            JsonNode schema = JSON.readTree(Tools.repoRoot().resolve("catalog/schema/events/" + type + ".schema.json").toFile());
            schema.path("required").forEach(r -> {
                if (r.asText().equals("alert_id")) {
                    alerts.add(type);
                }
            });
        }
        return alerts;
    }

    @Test
    void theDunningAlertsAreAlertsAndTheEntitlementsEventsAreNot() throws IOException {
        assertThat(alertDetailTypes()).contains("payment.failed", "dunning.step_reached", "credits.balance_low")
                .doesNotContain("dunning.state_changed", "entitlements.changed");
        assertThat(detailTypesWithASchema()).contains("dunning.state_changed", "entitlements.changed");
    }

    @Test
    void terraformsArchiveAndRuleMatchEveryAlertDetailType() throws IOException {
        Hcl.Parsed alerts = Hcl.parse(List.of(Tools.stack().resolve("alerts.tf"))).values().iterator().next();
        assertThat(alerts.errors()).isEmpty();
        List<String> listed = new ArrayList<>();
        alerts.json().findValues("customer_alert_detail_types").forEach(v -> v.forEach(t -> listed.add(t.asText())));
        assertThat(listed).containsExactlyInAnyOrderElementsOf(alertDetailTypes());
        List<String> products = new ArrayList<>();
        alerts.json().findValues("product_event_detail_types").forEach(v -> v.forEach(t -> products.add(t.asText())));
        List<String> archived = new ArrayList<>(listed);
        archived.addAll(products);
        assertThat(archived).containsExactlyInAnyOrderElementsOf(detailTypesWithASchema());
        String text = Files.readString(Tools.stack().resolve("alerts.tf"));
        assertThat(text).contains("resource \"aws_cloudwatch_event_archive\" \"billing_events\"",
                "resource \"aws_cloudwatch_event_rule\" \"customer_alerts\"", "resource \"aws_cloudwatch_event_target\" \"customer_alerts_log\"",
                "\"detail-type\" = concat(local.customer_alert_detail_types, local.product_event_detail_types)");
        assertThat(text.split("event_pattern\\s+=\\s+local.customer_alert_pattern", -1)).as("the rule has the alerts' pattern").hasSize(2);
        assertThat(text.split("event_pattern\\s+=\\s+local.billing_event_pattern", -1)).as("the archive has every event's").hasSize(2);
    }

    @Test
    void theTemplatesArchiveAndRuleMatchEveryAlertDetailType() throws IOException {
        JsonNode resources = new ObjectMapper(new YAMLFactory()).readTree(Tools.template().toFile()).path("Resources");
        for (String id : List.of("BillingEventsArchive", "CustomerAlertsRule")) {
            JsonNode pattern = resources.path(id).path("Properties").path("EventPattern");
            assertThat(pattern.path("source").get(0).asText()).as(id).isEqualTo("tally.billing");
            List<String> types = new ArrayList<>();
            pattern.path("detail-type").forEach(t -> types.add(t.asText()));
            assertThat(types).as(id).containsExactlyInAnyOrderElementsOf(id.equals("CustomerAlertsRule") ? alertDetailTypes() : detailTypesWithASchema());
        }
        assertThat(resources.path("CustomerAlertsRule").path("Properties").path("Targets").get(0).path("Arn").path("Fn::GetAtt").get(0).asText())
                .isEqualTo("CustomerAlertsLogGroup");
    }
}
