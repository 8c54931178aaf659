package dev.tally.infra;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every .tf file (and .tftest.hcl) under infra-terraform parses with HashiCorp's HCL parser, one test per file;
 * errors come with file, line and column.
 */
class TerraformParseTest {

    @TestFactory
    Stream<DynamicTest> everyTerraformFileParses() {
        return Hcl.all().values().stream().map(parsed -> DynamicTest.dynamicTest(
                Tools.repoRoot().relativize(parsed.file()).toString(),
                () -> assertThat(parsed.errors())
                        .as(() -> "HCL syntax errors:\n  " + String.join("\n  ", parsed.errors()))
                        .isEmpty()));
    }

    @Test
    void theModulesAndTheProductionEnvironmentAreThere() {
        assertThat(Hcl.terraformFiles().stream().map(p -> Tools.terraformRoot().relativize(p).toString().replace('\\', '/')))
                .contains(
                        "modules/dynamodb-table/main.tf", "modules/dynamodb-table/variables.tf",
                        "modules/dynamodb-table/outputs.tf", "modules/dynamodb-table/versions.tf",
                        "modules/sqs-queue/main.tf", "modules/sqs-queue/variables.tf",
                        "modules/sqs-queue/outputs.tf", "modules/sqs-queue/versions.tf",
                        "modules/lambda-function/main.tf", "modules/lambda-function/variables.tf",
                        "modules/lambda-function/outputs.tf", "modules/lambda-function/versions.tf",
                        "environments/prod/main.tf", "environments/prod/variables.tf",
                        "environments/prod/outputs.tf", "environments/prod/versions.tf");
    }

    /** A syntax error is reported, with its line and column: the check above is not vacuous. */
    @Test
    void aSyntaxErrorIsReportedWithItsPosition() throws Exception {
        java.nio.file.Path dir = Tools.workDir().resolve("tmp");
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Path broken = dir.resolve("broken.tf");
        java.nio.file.Files.writeString(broken, "resource \"aws_sqs_queue\" \"q\" {\n  name = [\n}\n");
        Hcl.Parsed parsed = Hcl.parse(java.util.List.of(broken)).get(broken.toAbsolutePath());
        assertThat(parsed.errors()).singleElement().asString().contains("broken.tf:3:1: Invalid expression");
    }
}
