package dev.tally.local.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tally.local.lambda.HandlerException;
import dev.tally.local.template.IntrinsicResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The template's implicit HTTP API (API Gateway HTTP API, payload format 2.0) on a JDK {@link HttpServer} bound to
 * the loopback address.
 *
 * <p>A request is matched against the {@link HttpRoute}s (most specific first); no match answers 404 with
 * {@code {"message":"Not Found"}}. A match becomes an {@link APIGatewayV2HTTPEvent}: version 2.0, the route key
 * ({@code POST /webhooks/stripe}), rawPath, rawQueryString, query parameters (repeated ones joined with commas),
 * path parameters, headers with lower-case names (repeated ones joined with commas), cookies, the body as UTF-8 text
 * ({@code isBase64Encoded=false}), and a requestContext with http method/path/protocol/sourceIp/userAgent,
 * requestId, stage {@code $default}, time and timeEpoch (from the local clock). The handler's
 * {@link APIGatewayV2HTTPResponse} (or a map of the same shape) becomes the HTTP response: status (0 means 200),
 * headers, multi-value headers, cookies as {@code Set-Cookie}, body (base64-decoded when flagged); any other return
 * value is sent as a 200 JSON body, as API Gateway infers. A handler that throws answers 500
 * {@code {"message":"Internal Server Error"}}.
 *
 * <p>Every request answered through a route is appended to a {@link RequestLog} ({@link #requests()}). Other
 * handlers can be mounted beside the routes ({@link #mount}), e.g. the local runtime's admin API under
 * {@code /_tally/}; their requests are neither routed, logged nor counted as work in progress.
 *
 * <p>Requests are served by {@value #THREADS} daemon threads named {@code http-api-N}. Thread-safe.
 */
public final class HttpApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final byte[] NOT_FOUND = "{\"message\":\"Not Found\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] INTERNAL_ERROR = "{\"message\":\"Internal Server Error\"}".getBytes(StandardCharsets.UTF_8);

    private final List<HttpRoute> routes;
    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor;
    private final AtomicInteger inProgress = new AtomicInteger();
    private final RequestLog requests = new RequestLog();

    /** Threads serving requests (a few admin requests may wait long, e.g. {@code tally stripe listen}). */
    static final int THREADS = 8;

    /**
     * Binds the server (not yet serving; call {@link #start()}).
     *
     * @param port the port, 0 for a free one
     * @param routes the routes
     * @param clock the local clock, for the request time
     * @throws UncheckedIOException when the port cannot be bound
     */
    public HttpApiServer(int port, List<HttpRoute> routes, Clock clock) {
        this.routes = routes.stream().sorted(Comparator.comparingInt(HttpRoute::specificity).reversed()).toList();
        this.clock = clock;
        try {
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the HTTP API to port " + port + ": " + e.getMessage(), e);
        }
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "http-api-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    /**
     * Serves every request whose path starts with {@code prefix} with {@code handler} instead of the routes (the
     * JDK server picks the longest matching prefix). Call before {@link #start()}.
     *
     * @param prefix e.g. {@code /_tally/}
     * @param handler the handler; it must close the exchange
     */
    public void mount(String prefix, com.sun.net.httpserver.HttpHandler handler) {
        server.createContext(prefix, handler);
    }

    /** The requests answered through a route. */
    public RequestLog requests() {
        return requests;
    }

    /** Starts serving. */
    public void start() {
        server.start();
        LOG.debug("HTTP API at {} with {} route(s)", endpoint(), routes.size());
    }

    /** The base URL, e.g. {@code http://localhost:3000}. */
    public URI endpoint() {
        return URI.create("http://localhost:" + server.getAddress().getPort());
    }

    /** The routes, most specific first. */
    public List<HttpRoute> routes() {
        return routes;
    }

    /** Why the server is not idle ({@code null} when no request is in progress). */
    public String busyReason() {
        int n = inProgress.get();
        return n == 0 ? null : "HTTP API: " + n + " request(s) in progress";
    }

    private void handle(HttpExchange exchange) {
        inProgress.incrementAndGet();
        try (exchange) {
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            URI uri = exchange.getRequestURI();
            String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
            HttpRoute route = null;
            Map<String, String> pathParameters = null;
            for (HttpRoute candidate : routes) {
                pathParameters = candidate.match(method, path);
                if (pathParameters != null) {
                    route = candidate;
                    break;
                }
            }
            if (route == null) {
                send(exchange, new Reply(404, Map.of("content-type", List.of("application/json")), NOT_FOUND));
                return;
            }
            APIGatewayV2HTTPEvent event = toEvent(exchange, route, method, path, pathParameters);
            Reply reply;
            try {
                reply = reply(route.function().invoke(event));
            } catch (HandlerException e) {
                reply = new Reply(500, Map.of("content-type", List.of("application/json")), INTERNAL_ERROR);
            }
            requests.add(clock.instant().getEpochSecond(), method, path, route.event().routeKey(),
                    route.function().name(), reply.status(), event.getBody(), new String(reply.body(), StandardCharsets.UTF_8));
            send(exchange, reply);
        } catch (IOException | RuntimeException e) {
            LOG.warn("HTTP API: {} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
        } finally {
            inProgress.decrementAndGet();
        }
    }

    /** An HTTP answer: status, headers, body bytes. */
    private record Reply(int status, Map<String, List<String>> headers, byte[] body) {
    }

    private APIGatewayV2HTTPEvent toEvent(HttpExchange exchange, HttpRoute route, String method, String path,
                                          Map<String, String> pathParameters) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        List<String> cookies = new ArrayList<>();
        for (Map.Entry<String, List<String>> h : exchange.getRequestHeaders().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("cookie")) {
                for (String value : h.getValue()) {
                    for (String c : value.split(";")) {
                        if (!c.isBlank()) {
                            cookies.add(c.trim());
                        }
                    }
                }
            } else {
                headers.put(name, String.join(",", h.getValue()));
            }
        }
        String rawQuery = exchange.getRequestURI().getRawQuery();
        Instant now = clock.instant();
        String host = headers.getOrDefault("host", "localhost");
        APIGatewayV2HTTPEvent.RequestContext context = APIGatewayV2HTTPEvent.RequestContext.builder()
                .withAccountId(IntrinsicResolver.ACCOUNT_ID)
                .withApiId("local")
                .withDomainName(host)
                .withDomainPrefix(host.split("[.:]")[0])
                .withRequestId(UUID.randomUUID().toString())
                .withRouteKey(route.event().routeKey())
                .withStage("$default")
                .withTime(REQUEST_TIME.format(now))
                .withTimeEpoch(now.toEpochMilli())
                .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                        .withMethod(method)
                        .withPath(path)
                        .withProtocol(exchange.getProtocol())
                        .withSourceIp(exchange.getRemoteAddress().getAddress().getHostAddress())
                        .withUserAgent(headers.get("user-agent"))
                        .build())
                .build();
        return APIGatewayV2HTTPEvent.builder()
                .withVersion("2.0")
                .withRouteKey(route.event().routeKey())
                .withRawPath(exchange.getRequestURI().getRawPath())
                .withRawQueryString(rawQuery == null ? "" : rawQuery)
                .withCookies(cookies.isEmpty() ? null : cookies)
                .withHeaders(headers)
                .withQueryStringParameters(queryParameters(rawQuery))
                .withPathParameters(pathParameters.isEmpty() ? null : pathParameters)
                .withBody(body.length == 0 ? null : new String(body, StandardCharsets.UTF_8))
                .withIsBase64Encoded(false)
                .withRequestContext(context)
                .build();
    }

    private static Map<String, String> queryParameters(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.merge(key, value, (a, b) -> a + "," + b);
        }
        return out;
    }

    private static Reply reply(Object result) throws IOException {
        if (result == null) {
            return new Reply(200, Map.of(), new byte[0]);
        }
        APIGatewayV2HTTPResponse response;
        if (result instanceof APIGatewayV2HTTPResponse r) {
            response = r;
        } else {
            JsonNode node = result instanceof String s ? parseOrNull(s) : JSON.valueToTree(result);
            if (node != null && node.isObject() && node.has("statusCode")) {
                response = JSON.convertValue(node, APIGatewayV2HTTPResponse.class);
            } else {
                byte[] body = (result instanceof String s ? s : JSON.writeValueAsString(result))
                        .getBytes(StandardCharsets.UTF_8);
                return new Reply(200, Map.of("content-type", List.of("application/json")), body);
            }
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        if (response.getHeaders() != null) {
            response.getHeaders().forEach((k, v) -> headers.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        }
        if (response.getMultiValueHeaders() != null) {
            response.getMultiValueHeaders().forEach((k, v) -> headers.computeIfAbsent(k, x -> new ArrayList<>())
                    .addAll(v));
        }
        if (response.getCookies() != null && !response.getCookies().isEmpty()) {
            headers.computeIfAbsent("Set-Cookie", x -> new ArrayList<>()).addAll(response.getCookies());
        }
        String body = response.getBody();
        byte[] bytes = body == null ? new byte[0]
                : response.getIsBase64Encoded() ? Base64.getDecoder().decode(body)
                : body.getBytes(StandardCharsets.UTF_8);
        return new Reply(response.getStatusCode() == 0 ? 200 : response.getStatusCode(), headers, bytes);
    }

    private static JsonNode parseOrNull(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            return null;
        }
    }

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        int status = reply.status();
        byte[] body = reply.body();
        Headers out = exchange.getResponseHeaders();
        Map<String, List<String>> headers = reply.headers();
        headers.forEach((k, v) -> v.forEach(value -> out.add(k, value)));
        boolean noBody = body.length == 0 || status == 204 || status == 304
                || exchange.getRequestMethod().equalsIgnoreCase("HEAD");
        exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
        if (!noBody) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        }
    }

    /** Stops the server (waiting up to a second for requests in progress) and its threads. Idempotent. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
    }
}
