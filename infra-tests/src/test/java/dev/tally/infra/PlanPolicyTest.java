package dev.tally.infra;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link PlanPolicy} on plans: the real plans of environments/dev and environments/prod (planned offline, where
 * terraform is installed) break no rule, and each rule is proven alive by a bad plan that breaks it
 * ({@code src/test/resources/plans/<rule>[-variant].json}) while {@code good.json} breaks none.
 */
class PlanPolicyTest {

    private static final List<String> BAD_PLANS = List.of(
            "wildcard-action", "wildcard-action-in-role-policy", "wildcard-action-resource-star",
            "missing-kms-key", "missing-kms-key-table",
            "deletion-protection-off",
            "alarm-without-action", "alarm-without-action-disabled",
            "unqualified-trigger-by-reference", "unqualified-trigger-schedule", "unqualified-trigger-permission");

    private static final List<String> RULES = List.of(PlanPolicy.WILDCARD_ACTION, PlanPolicy.MISSING_KMS_KEY,
            PlanPolicy.DELETION_PROTECTION_OFF, PlanPolicy.ALARM_WITHOUT_ACTION, PlanPolicy.UNQUALIFIED_TRIGGER);

    @TestFactory
    Stream<DynamicTest> environmentPlansBreakNoRule() {
        assumeTrue(TerraformWorkspace.get().isPresent(), TerraformWorkspace.unavailable());
        TerraformWorkspace workspace = TerraformWorkspace.get().orElseThrow();
        return Stream.of("dev", "prod").map(env -> DynamicTest.dynamicTest("environments/" + env, () -> {
            assumeTrue(workspace.init("environments/" + env).exitCode() == 0,
                    "terraform init could not install the AWS provider:\n" + workspace.init("environments/" + env).describe());
            JsonNode plan = workspace.planJson(env);
            assertThat(plan.path("resource_changes").size()).as("resources planned").isGreaterThan(100);
            assertThat(PlanPolicy.check(plan)).as("policy violations in environments/" + env).isEmpty();
        }));
    }

    @Test
    void aGoodPlanBreaksNoRule() {
        assertThat(PlanPolicy.check(plan("good"))).isEmpty();
    }

    @TestFactory
    Stream<DynamicTest> eachBadPlanBreaksItsRule() {
        return BAD_PLANS.stream().map(name -> DynamicTest.dynamicTest(name, () -> {
            String rule = RULES.stream().filter(name::startsWith).findFirst().orElseThrow();
            List<PlanPolicy.Violation> violations = PlanPolicy.check(plan(name));
            assertThat(violations).as(name).isNotEmpty().allSatisfy(v -> assertThat(v.rule()).isEqualTo(rule));
        }));
    }

    /** Every rule has at least one bad plan that proves it fires. */
    @Test
    void everyRuleIsProven() {
        assertThat(RULES).allSatisfy(rule -> assertThat(BAD_PLANS).anyMatch(p -> p.startsWith(rule)));
    }

    private static JsonNode plan(String name) {
        try (InputStream in = PlanPolicyTest.class.getResourceAsStream("/plans/" + name + ".json")) {
            assertThat(in).as("plans/" + name + ".json").isNotNull();
            return Hcl.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
