package dev.tally.infra;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SortedMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * template.yaml (what the local runtime runs) and infra-terraform/modules/tally-stack (which environments/dev and prod instantiate) (what production applies)
 * define the same system: the same functions (by handler) with the same code, runtime, sizing and environment
 * variables (names and what each points at); the same tables (keys, attributes, indexes, streams, TTL, backups,
 * encryption); the same queues and dead-letter queues; the same event source mappings, HTTP routes and schedules;
 * each function allowed the same tables, queues, secrets and buses at the same level; the same parameters and
 * outputs. Each aspect is its own test, fails when either side reads as empty, and lists every difference.
 *
 * <p>Terraform is read through HashiCorp's HCL parser (not evaluated): module arguments, variable defaults, locals
 * and {@code merge(...)} of maps are resolved; names pair by the convention that Terraform names are the template's
 * logical IDs in snake_case. See {@link SystemDescription} for how each side is reduced.
 */
class TemplateTerraformAgreementTest {

    private static SystemDescription template;
    private static SystemDescription terraform;

    @BeforeAll
    static void describeBoth() {
        template = SystemDescription.fromTemplate(Tools.template());
        terraform = SystemDescription.fromTerraform(Tools.stack());
    }

    @Test
    void functions() {
        agree(SystemDescription.FUNCTIONS);
    }

    @Test
    void tables() {
        agree(SystemDescription.TABLES);
    }

    @Test
    void queues() {
        agree(SystemDescription.QUEUES);
    }

    @Test
    void eventBuses() {
        agree(SystemDescription.EVENT_BUSES);
    }

    @Test
    void eventSourceMappings() {
        agree(SystemDescription.EVENT_SOURCE_MAPPINGS);
    }

    @Test
    void httpRoutes() {
        agree(SystemDescription.HTTP_ROUTES);
    }

    @Test
    void schedules() {
        agree(SystemDescription.SCHEDULES);
    }

    /**
     * Each function may touch the same tables (read or read-write), streams, queues, secrets and buses: what the
     * template's Policies grant plus what SAM grants for its event sources. Terraform narrows the actions (no Scan,
     * no DeleteItem, ...), not the set of resources or the level.
     */
    @Test
    void functionPermissions() {
        agree(SystemDescription.PERMISSIONS);
    }

    @Test
    void parametersAreVariablesWithTheSameDefaults() {
        SortedMap<String, SortedMap<String, String>> parameters = template.aspect(SystemDescription.PARAMETERS);
        SortedMap<String, SortedMap<String, String>> variables =
                SystemDescription.terraformParameters(Tools.stack(), parameters.keySet());
        agree("parameters", parameters, variables);
    }

    @Test
    void outputs() {
        SortedMap<String, SortedMap<String, String>> outputs = template.aspect(SystemDescription.OUTPUTS);
        SortedMap<String, SortedMap<String, String>> tfOutputs = SystemDescription.terraformOutputs(Tools.stack());
        tfOutputs.keySet().retainAll(outputs.keySet()); // Terraform may output more
        agree("outputs", outputs, tfOutputs);
    }

    /** The guard itself: two empty sides, or one, do not pass as agreeing. */
    @Test
    void anAspectReadAsEmptyOnEitherSideFails() {
        SortedMap<String, SortedMap<String, String>> empty = new TreeMap<>();
        SortedMap<String, SortedMap<String, String>> some = template.aspect(SystemDescription.FUNCTIONS);
        assertThatThrownBy(() -> agree("functions", empty, empty)).hasMessageContaining("template.yaml functions (read as empty)");
        assertThatThrownBy(() -> agree("functions", some, empty)).hasMessageContaining("Terraform functions (read as empty)");
    }

    private static void agree(String aspect) {
        agree(aspect, template.aspect(aspect), terraform.aspect(aspect));
    }

    /**
     * The two sides are equal, and neither reads as empty: two empty descriptions are equal, so without the second
     * check an aspect that one reader stopped seeing (a renamed resource type, a moved module) would pass unnoticed.
     */
    private static void agree(String aspect, SortedMap<String, SortedMap<String, String>> fromTemplate,
                              SortedMap<String, SortedMap<String, String>> fromTerraform) {
        assertThat(fromTemplate).as("template.yaml " + aspect + " (read as empty)").isNotEmpty();
        assertThat(fromTerraform).as("Terraform " + aspect + " (read as empty)").isNotEmpty();
        Diff.assertNone(aspect, Diff.of(fromTemplate, fromTerraform));
    }
}
