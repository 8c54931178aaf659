package dev.tally.infra;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code cfn-lint} (the Python linter, with its SAM transform) on template.yaml, where it is on PATH: no error and no
 * warning. AWS's validator in {@link SamTemplateValidationTest} runs everywhere; this is the same family of rules at
 * the version the machine has, so a rule one of them lacks is still applied.
 */
class CfnLintTest {

    @Test
    void templatePassesCfnLint() throws Exception {
        Optional<Path> cfnLint = Tools.onPath("cfn-lint");
        assumeTrue(cfnLint.isPresent(), "cfn-lint is not on PATH: AWS's validator (SamTemplateValidationTest) still runs");
        Tools.Result lint = Tools.run(List.of(cfnLint.get().toString(), "--format", "parseable", Tools.template().toString()),
                Tools.repoRoot(), Map.of(), Duration.ofMinutes(2));
        assertThat(lint.exitCode()).as(() -> "cfn-lint reports problems in template.yaml:\n" + lint.describe()).isZero();
    }

    /** cfn-lint is alive: a queue with an unknown property is reported (the check above is not vacuous). */
    @Test
    void aBrokenTemplateFails() throws Exception {
        Optional<Path> cfnLint = Tools.onPath("cfn-lint");
        assumeTrue(cfnLint.isPresent(), "cfn-lint is not on PATH");
        Path broken = Tools.workDir().resolve("tmp/cfn-lint-broken.yaml");
        Files.createDirectories(broken.getParent());
        Files.writeString(broken, """
                AWSTemplateFormatVersion: "2010-09-09"
                Resources:
                  Queue:
                    Type: AWS::SQS::Queue
                    Properties:
                      NotAProperty: 1
                """);
        Tools.Result lint = Tools.run(List.of(cfnLint.get().toString(), broken.toString()), Tools.repoRoot(), Map.of(),
                Duration.ofMinutes(2));
        assertThat(lint.exitCode()).as(lint::describe).isNotZero();
        assertThat(lint.stdout() + lint.stderr()).contains("NotAProperty");
    }
}
