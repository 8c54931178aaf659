package dev.tally.cli;

import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import dev.tally.local.LocalRuntime;
import dev.tally.store.TallyTables;
import picocli.CommandLine;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/** Helpers shared by the CLI's tests: the repository, a runtime on free ports, running a command as a user does. */
final class CliTestSupport {
    /** The webhook secret of the runtimes the tests start. */
    static final String WEBHOOK_SECRET = "whsec_cli_test";

    private CliTestSupport() {
    }

    /** The repository root: the nearest directory above the working directory that holds template.yaml. */
    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("template.yaml"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("template.yaml not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /** Options as {@code tally serve} would have them, but on free ports, the repository's template and {@link #WEBHOOK_SECRET}. */
    static RuntimeOptions runtimeOptions() {
        RuntimeOptions options = RuntimeOptions.freePorts();
        options.template = repoRoot().resolve("template.yaml");
        options.webhookSecret = WEBHOOK_SECRET;
        return options;
    }

    /**
     * @param automaticSchedules true as {@code tally serve} runs (schedules fire when the clock passes them)
     * @return a started runtime on free ports; close it
     */
    static LocalRuntime startRuntime(boolean automaticSchedules) {
        return RuntimeFactory.start(runtimeOptions(), automaticSchedules);
    }

    /**
     * A runtime started for a test class, with clients on its endpoints and its tables; close it after the class.
     *
     * @param runtime the runtime, on free ports
     * @param dynamoDb a client of its DynamoDB
     * @param sqs a client of its SQS
     * @param tables its tables, as the functions name them
     */
    record Running(LocalRuntime runtime, DynamoDbClient dynamoDb, SqsClient sqs, TallyTables tables) implements AutoCloseable {
        /**
         * @param automaticSchedules true as {@code tally serve} runs
         * @return the started runtime and its clients
         */
        static Running start(boolean automaticSchedules) {
            LocalRuntime runtime = startRuntime(automaticSchedules);
            Env env = Env.of(runtime.functionEnvironment("UsageIngestFunction"));
            DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
            return new Running(runtime, dynamoDb, AwsClients.configure(SqsClient.builder(), env, "SQS").build(),
                    new TallyTables(dynamoDb, env));
        }

        @Override
        public void close() {
            sqs.close();
            dynamoDb.close();
            runtime.close();
        }
    }

    /**
     * What one run of {@code tally} printed.
     *
     * @param exitCode the exit code
     * @param out standard output
     * @param err standard error
     */
    record Result(int exitCode, String out, String err) {
        /** @return the cells of the one output line that contains {@code text}, split at runs of 2+ spaces */
        List<String> row(String text) {
            List<String> rows = out.lines().filter(l -> l.contains(text)).toList();
            if (rows.size() != 1) {
                throw new AssertionError(rows.size() + " lines contain '" + text + "' in:\n" + out);
            }
            return Arrays.asList(rows.getFirst().strip().split(" {2,}"));
        }
    }

    /** Runs {@code tally args...} as the program does (its error policy included), capturing what it prints. */
    static Result run(String... args) {
        return run(cli -> { }, args);
    }

    /**
     * @param setUp changes the command line before it runs (e.g. a command's process environment)
     * @param args the arguments
     * @return what it printed and its exit code
     */
    static Result run(Consumer<CommandLine> setUp, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = TallyCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        setUp.accept(cli);
        int exitCode = cli.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }
}
