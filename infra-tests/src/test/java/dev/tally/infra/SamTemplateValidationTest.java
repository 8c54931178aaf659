package dev.tally.infra;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * template.yaml through AWS's own validator ({@code @aws/cloudformation-validate}: cfn-lint's rules, the resource
 * provider schemas and the SAM transform, offline), run by {@code tools/iac-check/validate-template.mjs}.
 */
class SamTemplateValidationTest {

    /**
     * Warnings looked at and accepted, by rule and logical ID, each with its reason. Anything else at WARN fails
     * {@link #noWarningsBeyondTheReviewedOnes()}: cfn-lint reports some real mistakes (an enum value that does not
     * exist, for one) only as warnings.
     */
    private static final Map<String, String> REVIEWED_WARNINGS = Map.of(
            "W2509 StripeWebhookSecretArn", "the parameter is the ARN of a secret, not a secret; NoEcho would only hide which secret is used",
            "W2509 StripeApiKeySecretArn", "the parameter is the ARN of a secret, not a secret; NoEcho would only hide which secret is used");

    private static List<JsonNode> diagnostics;
    private static Tools.Result result;

    @BeforeAll
    static void validate() {
        result = Tools.node("validate-template.mjs", List.of("--severity", "WARN", Tools.template().toString()));
        diagnostics = parse(result);
    }

    @Test
    void templateHasNoErrors() {
        List<JsonNode> errors = diagnostics.stream()
                .filter(d -> Set.of("ERROR", "FATAL").contains(d.path("severity").asText()))
                .toList();
        assertThat(errors).as(() -> "AWS's validator reports errors in template.yaml:\n" + describe(errors)
                + "\n\n" + result.describe()).isEmpty();
        assertThat(result.exitCode()).as(result::describe).isZero();
    }

    @Test
    void noWarningsBeyondTheReviewedOnes() {
        List<JsonNode> unreviewed = diagnostics.stream()
                .filter(d -> d.path("severity").asText().equals("WARN"))
                .filter(d -> !REVIEWED_WARNINGS.containsKey(
                        d.path("ruleId").asText() + " " + d.path("entity").path("logicalId").asText()))
                .toList();
        assertThat(unreviewed).as(() -> "AWS's validator warns about template.yaml (fix it, or add the warning with"
                + " its reason to REVIEWED_WARNINGS):\n" + describe(unreviewed)).isEmpty();
    }

    /** The validator is alive: a SAM function without a Handler is an error (the check above is not vacuous). */
    @Test
    void aBrokenTemplateFails() throws IOException {
        Path dir = Tools.workDir().resolve("tmp");
        Files.createDirectories(dir);
        Path broken = dir.resolve("broken-template.yaml");
        Files.writeString(broken, """
                AWSTemplateFormatVersion: "2010-09-09"
                Transform: AWS::Serverless-2016-10-31
                Resources:
                  Queue:
                    Type: AWS::SQS::Queue
                    Properties:
                      VisibilityTimeout: 180
                      NotAProperty: 1
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Runtime: java21
                      CodeUri: fn.jar
                """);
        Tools.Result broke = Tools.node("validate-template.mjs", List.of(broken.toString()));
        assertThat(broke.exitCode()).as(broke::describe).isEqualTo(1);
        assertThat(parse(broke)).as(broke::describe)
                .anySatisfy(d -> assertThat(d.path("severity").asText()).isIn("ERROR", "FATAL"));
    }

    private static List<JsonNode> parse(Tools.Result result) {
        assertThat(result.exitCode()).as(() -> "validate-template.mjs did not run:\n" + result.describe()).isIn(0, 1);
        List<JsonNode> out = new ArrayList<>();
        for (String line : result.stdout().split("\n")) {
            if (!line.isBlank()) {
                try {
                    out.add(Hcl.JSON.readTree(line));
                } catch (IOException e) {
                    throw new UncheckedIOException("not a JSON line: " + line, e);
                }
            }
        }
        return out;
    }

    private static String describe(List<JsonNode> diagnostics) {
        StringBuilder out = new StringBuilder();
        for (JsonNode d : diagnostics) {
            out.append("  template.yaml:").append(d.path("startLine").asText("?")).append(':')
                    .append(d.path("startColumn").asText("?")).append(' ')
                    .append(d.path("severity").asText()).append(' ').append(d.path("ruleId").asText()).append(' ')
                    .append(d.path("entity").path("logicalId").asText("")).append(": ")
                    .append(d.path("message").asText()).append('\n')
                    .append("    ").append(d).append('\n');
        }
        return out.toString();
    }
}
