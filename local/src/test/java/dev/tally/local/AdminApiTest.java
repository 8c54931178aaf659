package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.local.testhandlers.ScheduledHandler;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API under {@code /_tally/} on its own runtime (it moves the clock, which the other runtime tests must
 * not see): what it describes, the request log, the clock that only moves forward, schedules run on demand, the
 * actions it was started with.
 */
class AdminApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Instant START = Instant.parse("2026-03-01T00:30:00Z");

    private static LocalRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = LocalRuntime.start(LocalRuntimeConfig.builder(TestPaths.testTemplate())
                .freePorts().clockStart(START).clockTicking(false)
                .environment("STRIPE_WEBHOOK_SECRET", "whsec_admin")
                .adminAction("tick-count", (rt, body) -> rt.withHandler("TickFunction", ScheduledHandler.class,
                        h -> java.util.Map.of("ticks", h.events.size(), "asked", body.path("asked").asText())))
                .adminAction("unknown-thing", (rt, body) -> {
                    throw new IllegalArgumentException("no thing " + body.path("id").asText());
                })
                .adminAction("broken", (rt, body) -> {
                    throw new IllegalStateException("it broke");
                })
                .build());
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    @Test
    void describesClockEndpointsRoutesAndEachFunctionsEnvironment() throws Exception {
        Answer runtimeInfo = call("GET", "runtime", null);
        assertThat(runtimeInfo.status).isEqualTo(200);
        JsonNode body = runtimeInfo.body;
        assertThat(body.get("clock").asLong()).isEqualTo(runtime.clock().instant().getEpochSecond());
        assertThat(body.get("ticking").asBoolean()).isFalse();
        assertThat(body.at("/endpoints/sqs").asText()).isEqualTo(runtime.sqsEndpoint().toString());
        assertThat(body.at("/endpoints/http").asText()).isEqualTo(runtime.httpEndpoint().toString());
        assertThat(body.get("routes").findValuesAsText("routeKey")).contains("POST /echo", "GET /items/{id}");
        assertThat(body.at("/functions/EchoFunction/environment/STRIPE_WEBHOOK_SECRET").asText()).isEqualTo("whsec_admin");
        assertThat(runtime.describe()).contains("Admin      " + runtime.httpEndpoint() + "/_tally/");
    }

    @Test
    void logsEachRoutedRequestWithItsAnswerAndWaitsForTheNext() throws Exception {
        long before = call("GET", "requests", null).body.get("last").asLong();
        HTTP.send(HttpRequest.newBuilder(runtime.httpEndpoint().resolve("/echo"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}")).build(), HttpResponse.BodyHandlers.ofString());

        JsonNode log = call("GET", "requests?after=" + before, null).body;
        assertThat(log.get("requests")).hasSize(1);
        JsonNode entry = log.get("requests").get(0);
        assertThat(entry.get("sequence").asLong()).isEqualTo(before + 1).isEqualTo(log.get("last").asLong());
        assertThat(entry.get("routeKey").asText()).isEqualTo("POST /echo");
        assertThat(entry.get("function").asText()).isEqualTo("EchoFunction");
        assertThat(entry.get("status").asInt()).isEqualTo(201);
        assertThat(entry.get("requestBody").asText()).isEqualTo("{\"n\":1}");
        assertThat(entry.get("responseBody").asText()).contains("\"routeKey\":\"POST /echo\"");

        long waited = System.nanoTime();
        assertThat(call("GET", "requests?after=" + (before + 1) + "&wait=1", null).body.get("requests")).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - waited)).isGreaterThanOrEqualTo(Duration.ofMillis(900));
        assertThat(call("GET", "requests?after=x", null).status).isEqualTo(400);
    }

    @Test
    void theClockMovesOnlyForwardAndTheSchedulesItPassesHaveRunWhenItAnswers() throws Exception {
        ScheduledHandler tick = runtime.handler("TickFunction", ScheduledHandler.class);
        long now = runtime.clock().instant().getEpochSecond();

        Answer back = call("POST", "clock/advance", "{\"to\":" + (now - 1) + "}");
        assertThat(back.status).isEqualTo(400);
        assertThat(back.body.get("message").asText()).contains("only moves forward");
        assertThat(runtime.clock().instant().getEpochSecond()).isEqualTo(now);
        assertThat(call("POST", "clock/advance", "{}").status).isEqualTo(400);
        assertThat(call("POST", "clock/advance", "not json").status).isEqualTo(400);
        assertThat(call("GET", "clock/advance", null).status).isEqualTo(405);

        int ticksBefore = tick.events.size();
        Answer forward = call("POST", "clock/advance", "{\"seconds\":7200}");
        assertThat(forward.status).isEqualTo(200);
        assertThat(forward.body.get("previous").asLong()).isEqualTo(now);
        assertThat(forward.body.get("clock").asLong()).isEqualTo(now + 7200);
        assertThat(tick.events.size()).as("the hourly schedule fired before the answer").isEqualTo(ticksBefore + 1);
    }

    @Test
    void runsAScheduleOnDemandAndNamesWhatIsUnknown() throws Exception {
        Answer run = call("POST", "schedules/TickFunction/run", null);
        assertThat(run.status).isEqualTo(200);
        assertThat(run.body.get("result").asText()).startsWith("tick ");
        Answer notScheduled = call("POST", "schedules/EchoFunction/run", null);
        assertThat(notScheduled.status).isEqualTo(404);
        assertThat(notScheduled.body.get("message").asText()).contains("EchoFunction");
        assertThat(call("GET", "no-such-thing", null).status).isEqualTo(404);
    }

    @Test
    void runsTheActionsItWasStartedWithOnAFunctionsHandler() throws Exception {
        ScheduledHandler tick = runtime.handler("TickFunction", ScheduledHandler.class);

        Answer counted = call("POST", "actions/tick-count", "{\"asked\":\"by test\"}");

        assertThat(counted.status).isEqualTo(200);
        assertThat(counted.body.get("ticks").asInt()).isEqualTo(tick.events.size());
        assertThat(counted.body.get("asked").asText()).isEqualTo("by test");
        Answer unknown = call("POST", "actions/unknown-thing", "{\"id\":\"x1\"}");
        assertThat(unknown.status).isEqualTo(404);
        assertThat(unknown.body.get("message").asText()).isEqualTo("no thing x1");
        Answer broken = call("POST", "actions/broken", null);
        assertThat(broken.status).isEqualTo(502);
        assertThat(broken.body.get("message").asText()).isEqualTo("broken failed: it broke");
        Answer none = call("POST", "actions/nothing", null);
        assertThat(none.status).isEqualTo(404);
        assertThat(none.body.get("message").asText()).isEqualTo("no admin action nothing (actions: [tick-count, unknown-thing, broken])");
        assertThat(call("GET", "actions/tick-count", null).status).isEqualTo(405);
    }

    private record Answer(int status, JsonNode body) {
    }

    private static Answer call(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(runtime.adminEndpoint().resolve(path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), JSON.readTree(response.body()));
    }
}
