package dev.tally.cli;

import dev.tally.cli.CliTestSupport.Result;
import dev.tally.local.LocalRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs README.md's "Running it yourself" commands as written, start to finish, the way a newcomer does: the
 * {@code ./tally serve} block is this test's runtime (the same start as {@code serve}, on free ports), then every line
 * of the block marked {@value #MARKER}: {@code ./tally ...} lines run in-process (with the endpoint options of the
 * runtime added, the only change), the others ({@code export}, {@code aws ...}) in bash with the README's default
 * ports replaced by the runtime's. The AWS CLI gets no credentials or configuration of this machine: only what the
 * README exports. After each command the runtime is left to settle, as a person typing would.
 *
 * <p>Skipped, saying so, where the AWS CLI ({@code aws}) is not installed.
 */
class ReadmeTest {
    /** The HTML comment that marks the block this test runs. */
    static final String MARKER = "<!-- ReadmeTest runs the next block -->";
    private static final Duration SETTLE = Duration.ofSeconds(60);

    private static LocalRuntime runtime;
    private static String readme;

    @BeforeAll
    static void start() throws IOException {
        readme = Files.readString(CliTestSupport.repoRoot().resolve("README.md"));
        assumeTrue(onPath("aws"), "the AWS CLI (aws) is not installed, and the README's commands use it");
        runtime = CliTestSupport.startRuntime(true);
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void theRunningItYourselfCommandsWorkAsWritten() throws Exception {
        String section = readme.substring(readme.indexOf("## Running it yourself"));
        assertThat(shellBlocks(section).getFirst()).as("the first block starts the system").containsExactly("./tally serve");
        List<String> commands = shellBlocks(section.substring(section.indexOf(MARKER))).getFirst();
        assertThat(commands).as("the block marked for this test").isNotEmpty();

        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv("PATH"));
        env.put("HOME", System.getenv().getOrDefault("HOME", "/tmp"));
        env.put("AWS_CONFIG_FILE", "/nonexistent/aws-config");
        env.put("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials");
        Map<String, String> outputs = new LinkedHashMap<>();
        for (String command : commands) {
            Result result = command.startsWith("./tally ") ? tally(command, env) : shell(command, env);
            assertThat(result.exitCode()).as(command + "\n" + result.err()).isZero();
            outputs.put(command, result.out());
            runtime.awaitIdle(SETTLE);
        }

        assertThat(output(outputs, "stripe trigger customer.created")).contains("  200 applied: account org_acme");
        assertThat(output(outputs, "stripe trigger customer.subscription.created"))
                .contains("  200 applied: subscription sub_org_acme (active)");
        assertThat(output(outputs, "dynamodb scan")).contains("\"org_acme\"", "\"build_minutes\"", "\"2000\"");
        assertThat(output(outputs, "clock advance")).startsWith("Clock advanced from ");
        String invoices = output(outputs, "./tally invoices");
        String invoiceId = invoices.lines().filter(l -> l.startsWith("tin_sub_org_acme_")).findFirst().orElseThrow().split(" ")[0];
        // 7.50 USD of build minutes, the team plan's base fee for this period and the next, in advance: 2 x 25.00 USD
        assertThat(new Result(0, invoices, "").row(invoiceId)).hasSize(8).startsWith(invoiceId, "org_acme", "open")
                .endsWith("USD", "57.50 USD", "0.00 USD", "57.50 USD");
    }

    /** The {@code sh} blocks of a Markdown text, each as its commands (continued lines joined, comments dropped). */
    static List<List<String>> shellBlocks(String markdown) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        StringBuilder pending = new StringBuilder();
        for (String line : markdown.lines().toList()) {
            if (current == null && line.strip().equals("```sh")) {
                current = new ArrayList<>();
            } else if (current != null && line.strip().equals("```")) {
                blocks.add(current);
                current = null;
            } else if (current != null) {
                String text = line.strip();
                if (text.endsWith("\\")) {
                    pending.append(text, 0, text.length() - 1);
                    continue;
                }
                pending.append(text);
                String command = pending.toString().strip();
                pending.setLength(0);
                if (!command.isEmpty() && !command.startsWith("#")) {
                    current.add(command);
                }
            }
        }
        return blocks;
    }

    private static String output(Map<String, String> outputs, String commandPart) {
        return outputs.entrySet().stream().filter(e -> e.getKey().contains(commandPart)).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("the README runs no command with " + commandPart));
    }

    /** {@code ./tally ...}: the words as bash expands them, run in-process against the runtime's endpoints. */
    private static Result tally(String command, Map<String, String> env) throws Exception {
        Result words = bash("printf '%s\\0' " + command.substring("./tally ".length()), env);
        assertThat(words.exitCode()).as(command).isZero();
        List<String> args = new ArrayList<>(Arrays.asList(words.out().split("\0")));
        CommandSpec spec = TallyCli.commandLine().getCommandSpec();
        for (String word : args) {
            CommandLine sub = spec.subcommands().get(word);
            if (sub == null) {
                break;
            }
            spec = sub.getCommandSpec();
        }
        Map<String, String> endpoints = Map.of("--http-endpoint", runtime.httpEndpoint().toString(),
                "--dynamodb-endpoint", runtime.dynamoDbEndpoint().toString(), "--sqs-endpoint", runtime.sqsEndpoint().toString());
        for (Map.Entry<String, String> e : endpoints.entrySet()) {
            if (spec.findOption(e.getKey()) != null) {
                args.addAll(List.of(e.getKey(), e.getValue()));
            }
        }
        return CliTestSupport.run(args.toArray(String[]::new));
    }

    /** Any other line: run by bash with the runtime's ports; {@code export}s are kept for the next lines. */
    private static Result shell(String command, Map<String, String> env) throws Exception {
        String local = command.replace("localhost:9324", "localhost:" + runtime.sqsEndpoint().getPort())
                .replace("localhost:8000", "localhost:" + runtime.dynamoDbEndpoint().getPort())
                .replace("localhost:3000", "localhost:" + runtime.httpEndpoint().getPort());
        if (!command.startsWith("export ")) {
            return bash(local, env);
        }
        Result exported = bash(local + "\nenv -0", env);
        for (String variable : exported.out().split("\0")) {
            int eq = variable.indexOf('=');
            if (eq > 0 && variable.startsWith("AWS_")) {
                env.put(variable.substring(0, eq), variable.substring(eq + 1));
            }
        }
        return new Result(exported.exitCode(), "", exported.err());
    }

    private static Result bash(String script, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script);
        builder.environment().clear();
        builder.environment().putAll(env);
        Path err = Files.createTempFile("readme", ".err");
        builder.redirectError(err.toFile());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).as(script).isTrue();
        String errText = Files.readString(err);
        Files.delete(err);
        return new Result(process.exitValue(), out, errText);
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
