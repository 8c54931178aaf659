package dev.tally.cli;

import dev.tally.config.Env;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** How the operations commands' options become a configuration, and how messages are batched for SQS. */
class ConnectionOptionsTest {

    @Test
    void byDefaultTheLocalServeEndpointsWithDummyCredentialsAndTheTemplatesNames() {
        ConnectionOptions options = parse(Map.of());
        Env env = options.env();
        assertThat(env.local()).isTrue();
        assertThat(env.require("AWS_REGION")).isEqualTo("us-east-1");
        assertThat(env.require("AWS_ENDPOINT_URL_DYNAMODB")).isEqualTo("http://localhost:8000");
        assertThat(env.require("AWS_ENDPOINT_URL_SQS")).isEqualTo("http://localhost:9324");
        assertThat(env.require("AWS_ACCESS_KEY_ID")).isEqualTo("local");
        assertThat(env.require("USAGE_REJECTIONS_TABLE")).isEqualTo("UsageRejectionsTable");
        assertThat(env.require("STRIPE_SYNC_TABLE")).isEqualTo("StripeSyncTable");
        assertThat(options.queueUrl(null, "UsageQueue")).isEqualTo("http://localhost:9324/000000000000/UsageQueue");
        assertThat(options.queueUrl(null, "https://sqs.eu-west-1.amazonaws.com/1/q")).isEqualTo("https://sqs.eu-west-1.amazonaws.com/1/q");
    }

    @Test
    void withAwsNoEndpointNoLocalCredentialsAndTableNamesFromTheEnvironment() {
        ConnectionOptions options = parse(Map.of("INVOICES_TABLE", "tally-prod-invoices", "AWS_REGION", "eu-central-1"),
                "--aws");
        Env env = options.env();
        assertThat(env.local()).isFalse();
        assertThat(env.optional("AWS_ENDPOINT_URL_DYNAMODB")).isEmpty();
        assertThat(env.optional("AWS_ENDPOINT_URL_SQS")).isEmpty();
        assertThat(env.optional("AWS_ACCESS_KEY_ID")).isEmpty();
        assertThat(env.require("AWS_REGION")).isEqualTo("eu-central-1");
        assertThat(env.require("INVOICES_TABLE")).isEqualTo("tally-prod-invoices");
        assertThat(env.require("ACCOUNTS_TABLE")).isEqualTo("AccountsTable");
        assertThat(options.describeDynamoDb()).isEqualTo("DynamoDB in AWS (region eu-central-1)");
        assertThat(options.describeSqs()).isEqualTo("SQS in AWS (region eu-central-1)");
    }

    @Test
    void explicitOptionsWin() {
        ConnectionOptions options = parse(Map.of("AWS_REGION", "eu-central-1"), "--aws", "--region", "us-west-2",
                "--sqs-endpoint", "http://localhost:4566/");
        Env env = options.env();
        assertThat(env.require("AWS_REGION")).isEqualTo("us-west-2");
        assertThat(env.require("AWS_ENDPOINT_URL_SQS")).isEqualTo("http://localhost:4566/");
        assertThat(env.optional("AWS_ENDPOINT_URL_DYNAMODB")).isEmpty();
        assertThat(env.local()).isFalse();
    }

    @Test
    void sendBatchesHoldAtMostTenMessagesAndTheBatchByteLimit() {
        List<String> small = Collections.nCopies(25, "x");
        assertThat(OpsCommand.chunks(small, String::length)).extracting(List::size).containsExactly(10, 10, 5);
        String big = "y".repeat(100 * 1024);
        String huge = "z".repeat(OpsCommand.MAX_BATCH_BYTES + 1);
        assertThat(OpsCommand.chunks(List.of(big, big, big, huge, "x"), String::length))
                .extracting(List::size).containsExactly(2, 1, 1, 1);
        assertThat(OpsCommand.chunks(List.<String>of(), String::length)).isEmpty();
    }

    /** Parses {@code tally invoices args...} and returns the command's connection options. */
    private static ConnectionOptions parse(Map<String, String> processEnvironment, String... args) {
        CommandLine cli = TallyCli.commandLine();
        CommandLine invoices = cli.getSubcommands().get("invoices");
        ((InvoicesCommand) invoices.getCommand()).connection.processEnvironment = processEnvironment;
        String[] all = new String[args.length + 1];
        all[0] = "invoices";
        System.arraycopy(args, 0, all, 1, args.length);
        cli.parseArgs(all);
        return ((InvoicesCommand) invoices.getCommand()).connection;
    }
}
