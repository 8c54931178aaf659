package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import dev.tally.local.LocalRuntime;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.store.UsageRejectionItem;
import dev.tally.testsupport.TallyFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operations commands ({@code tally usage rejections|replay}, {@code tally invoices [show]}, {@code tally dlq
 * redrive}) against one local runtime, run the way a user runs them (picocli, endpoints as options) and checked
 * through the tables and queues. Each test works on its own account ids, so the tests share the runtime.
 */
class OpsCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration IDLE = Duration.ofSeconds(30);

    private static LocalRuntime runtime;
    private static TallyTables tables;
    private static SqsClient sqs;
    private static DynamoDbClient dynamoDb;

    @BeforeAll
    static void start() {
        RuntimeOptions options = new RuntimeOptions();
        options.template = CliTestSupport.repoRoot().resolve("template.yaml");
        runtime = RuntimeFactory.start(options, 0, 0, 0, false);
        Env env = Env.of(runtime.functionEnvironment("UsageIngestFunction"));
        dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        tables = new TallyTables(dynamoDb, env);
        sqs = AwsClients.configure(SqsClient.builder(), env, "SQS").build();
    }

    @AfterAll
    static void stop() {
        if (sqs != null) {
            sqs.close();
        }
        if (dynamoDb != null) {
            dynamoDb.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void rejectionsAreListedWithTheirReasonsAndFiltered() {
        String account = TallyFixtures.uniqueId("org_unknown");
        long now = now();
        sendUsage("[" + event("ue_meter_" + account, account, "gpu_hours", "3", now - 60) + ","
                + event("ue_negative_" + account, account, "build_minutes", "-5", now - 60) + ","
                + event("ue_account_" + account, account, "build_minutes", "2", now - 60) + "]");
        runtime.awaitIdle(IDLE);

        Result all = tally("usage", "rejections", "--account", account);
        assertThat(all.exitCode()).isZero();
        assertThat(all.out()).contains("REJECTION ID", "REASON", "DETAIL")
                .contains("UNKNOWN_METER", "NEGATIVE_QUANTITY", "UNKNOWN_ACCOUNT")
                .contains("ue_meter_" + account, "ue_negative_" + account, "ue_account_" + account)
                .contains("no meter gpu_hours", "no account " + account);
        assertThat(all.out().lines().filter(l -> l.contains(account))).hasSize(3);

        Result oneReason = tally("usage", "rejections", "--account", account, "--reason", "UNKNOWN_METER");
        assertThat(oneReason.out().lines().filter(l -> l.contains(account)))
                .singleElement().asString().contains("ue_meter_" + account);

        Result json = tally("usage", "rejections", "--account", account, "--json");
        List<JsonNode> lines = json.out().lines().map(OpsCommandsTest::parse).toList();
        assertThat(lines).hasSize(3).allSatisfy(l -> {
            assertThat(l.get("accountId").asText()).isEqualTo(account);
            assertThat(l.get("receivedAt").asLong()).isBetween(now - 5, now() + 5);
            assertThat(l.get("replayedAt").isNull()).isTrue();
        });
        JsonNode unknownAccount = lines.stream().filter(l -> l.get("reason").asText().equals("UNKNOWN_ACCOUNT"))
                .findFirst().orElseThrow();
        assertThat(parse(unknownAccount.get("body").asText()).get("quantity").decimalValue()).isEqualByComparingTo("2");

        Result limited = tally("usage", "rejections", "--account", account, "--limit", "1");
        assertThat(limited.out().lines().filter(l -> l.contains(account))).hasSize(1);
        assertThat(limited.err()).contains("1 of 3 shown");

        assertThat(tally("usage", "rejections", "--account", "org_nobody_at_all").out()).contains("No rejected usage events match.");
        assertThat(tally("usage", "rejections", "--reason", "NOT_A_REASON").exitCode()).isEqualTo(2);
    }

    @Test
    void replayCountsAnEventOnceItsAccountExistsAndMarksItReplayed() {
        String account = TallyFixtures.uniqueId("org_late");
        String eventId = "ue_replay_" + account;
        long now = now();
        sendUsage(event(eventId, account, "build_minutes", "7", now - 60));
        runtime.awaitIdle(IDLE);
        UsageRejectionItem rejection = rejectionsOf(account).getFirst();
        assertThat(rejection.reason).isEqualTo("UNKNOWN_ACCOUNT");

        // Nothing to replay for an unknown id: exit 1, nothing sent.
        Result unknown = tally("usage", "replay", "--rejection", "no-such-rejection#0", rejection.rejectionId);
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("no rejection no-such-rejection#0");
        assertThat(tables.usageRejections.getItem(rejection).replayedAt).isNull();

        // The account is created (as the Stripe webhook would), then the rejection is replayed.
        SubscriptionItem sub = TallyFixtures.seedCustomer(tables, account, "team", now - 10 * 86_400, now);
        Result dryRun = tally("usage", "replay", "--reason", "UNKNOWN_ACCOUNT", "--account", account, "--dry-run");
        assertThat(dryRun.out()).contains(rejection.rejectionId, "Dry run: would send 1 of 1");
        assertThat(tables.usageRejections.getItem(rejection).replayedAt).isNull();

        Result replay = tally("usage", "replay", "--reason", "UNKNOWN_ACCOUNT", "--account", account);
        assertThat(replay.exitCode()).isZero();
        assertThat(replay.out()).contains("Sent 1 of 1 matching rejections to " + runtime.queueUrl("UsageQueue"));
        runtime.awaitIdle(IDLE);
        var usage = new dev.tally.usage.UsageQuery(tables.usageStore(java.time.Clock.systemUTC()),
                dev.tally.catalog.CatalogLoader.fromClasspath(dev.tally.catalog.CatalogLoader.DEFAULT_RESOURCE));
        assertThat(usage.value(account, "build_minutes", now - 86_400, now + 3_600, d -> true).count()).isEqualTo(1);
        assertThat(usage.quantity(account, "build_minutes", now - 86_400, now + 3_600)).isEqualByComparingTo("7");
        assertThat(tables.usageRejections.getItem(rejection).replayedAt).isBetween(now - 5, now() + 5);
        assertThat(rejectionsOf(account)).hasSize(1);

        // Already replayed: skipped.
        Result second = tally("usage", "replay", "--rejection", rejection.rejectionId);
        assertThat(second.exitCode()).isZero();
        assertThat(second.out()).contains("Sent 0 of 1", "1 already replayed");

        // --again sends it anyway; ingestion recognises the event id and counts nothing twice.
        assertThat(tally("usage", "replay", "--rejection", rejection.rejectionId, "--again").out()).contains("Sent 1 of 1");
        runtime.awaitIdle(IDLE);
        assertThat(usage.value(account, "build_minutes", now - 86_400, now + 3_600, d -> true).count()).isEqualTo(1);
        assertThat(usage.quantity(account, "build_minutes", now - 86_400, now + 3_600)).isEqualByComparingTo("7");
    }

    @Test
    void invoicesAreListedAndShownWithTheirAmounts() {
        String usd = TallyFixtures.uniqueId("org_inv");
        String jpy = TallyFixtures.uniqueId("org_inv_jpy");
        long start = 1_767_225_600L; // 2026-01-01T00:00:00Z
        long end = 1_769_904_000L;   // 2026-02-01T00:00:00Z
        TallyFixtures.seedCustomer(tables, usd, "team", start, start);
        TallyFixtures.seedCustomer(tables, jpy, "pro_jpy", start, start);
        InvoiceItem usdInvoice = invoice(usd, "usd", start, end, 2_345L,
                line("build_minutes", "2345", "1500", "845", 8_450L, 220L),
                line("image_pulls", "1234.5", "0", "1234.5", 3_895L, 150L));
        tables.invoices.putItem(usdInvoice);
        tables.invoices.putItem(invoice(jpy, "jpy", start, end, 0L, line("build_minutes", "1500", "0", "1500", 1_500L, 90L)));

        Result list = tally("invoices");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).contains("INVOICE ID", "SUBTOTAL", "CREDITS APPLIED", "TOTAL");
        String usdRow = list.out().lines().filter(l -> l.contains(usdInvoice.invoiceId)).findFirst().orElseThrow();
        assertThat(usdRow).contains(usd, "2026-01-01T00:00:00Z .. 2026-02-01T00:00:00Z", "USD",
                "123.45 USD", "23.45 USD", "100.00 USD");
        String jpyRow = list.out().lines().filter(l -> l.contains(InvoiceItem.invoiceId(jpy, start))).findFirst().orElseThrow();
        assertThat(jpyRow).contains("1500 JPY", "0 JPY");

        Result one = tally("invoices", "--account", usd);
        assertThat(one.out()).contains(usdInvoice.invoiceId).doesNotContain(jpy);
        JsonNode json = parse(tally("invoices", "--account", usd, "--json").out().strip());
        assertThat(json.get("totalMinor").asLong()).isEqualTo(10_000L);
        assertThat(json.get("lines").get(1).get("quantity").decimalValue()).isEqualByComparingTo("1234.5");

        Result show = tally("invoices", "show", usdInvoice.invoiceId);
        assertThat(show.exitCode()).isZero();
        assertThat(show.out()).contains("Invoice", usdInvoice.invoiceId, "plan team", "METER", "QUANTITY",
                "INCLUDED", "BILLABLE", "AMOUNT", "EVENTS");
        assertThat(show.out().lines().filter(l -> l.startsWith("build_minutes")).findFirst().orElseThrow())
                .contains("2345", "1500", "845", "84.50 USD", "220");
        assertThat(show.out().lines().filter(l -> l.startsWith("image_pulls")).findFirst().orElseThrow())
                .contains("1234.5", "38.95 USD", "150");
        assertThat(show.out()).containsPattern("Subtotal +123\\.45 USD")
                .containsPattern("Credits applied +-23\\.45 USD").containsPattern("Total +100\\.00 USD");

        Result missing = tally("invoices", "show", "tin_nobody_0");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("no invoice tin_nobody_0");
    }

    @Test
    void dlqRedriveMovesMessagesBackWithTheirAttributesUntilTheDlqIsEmpty() {
        String account = TallyFixtures.uniqueId("org_dlq");
        long now = now();
        TallyFixtures.seedCustomer(tables, account, "team", now - 10 * 86_400, now);
        String dlq = runtime.queueUrl("UsageDeadLetterQueue");
        List<String> ids = List.of("ue_dlq_1_" + account, "ue_dlq_2_" + account, "ue_dlq_3_" + account);
        for (String id : ids) {
            sqs.sendMessage(r -> r.queueUrl(dlq).messageBody(event(id, account, "build_minutes", "1", now - 60))
                    .messageAttributes(Map.of("producer", MessageAttributeValue.builder().dataType("String")
                            .stringValue("ci-" + id).build())));
        }

        // One to another queue, by URL, to see what arrives there: the body and the attributes.
        String parking = runtime.queueUrl("StreamFailuresQueue");
        Result first = tally("dlq", "redrive", "--queue", "UsageDeadLetterQueue", "--to", parking, "--max", "1");
        assertThat(first.exitCode()).isZero();
        assertThat(first.out()).contains("Moved 1 message from " + dlq + " to " + parking, "--max reached; about 2 left");
        Message parked = sqs.receiveMessage(r -> r.queueUrl(parking).waitTimeSeconds(5).messageAttributeNames("All"))
                .messages().getFirst();
        String parkedId = parse(parked.body()).get("id").asText();
        assertThat(ids).contains(parkedId);
        assertThat(parked.messageAttributes().get("producer").stringValue()).isEqualTo("ci-" + parkedId);
        sqs.deleteMessage(r -> r.queueUrl(parking).receiptHandle(parked.receiptHandle()));

        // The rest to the default target, the usage queue, where they are ingested.
        Result rest = tally("dlq", "redrive", "--queue", "UsageDeadLetterQueue");
        assertThat(rest.exitCode()).isZero();
        assertThat(rest.out()).contains("Moved 2 messages from " + dlq + " to " + runtime.queueUrl("UsageQueue"));
        runtime.awaitIdle(IDLE);
        for (String id : ids) {
            assertThat(logged(id)).as(id).isEqualTo(!id.equals(parkedId));
        }
        Map<QueueAttributeName, String> left = sqs.getQueueAttributes(r -> r.queueUrl(dlq).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        assertThat(left).containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0")
                .containsEntry(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0");

        assertThat(tally("dlq", "redrive", "--queue", "UsageDeadLetterQueue").out()).contains("Moved 0 messages");
        Result noQueue = tally("dlq", "redrive", "--queue", "NoSuchDeadLetterQueue");
        assertThat(noQueue.exitCode()).isEqualTo(1);
        assertThat(noQueue.err()).contains("SQS queue not found: " + runtime.sqsEndpoint() + "/000000000000/NoSuchDeadLetterQueue");
        // No queue dead-letters into StreamFailuresQueue (the streams' on-failure destination): no default target.
        Result noSource = tally("dlq", "redrive", "--queue", "StreamFailuresQueue");
        assertThat(noSource.exitCode()).isEqualTo(1);
        assertThat(noSource.err()).contains("choose the target with --to");
    }

    @Test
    void anUnreachableEndpointIsExitCodeOneWithAClearMessage() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Result result = run("invoices", "--dynamodb-endpoint", "http://localhost:" + closedPort);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("tally invoices: cannot reach DynamoDB http://localhost:" + closedPort,
                "Is `tally serve` running?");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void aMissingTableIsExitCodeOneNamingItsVariable() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TallyCli());
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(err, true));
        CommandLine show = cli.getSubcommands().get("invoices").getSubcommands().get("show");
        ((InvoiceShowCommand) show.getCommand()).connection.processEnvironment = Map.of("INVOICES_TABLE", "tally-invoices");
        int exitCode = cli.execute("invoices", "show", "tin_x_1", "--dynamodb-endpoint", runtime.dynamoDbEndpoint().toString());
        assertThat(exitCode).isEqualTo(1);
        assertThat(err.toString()).contains("tally invoices show: DynamoDB table not found (INVOICES_TABLE=tally-invoices)");
    }

    @Test
    void defaultNamesAreTheRuntimesTablesAndQueues() {
        Map<String, String> functionEnv = runtime.functionEnvironment("InvoiceGeneratorFunction");
        List<String> tableVariables = functionEnv.keySet().stream().filter(k -> k.endsWith("_TABLE")).sorted().toList();
        assertThat(tableVariables).containsExactlyInAnyOrderElementsOf(ConnectionOptions.TABLE_VARIABLES);
        ConnectionOptions options = new ConnectionOptions();
        options.processEnvironment = Map.of();
        options.sqsEndpoint = runtime.sqsEndpoint();
        Env env = options.env();
        for (String variable : tableVariables) {
            assertThat(env.require(variable)).as(variable).isEqualTo(functionEnv.get(variable));
        }
        for (String queue : List.of("UsageQueue", "UsageDeadLetterQueue", "InvoiceJobsQueue")) {
            assertThat(options.queueUrl(sqs, queue)).isEqualTo(runtime.queueUrl(queue));
        }
    }

    // ------------------------------------------------------------------ helpers

    record Result(int exitCode, String out, String err) {
    }

    /** Runs {@code tally args...} against the runtime's endpoints. */
    private static Result tally(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--dynamodb-endpoint", runtime.dynamoDbEndpoint().toString(),
                "--sqs-endpoint", runtime.sqsEndpoint().toString()));
        return run(all.toArray(String[]::new));
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new TallyCli());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exitCode = cli.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    private static void sendUsage(String body) {
        sqs.sendMessage(r -> r.queueUrl(runtime.queueUrl("UsageQueue")).messageBody(body));
    }

    private static String event(String id, String account, String meter, String quantity, long timestamp) {
        return "{\"id\":\"" + id + "\",\"account\":\"" + account + "\",\"meter\":\"" + meter + "\",\"quantity\":"
                + quantity + ",\"timestamp\":" + timestamp + "}";
    }

    private static List<UsageRejectionItem> rejectionsOf(String account) {
        return tables.usageRejections.scan().items().stream().filter(r -> account.equals(r.accountId)).toList();
    }

    private static long now() {
        return runtime.clock().instant().getEpochSecond();
    }

    private static InvoiceItem invoice(String account, String currency, long start, long end, long credits,
                                       InvoiceLineItem... lines) {
        InvoiceItem i = new InvoiceItem();
        i.invoiceId = InvoiceItem.invoiceId(account, start);
        i.accountId = account;
        i.subscriptionId = "sub_" + account;
        i.planId = currency.equals("jpy") ? "pro_jpy" : "team";
        i.periodStart = start;
        i.periodEnd = end;
        i.currency = currency;
        i.lines = List.of(lines);
        i.subtotalMinor = Stream.of(lines).mapToLong(l -> l.amountMinor).sum();
        i.creditsAppliedMinor = credits;
        i.totalMinor = i.subtotalMinor - credits;
        i.catalogVersion = "test";
        i.createdAt = end + 3_660;
        return i;
    }

    private static InvoiceLineItem line(String meter, String quantity, String included, String billable, long amountMinor,
                                        long events) {
        InvoiceLineItem l = new InvoiceLineItem();
        l.meter = meter;
        l.description = meter;
        l.quantity = new BigDecimal(quantity);
        l.includedQuantity = new BigDecimal(included);
        l.billableQuantity = new BigDecimal(billable);
        l.amountMinor = amountMinor;
        l.usageEventCount = events;
        l.seriesKey = "test#" + meter;
        return l;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the usage event log holds an event with this id (a filtered scan: the test tables are small). */
    private boolean logged(String eventId) {
        return tables.client.scan(r -> r.tableName(tables.usageEventsTable).consistentRead(true)
                .filterExpression("eventId = :i")
                .expressionAttributeValues(java.util.Map.of(":i", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(eventId))))
                .count() > 0;
    }
}
