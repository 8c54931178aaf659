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

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every deployment artifact, minimized as it ships, starts under the runtime interface client and answers two
 * invocations: {@code tally bench coldstart --runs 1}. The timings are not checked (benchmarks print figures, they
 * are not timed tests); that every process ran, the JSON line's shape and the artifact size goal are.
 */
class ColdStartCommandTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();

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
        assertThat(result.path("functions").size()).isEqualTo(8);  // reconciliation runs from billing-run's jar
        assertThat(result.path("floor").path("init_ms").asLong()).isPositive();
        result.path("functions").forEach(f -> {
            assertThat(f.path("failed_runs").asInt()).isZero();
            assertThat(f.path("artifact_bytes").asLong()).isLessThanOrEqualTo(ColdStartCommand.MAX_ARTIFACT_BYTES);
        });
    }
}
