package dev.tally.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.tally.local.http.HttpRoute;
import dev.tally.local.http.RequestLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local runtime's admin API, on the HTTP API's port under {@value #PREFIX} (loopback only, no authentication:
 * it exists only in the local runtime, never in a deployment). The {@code tally} program's {@code clock},
 * {@code billing} and {@code stripe} commands talk to a running {@code tally serve} through it. JSON in and out;
 * times are seconds since the epoch on the runtime's clock. An error answers {@code {"message": "..."}} with 400
 * (bad request), 404 (unknown path or function), 405 (wrong method), 502 (a handler failed) or 504 (the system
 * did not settle in time).
 *
 * <ul>
 *   <li>{@code GET /_tally/runtime}: {@code clock}, {@code ticking}, {@code endpoints} ({@code http}, {@code sqs},
 *       {@code dynamodb}), {@code routes} ([{@code routeKey}, {@code function}]) and {@code functions}
 *       ({@code {id: {environment: {...}}}}, as each handler gets it).</li>
 *   <li>{@code POST /_tally/clock/advance} with {@code {"seconds": N}} or {@code {"to": T}}: moves the clock
 *       forward (never back, like Stripe's test clocks), lets the schedules it passes fire and waits until the system
 *       is idle (at most {@code waitSeconds}, default 300); answers {@code previous} and {@code clock}.</li>
 *   <li>{@code POST /_tally/schedules/<FunctionLogicalId>/run}: fires that function's schedule now, waits until
 *       idle; answers {@code function}, {@code clock} and the handler's {@code result}.</li>
 *   <li>{@code GET /_tally/requests?after=N&wait=S}: the requests the HTTP API answered after sequence {@code N}
 *       ({@link RequestLog}), waiting up to {@code S} seconds (at most {@value #MAX_WAIT_SECONDS}) for one;
 *       answers {@code requests} and {@code last} (the newest sequence number).</li>
 *   <li>{@code POST /_tally/actions/<name>} with a JSON body: runs an {@link AdminAction} the runtime was started
 *       with (the {@code tally} program registers {@code invoice-resync}); answers what it returns, 404 when there
 *       is no such action or it names something unknown, 502 when it failed.</li>
 * </ul>
 */
final class AdminApi implements HttpHandler {
    /** Path prefix of the admin API. */
    static final String PREFIX = "/_tally/";
    /** Longest wait of one {@code GET /_tally/requests}. */
    static final int MAX_WAIT_SECONDS = 20;
    private static final Duration DEFAULT_IDLE_WAIT = Duration.ofMinutes(5);
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalRuntime runtime;
    private final RequestLog requests;

    AdminApi(LocalRuntime runtime, RequestLog requests) {
        this.runtime = runtime;
        this.requests = requests;
    }

    /** An answer other than 200, with its message. */
    private static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    @Override
    public void handle(HttpExchange exchange) {
        try (exchange) {
            int status = 200;
            JsonNode answer;
            try {
                answer = route(exchange);
            } catch (Refusal r) {
                status = r.status;
                answer = JSON.createObjectNode().put("message", r.getMessage());
            } catch (IllegalStateException e) {
                status = 504;
                answer = JSON.createObjectNode().put("message", e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("admin API: {} {} failed", exchange.getRequestMethod(), exchange.getRequestURI(), e);
                status = 502;
                answer = JSON.createObjectNode().put("message", e.toString());
            }
            byte[] body = JSON.writeValueAsBytes(answer);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            LOG.warn("admin API: {} {}: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
        }
    }

    private JsonNode route(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        if (path.equals("runtime")) {
            requireMethod(method, "GET");
            return describe();
        }
        if (path.equals("clock/advance")) {
            requireMethod(method, "POST");
            return advance(body(exchange));
        }
        if (path.startsWith("schedules/") && path.endsWith("/run")) {
            requireMethod(method, "POST");
            return runSchedule(path.substring("schedules/".length(), path.length() - "/run".length()));
        }
        if (path.startsWith("actions/")) {
            requireMethod(method, "POST");
            return action(path.substring("actions/".length()), body(exchange));
        }
        if (path.equals("requests")) {
            requireMethod(method, "GET");
            return requests(number(query, "after", 0), number(query, "wait", 0));
        }
        throw new Refusal(404, "no admin resource " + PREFIX + path);
    }

    private ObjectNode describe() {
        ObjectNode out = JSON.createObjectNode();
        out.put("clock", runtime.clock().instant().getEpochSecond()).put("ticking", runtime.clock().isTicking());
        out.putObject("endpoints").put("http", runtime.httpEndpoint().toString())
                .put("sqs", runtime.sqsEndpoint().toString()).put("dynamodb", runtime.dynamoDbEndpoint().toString());
        ArrayNode routes = out.putArray("routes");
        for (HttpRoute r : runtime.routes()) {
            routes.addObject().put("routeKey", r.event().routeKey()).put("function", r.function().name());
        }
        ObjectNode functions = out.putObject("functions");
        for (String id : runtime.runningFunctions()) {
            ObjectNode env = functions.putObject(id).putObject("environment");
            runtime.functionEnvironment(id).forEach(env::put);
        }
        return out;
    }

    private ObjectNode advance(JsonNode body) {
        Instant previous = runtime.clock().instant();
        Instant target;
        if (body.hasNonNull("to")) {
            target = Instant.ofEpochSecond(body.get("to").asLong());
        } else if (body.hasNonNull("seconds")) {
            target = previous.plusSeconds(body.get("seconds").asLong());
        } else {
            throw new Refusal(400, "give \"seconds\" or \"to\"");
        }
        if (target.isBefore(previous)) {
            throw new Refusal(400, "the clock only moves forward: it is " + previous.truncatedTo(ChronoUnit.SECONDS)
                    + ", and " + target + " is in its past");
        }
        runtime.clock().set(target);
        runtime.awaitIdle(idleWait(body));
        ObjectNode out = JSON.createObjectNode();
        out.put("previous", previous.getEpochSecond()).put("clock", runtime.clock().instant().getEpochSecond());
        return out;
    }

    private ObjectNode runSchedule(String function) {
        Object result;
        try {
            result = runtime.runSchedule(function);
        } catch (IllegalArgumentException e) {
            throw new Refusal(404, e.getMessage());
        } catch (RuntimeException e) {
            throw new Refusal(502, function + " failed: " + e);
        }
        runtime.awaitIdle(DEFAULT_IDLE_WAIT);
        ObjectNode out = JSON.createObjectNode();
        out.put("function", function).put("clock", runtime.clock().instant().getEpochSecond());
        out.set("result", JSON.valueToTree(result));
        return out;
    }

    private JsonNode action(String name, JsonNode body) {
        AdminAction action = runtime.adminActions().get(name);
        if (action == null) {
            throw new Refusal(404, "no admin action " + name + " (actions: " + runtime.adminActions().keySet() + ")");
        }
        try {
            return JSON.valueToTree(action.run(runtime, body));
        } catch (IllegalArgumentException e) {
            throw new Refusal(404, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("admin action {} failed", name, e);
            throw new Refusal(502, name + " failed: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
        }
    }

    private ObjectNode requests(long after, long waitSeconds) {
        Duration wait = Duration.ofSeconds(Math.max(0, Math.min(waitSeconds, MAX_WAIT_SECONDS)));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode list = out.putArray("requests");
        for (RequestLog.Entry e : requests.after(after, wait)) {
            list.add(JSON.valueToTree(e));
        }
        out.put("last", requests.lastSequence());
        return out;
    }

    private static Duration idleWait(JsonNode body) {
        return body.hasNonNull("waitSeconds") ? Duration.ofSeconds(body.get("waitSeconds").asLong()) : DEFAULT_IDLE_WAIT;
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new Refusal(405, "use " + expected);
        }
    }

    private static JsonNode body(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readAllBytes();
            if (bytes.length == 0) {
                return JSON.createObjectNode();
            }
            try {
                return JSON.readTree(bytes);
            } catch (IOException e) {
                throw new Refusal(400, "the body is not JSON: " + e.getMessage());
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    private static long number(Map<String, String> query, String name, long otherwise) {
        String value = query.get(name);
        if (value == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new Refusal(400, name + " must be a whole number, found " + value);
        }
    }
}
