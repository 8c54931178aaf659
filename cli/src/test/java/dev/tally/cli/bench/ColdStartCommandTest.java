package dev.tally.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every deployment artifact, minimized as it ships, starts under the runtime interface client and answers two
 * invocations: {@code tally bench coldstart --runs 1}. The timings are not checked (benchmarks print figures, they
 * are not timed tests); that every process ran, the JSON line's shape and the artifact size goal are.
 *
 * <p>Logs where they run: each artifact's own output (the bench keeps it in {@code <work dir>/<function>.log}) must
 * hold JSON lines from its Log4j configuration (log4j2-lambda.xml, Powertools' layout) with the Lambda context's
 * fields, a correlation id and the business keys the function knows, and no Log4j status error (a plugin or the
 * layout's template that minimization dropped).
 */
class ColdStartCommandTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Business keys a log line of each function's bench invocations carries (ColdStartEvents says what they do). */
    private static final Map<String, List<String>> BUSINESS_KEYS = Map.of(
            "stripe-webhook", List.of("stripe_event_id"),
            "usage-ingest", List.of("account", "event_id"),
            "usage-buckets", List.of(),
            "billing-run", List.of(),
            "invoice-generator", List.of("account", "invoice_id"),
            "stripe-sync", List.of("invoice_id"),
            "billing-alerts", List.of("account", "invoice_id"));

    @Test
    void everyArtifactStartsAndAnswers() throws Exception {
        List<Path> jars = new ArrayList<>();
        for (String fn : List.of("stripe-webhook", "usage-ingest", "usage-buckets", "billing-run", "invoice-generator", "stripe-sync",
                "billing-alerts")) {
            jars.add(ROOT.resolve("functions/" + fn + "/target/" + fn + ".jar"));
        }
        assumeTrue(jars.stream().allMatch(Files::isRegularFile),
                "the functions' jars are not built (mvn package runs before this module's tests in a full build)");

        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream original = System.out;
        int exit;
        try (PrintStream capture = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            exit = new CommandLine(new ColdStartCommand()).execute("--runs", "1",
                    "--template", ROOT.resolve("template.yaml").toString(),
                    "--work-dir", ROOT.resolve("cli/target/bench-coldstart").toString());
        } finally {
            System.setOut(original);
        }
        String output = buffer.toString(StandardCharsets.UTF_8);
        assertThat(exit).as(output).isZero();
        String[] lines = output.strip().split("\n");
        JsonNode result = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertThat(result.path("functions").size()).isEqualTo(10);  // the seven, entitlements and its API, reconciliation
        assertThat(result.path("floor").path("init_ms").asLong()).isPositive();
        result.path("functions").forEach(f -> {
            assertThat(f.path("failed_runs").asInt()).isZero();
            assertThat(f.path("artifact_bytes").asLong()).isLessThanOrEqualTo(ColdStartCommand.MAX_ARTIFACT_BYTES);
        });

        for (Map.Entry<String, List<String>> function : BUSINESS_KEYS.entrySet()) {
            assertLogsWhereTheyRun(ROOT.resolve("cli/target/bench-coldstart/" + function.getKey() + ".log"),
                    function.getKey(), function.getValue());
        }
    }

    private static void assertLogsWhereTheyRun(Path log, String function, List<String> businessKeys) throws Exception {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(lines).as(function + ": Log4j status errors in " + log)
                .noneMatch(l -> l.contains("StatusLogger") || l.contains("ERROR Unable") || l.contains("ERROR Could not"));
        List<JsonNode> json = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("{") && !line.contains("\"_aws\"")) {
                json.add(JSON.readTree(line));
            }
        }
        assertThat(json).as(function + ": JSON log lines in " + log + ":\n" + String.join("\n", lines))
                .anySatisfy(line -> {
                    assertThat(line.path("function_name").asText()).isEqualTo(logicalId(function));
                    assertThat(line.path("function_request_id").asText()).startsWith("bench-");
                    assertThat(line.path("service").asText()).isEqualTo("tally");
                    assertThat(line.path("level").asText()).isIn("INFO", "WARN", "ERROR");
                    assertThat(line.path("correlation_id").asText()).isNotBlank();
                    for (String key : businessKeys) {
                        assertThat(line.path(key).asText()).as(key).isNotBlank();
                    }
                });
    }

    /** {@code usage-ingest} -> {@code UsageIngestFunction}, the template's logical id (the bench's function name). */
    private static String logicalId(String function) {
        StringBuilder id = new StringBuilder();
        for (String part : function.split("-")) {
            id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return id.append("Function").toString();
    }
}
