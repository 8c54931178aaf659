package dev.tally.cli.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Lambda Runtime API (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) for one execution environment:
 * it hands out the given events one by one on {@code GET /2018-06-01/runtime/invocation/next} and records, in
 * {@link System#nanoTime()}, when each was asked for and when its response or error came back. The first
 * {@code next} marks the end of init: the runtime interface client asks for it once the handler is constructed.
 */
final class RuntimeApi implements AutoCloseable {

    private static final String PREFIX = "/2018-06-01/runtime";

    /** What happened to one invocation: times in nanoseconds, the response (or error) body. */
    record Invocation(long askedAt, long answeredAt, boolean error, String body) {
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "runtime-api");
        t.setDaemon(true);
        return t;
    });
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    private final BlockingQueue<Invocation> done = new LinkedBlockingQueue<>();
    private final List<Long> asked = new ArrayList<>();
    private volatile String initError;

    RuntimeApi(List<String> eventsToServe) throws IOException {
        events.addAll(eventsToServe);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(executor);
        server.createContext(PREFIX, this::handle);
        server.start();
    }

    /** @return {@code host:port}, the value of {@code AWS_LAMBDA_RUNTIME_API} */
    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * @param timeoutMillis how long to wait
     * @return the next completed invocation, or null on timeout
     */
    Invocation awaitInvocation(long timeoutMillis) throws InterruptedException {
        return done.poll(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** @return the body of an {@code /init/error} report, or null */
    String initError() {
        return initError;
    }

    private void handle(HttpExchange exchange) throws IOException {
        long now = System.nanoTime();
        String path = exchange.getRequestURI().getPath().substring(PREFIX.length());
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (path.equals("/invocation/next")) {
                String event;
                synchronized (asked) {
                    asked.add(now);
                }
                event = events.take(); // blocks once every event was served; the process is killed then
                int index;
                synchronized (asked) {
                    index = asked.size();
                }
                exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", "bench-" + index);
                exchange.getResponseHeaders().add("Lambda-Runtime-Deadline-Ms",
                        Long.toString(System.currentTimeMillis() + 60_000));
                exchange.getResponseHeaders().add("Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:000000000000:function:bench:live");
                exchange.getResponseHeaders().add("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0");
                reply(exchange, 200, event);
            } else if (path.startsWith("/invocation/") && (path.endsWith("/response") || path.endsWith("/error"))) {
                long askedAt;
                synchronized (asked) {
                    askedAt = asked.get(done.size());
                }
                done.add(new Invocation(askedAt, now, path.endsWith("/error"), body));
                reply(exchange, 202, "{}");
            } else if (path.equals("/init/error")) {
                initError = body;
                reply(exchange, 202, "{}");
            } else {
                reply(exchange, 404, "{}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
