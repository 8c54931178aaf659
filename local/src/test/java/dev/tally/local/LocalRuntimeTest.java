package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.local.testhandlers.EchoHttpHandler;
import dev.tally.local.testhandlers.FailingSqsHandler;
import dev.tally.local.testhandlers.RecordingStreamHandler;
import dev.tally.local.testhandlers.ScheduledHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/** The local runtime end to end, on the small test template and the test handlers. */
class LocalRuntimeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant START = Instant.parse("2026-01-01T00:30:00Z");
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static LocalRuntime runtime;
    private static SqsClient sqs;
    private static DynamoDbClient dynamoDb;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        runtime = LocalRuntime.start(LocalRuntimeConfig.builder(TestPaths.testTemplate())
                .freePorts()
                .clockStart(START)
                .clockTicking(false)
                .visibilityTimeoutSeconds(1)
                .parameter("Greeting", "bonjour")
                .environment("STRIPE_WEBHOOK_SECRET", "whsec_test")
                .build());
        sqs = runtime.connection().sqsClient();
        dynamoDb = runtime.connection().dynamoDbClient();
    }

    @AfterAll
    static void stop() {
        sqs.close();
        dynamoDb.close();
        runtime.close();
        runtime.close(); // idempotent
    }

    @Test
    void functionsGetTheirResolvedEnvironment() {
        Map<String, String> env = runtime.functionEnvironment("WorkFunction");
        assertThat(env)
                .containsEntry("ITEMS_TABLE", "ItemsTable")
                .containsEntry("GREETING", "bonjour")
                .containsEntry("THRESHOLD", "42")
                .containsEntry("WORK_QUEUE_URL", runtime.queueUrl("WorkQueue"))
                .containsEntry("DLQ_ARN", "arn:aws:sqs:us-east-1:000000000000:WorkDeadLetterQueue")
                .containsEntry("BUS_NAME", "tally-alerts")
                .containsEntry("DESCRIPTION", "tally in us-east-1 for 000000000000, queue WorkQueue")
                .containsEntry("AWS_ENDPOINT_URL_SQS", runtime.sqsEndpoint().toString())
                .containsEntry("AWS_ENDPOINT_URL_DYNAMODB", runtime.dynamoDbEndpoint().toString())
                .containsEntry("AWS_LAMBDA_FUNCTION_NAME", "WorkFunction")
                .containsEntry("TALLY_LOCAL", "true")
                .containsEntry("STRIPE_WEBHOOK_SECRET", "whsec_test");
        assertThat(runtime.handler("WorkFunction", FailingSqsHandler.class).env).isEqualTo(env);
        assertThat(runtime.tableName("ItemsTable")).isEqualTo("ItemsTable");
        assertThatThrownBy(() -> runtime.handler("NoSuchFunction"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a running function");
    }

    @Test
    void partialBatchFailureDeletesTheRestAndTheFailedMessageIsRedrivenToTheDlq() {
        FailingSqsHandler handler = runtime.handler("WorkFunction", FailingSqsHandler.class);
        String workQueue = runtime.queueUrl("WorkQueue");
        sqs.sendMessageBatch(r -> r.queueUrl(workQueue).entries(
                SendMessageBatchRequestEntry.builder().id("1").messageBody("ok-1").build(),
                SendMessageBatchRequestEntry.builder().id("2").messageBody("fail").build(),
                SendMessageBatchRequestEntry.builder().id("3").messageBody("ok-2").build()));

        String dlq = runtime.queueUrl("WorkDeadLetterQueue");
        List<Message> dead = new ArrayList<>();
        await().atMost(WAIT).untilAsserted(() -> {
            dead.addAll(sqs.receiveMessage(r -> r.queueUrl(dlq).maxNumberOfMessages(10).waitTimeSeconds(1))
                    .messages());
            assertThat(dead).extracting(Message::body).containsExactly("fail");
        });
        runtime.awaitIdle(WAIT);

        assertThat(handler.count("ok-1")).isEqualTo(1);
        assertThat(handler.count("ok-2")).isEqualTo(1);
        assertThat(handler.count("fail")).as("delivered maxReceiveCount times").isEqualTo(2);
        assertThat(handler.messages.stream().filter(m -> m.getBody().equals("fail"))
                .map(m -> m.getAttributes().get("ApproximateReceiveCount")))
                .containsExactly("1", "2");
        assertThat(handler.messages).allSatisfy(m -> {
            assertThat(m.getEventSource()).isEqualTo("aws:sqs");
            assertThat(m.getEventSourceArn()).isEqualTo("arn:aws:sqs:us-east-1:000000000000:WorkQueue");
            assertThat(m.getAwsRegion()).isEqualTo("us-east-1");
            assertThat(m.getReceiptHandle()).isNotBlank();
        });
        assertThat(queueDepth(workQueue)).isZero();
    }

    @Test
    void streamRecordsArriveInOrderWithTheFilterApplied() {
        RecordingStreamHandler handler = runtime.handler("StreamFunction", RecordingStreamHandler.class);
        put("keep#a1", "one");
        put("skip#a", "filtered out by the key prefix");
        put("keep#a2", "two");
        put("keep#a3", "three");
        put("keep#a1", "one, changed");
        dynamoDb.deleteItem(r -> r.tableName("ItemsTable").key(Map.of("pk", AttributeValue.fromS("keep#a2"))));

        runtime.awaitIdle(WAIT);

        assertThat(handler.seen.stream().filter(s -> s.contains("#a")))
                .containsExactly("INSERT keep#a1", "INSERT keep#a2", "INSERT keep#a3", "MODIFY keep#a1");
        var modify = handler.records.stream().filter(r -> r.getEventName().equals("MODIFY")
                && r.getDynamodb().getKeys().get("pk").getS().equals("keep#a1")).findFirst().orElseThrow();
        assertThat(modify.getDynamodb().getOldImage().get("text").getS()).isEqualTo("one");
        assertThat(modify.getDynamodb().getNewImage().get("text").getS()).isEqualTo("one, changed");
        assertThat(modify.getDynamodb().getNewImage().get("n").getN()).isEqualTo("7");
        assertThat(modify.getDynamodb().getNewImage().get("tags").getSS()).containsExactlyInAnyOrder("x", "y");
        assertThat(modify.getDynamodb().getNewImage().get("meta").getM().get("ok").getBOOL()).isTrue();
        assertThat(modify.getEventSourceARN()).contains("ItemsTable").contains("stream");
        assertThat(modify.getEventSource()).isEqualTo("aws:dynamodb");
        assertThat(modify.getDynamodb().getSequenceNumber()).isNotBlank();
    }

    @Test
    void aStreamRecordThatKeepsFailingGoesToTheOnFailureQueueAndTheShardMovesOn() throws Exception {
        RecordingStreamHandler handler = runtime.handler("StreamFunction", RecordingStreamHandler.class);
        put("keep#poison", "always fails");

        String failures = runtime.queueUrl("StreamFailuresQueue");
        List<Message> received = new ArrayList<>();
        await().atMost(WAIT).untilAsserted(() -> {
            received.addAll(sqs.receiveMessage(r -> r.queueUrl(failures).waitTimeSeconds(1)).messages());
            assertThat(received).hasSize(1);
        });
        JsonNode record = JSON.readTree(received.get(0).body());
        assertThat(record.at("/requestContext/condition").asText()).isEqualTo("RetryAttemptsExhausted");
        assertThat(record.at("/requestContext/approximateInvokeCount").asInt()).isEqualTo(2);
        assertThat(record.at("/requestContext/functionArn").asText()).endsWith(":function:StreamFunction");
        assertThat(record.at("/DDBStreamBatchInfo/batchSize").asInt()).isEqualTo(1);
        assertThat(record.at("/DDBStreamBatchInfo/streamArn").asText()).contains("ItemsTable");
        assertThat(handler.seen.stream().filter(s -> s.equals("INSERT keep#poison"))).hasSize(2);

        put("keep#after-poison", "fine");
        await().atMost(WAIT).until(() -> handler.seen.contains("INSERT keep#after-poison"));
    }

    @Test
    void httpRoutesInvokeTheHandlerAndUnknownRoutesAre404() throws Exception {
        HttpResponse<String> echo = HTTP.send(HttpRequest.newBuilder(uri("/echo?a=1&b=two%20words&a=3"))
                .header("X-Test", "yes").POST(HttpRequest.BodyPublishers.ofString("{\"hello\":\"wörld\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(echo.statusCode()).isEqualTo(201);
        assertThat(echo.headers().firstValue("x-echo")).contains("yes");
        JsonNode body = JSON.readTree(echo.body());
        assertThat(body.get("version").asText()).isEqualTo("2.0");
        assertThat(body.get("routeKey").asText()).isEqualTo("POST /echo");
        assertThat(body.get("rawPath").asText()).isEqualTo("/echo");
        assertThat(body.get("rawQueryString").asText()).isEqualTo("a=1&b=two%20words&a=3");
        assertThat(body.at("/query/a").asText()).isEqualTo("1,3");
        assertThat(body.at("/query/b").asText()).isEqualTo("two words");
        assertThat(body.get("xTest").asText()).isEqualTo("yes");
        assertThat(body.get("body").asText()).isEqualTo("{\"hello\":\"wörld\"}");
        assertThat(body.get("base64").asBoolean()).isFalse();
        assertThat(body.get("greeting").asText()).isEqualTo("bonjour");
        assertThat(body.get("function").asText()).isEqualTo("EchoFunction");
        assertThat(body.get("timeEpoch").asLong()).isEqualTo(runtime.clock().millis());

        HttpResponse<String> item = HTTP.send(HttpRequest.newBuilder(uri("/items/abc-1")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(item.statusCode()).isEqualTo(201);
        assertThat(JSON.readTree(item.body()).at("/pathParameters/id").asText()).isEqualTo("abc-1");
        assertThat(JSON.readTree(item.body()).get("routeKey").asText()).isEqualTo("GET /items/{id}");

        for (HttpRequest unknown : List.of(
                HttpRequest.newBuilder(uri("/nope")).GET().build(),
                HttpRequest.newBuilder(uri("/echo")).GET().build(),
                HttpRequest.newBuilder(uri("/items/a/b")).GET().build())) {
            HttpResponse<String> r = HTTP.send(unknown, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(unknown.uri().toString()).isEqualTo(404);
            assertThat(r.body()).isEqualTo("{\"message\":\"Not Found\"}");
        }
    }

    @Test
    void schedulesRunOnDemandAndWhenTheClockPassesTheirTime() {
        ScheduledHandler handler = runtime.handler("TickFunction", ScheduledHandler.class);
        Instant now = runtime.clock().instant();

        Object result = runtime.runSchedule("TickFunction");

        assertThat(result).isEqualTo("tick " + now);
        assertThat(handler.events).singleElement().satisfies(e -> {
            assertThat(e.getSource()).isEqualTo("aws.scheduler");
            assertThat(e.getDetailType()).isEqualTo("Scheduled Event");
            assertThat(e.getId()).isNotBlank();
            assertThat(e.getResources()).singleElement().asString()
                    .startsWith("arn:aws:scheduler:us-east-1:000000000000:schedule/");
        });

        Instant nextHour = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        runtime.clock().advance(Duration.ofHours(1));
        await().atMost(WAIT).untilAsserted(() -> assertThat(handler.eventTimes()).containsExactly(now, nextHour));

        // a jump over three occurrences fires once, for the latest of them
        runtime.clock().advance(Duration.ofHours(3));
        Instant latest = nextHour.plus(Duration.ofHours(3));
        await().atMost(WAIT).untilAsserted(() -> assertThat(handler.eventTimes())
                .containsExactly(now, nextHour, latest));
        runtime.awaitIdle(WAIT);
        assertThat(handler.events).hasSize(3);
        assertThat(handler.ranAt.get(2)).isEqualTo(runtime.clock().instant());
        assertThatThrownBy(() -> runtime.runSchedule("EchoFunction"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void awaitIdleWaitsForWorkInProgressAndTimesOutWhileItLasts() {
        FailingSqsHandler handler = runtime.handler("WorkFunction", FailingSqsHandler.class);
        String workQueue = runtime.queueUrl("WorkQueue");
        try {
            sqs.sendMessage(r -> r.queueUrl(workQueue).messageBody("block"));
            await().atMost(WAIT).until(() -> handler.count("block") == 1);

            assertThatThrownBy(() -> runtime.awaitIdle(Duration.ofMillis(300)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not idle after");
        } finally {
            handler.release();
        }
        sqs.sendMessage(r -> r.queueUrl(workQueue).messageBody("after-block"));
        runtime.awaitIdle(WAIT);

        assertThat(handler.count("after-block")).isEqualTo(1);
        assertThat(queueDepth(workQueue)).isZero();
    }

    @Test
    void describeListsEndpointsResourcesRoutesAndSchedules() {
        String text = runtime.describe();
        assertThat(text)
                .contains(runtime.httpEndpoint().toString())
                .contains(runtime.sqsEndpoint().toString())
                .contains(runtime.dynamoDbEndpoint().toString())
                .contains("ItemsTable  stream NEW_AND_OLD_IMAGES")
                .contains(runtime.queueUrl("WorkQueue") + "  -> WorkDeadLetterQueue after 2 receives")
                .contains("POST /echo  -> EchoFunction")
                .contains("GET /items/{id}  -> EchoFunction")
                .contains("sqs:WorkQueue->WorkFunction")
                .contains("ddb:ItemsTable->StreamFunction")
                .contains("TickFunction.Hourly  cron(0 * * * ? *)");
    }

    private static void put(String pk, String text) {
        dynamoDb.putItem(r -> r.tableName("ItemsTable").item(Map.of(
                "pk", AttributeValue.fromS(pk),
                "text", AttributeValue.fromS(text),
                "n", AttributeValue.fromN("7"),
                "tags", AttributeValue.fromSs(List.of("x", "y")),
                "meta", AttributeValue.fromM(Map.of("ok", AttributeValue.fromBool(true))))));
    }

    private static long queueDepth(String url) {
        Map<QueueAttributeName, String> a = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
        return Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                + Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
    }

    private static URI uri(String pathAndQuery) {
        return URI.create(runtime.httpEndpoint() + pathAndQuery);
    }
}
