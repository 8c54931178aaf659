package dev.tally.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Where the repository's infrastructure files are, and how the checks run their tools: node with the scripts in
 * {@code tools/iac-check}, and terraform where it is installed.
 *
 * <p>The repository root comes from the system property {@code tally.repo.root} (set by this module's pom), or else
 * is the parent of the working directory (surefire runs in {@code infra-tests/}).
 */
final class Tools {

    private static final Duration NODE_TIMEOUT = Duration.ofMinutes(3);

    private Tools() {
    }

    static Path repoRoot() {
        String configured = System.getProperty("tally.repo.root");
        Path root = configured != null && !configured.isBlank()
                ? Path.of(configured)
                : Path.of(System.getProperty("user.dir")).resolve("..");
        return root.toAbsolutePath().normalize();
    }

    static Path workDir() {
        String configured = System.getProperty("tally.work.dir");
        Path dir = configured != null && !configured.isBlank()
                ? Path.of(configured)
                : repoRoot().resolve("infra-tests/target");
        return dir.toAbsolutePath().normalize();
    }

    static Path template() {
        return repoRoot().resolve("template.yaml");
    }

    static Path terraformRoot() {
        return repoRoot().resolve("infra-terraform");
    }

    /** The composition of the whole system that environments/dev and environments/prod instantiate. */
    static Path stack() {
        return terraformRoot().resolve("modules/tally-stack");
    }

    static Path iacCheck() {
        return repoRoot().resolve("tools/iac-check");
    }

    /** @return the executable called {@code name} in a directory of PATH, if any */
    static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        boolean windows = System.getProperty("os.name", "").toLowerCase().startsWith("windows");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            for (String candidate : windows ? List.of(name + ".exe", name + ".cmd", name) : List.of(name)) {
                Path p = Path.of(dir, candidate);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Runs one of the scripts in tools/iac-check with node. Fails the test (not skips it) when node or the npm
     * packages are missing: these checks are part of the build.
     */
    static Result node(String script, List<String> args) {
        Path node = onPath("node").orElseGet(() -> fail(
                "node is not on PATH. The infrastructure checks run AWS's template validator and HashiCorp's HCL parser"
                        + " with node (20 or later); install node, or leave infra-tests out of the build."));
        Path modules = iacCheck().resolve("node_modules");
        if (!Files.isDirectory(modules.resolve("@aws/cloudformation-validate"))
                || !Files.isDirectory(modules.resolve("@cdktf/hcl2json"))) {
            fail(modules + " is missing or incomplete: run `npm ci` in tools/iac-check"
                    + " (Maven does it in generate-test-resources unless -Diac.npm.skip=true).");
        }
        List<String> command = new ArrayList<>();
        command.add(node.toString());
        command.add(iacCheck().resolve(script).toString());
        command.addAll(args);
        return run(command, iacCheck(), Map.of(), NODE_TIMEOUT);
    }

    /** Runs a command to completion, with stdout and stderr captured through files (no pipe can fill up). */
    static Result run(List<String> command, Path dir, Map<String, String> env, Duration timeout) {
        try {
            Path tmp = workDir().resolve("tmp");
            Files.createDirectories(tmp);
            Path out = Files.createTempFile(tmp, "out", ".txt");
            Path err = Files.createTempFile(tmp, "err", ".txt");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile());
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    fail(String.join(" ", command) + " did not finish within " + timeout);
                }
                return new Result(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }

    /** What a command did. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {

        String describe() {
            return String.join(" ", command) + "\nexit code " + exitCode
                    + (stdout.isBlank() ? "" : "\n--- stdout\n" + stdout.strip())
                    + (stderr.isBlank() ? "" : "\n--- stderr\n" + stderr.strip());
        }
    }
}
