package dev.tally.local;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.tally.local.aws.AwsConnection;
import dev.tally.local.aws.ProvisionOptions;
import dev.tally.local.aws.TemplateStack;
import dev.tally.local.http.HttpApiServer;
import dev.tally.local.http.HttpRoute;
import dev.tally.local.http.RequestLog;
import dev.tally.local.lambda.EventSourceMapping;
import dev.tally.local.lambda.HandlerException;
import dev.tally.local.lambda.InvocationTracker;
import dev.tally.local.lambda.LocalFunction;
import dev.tally.local.schedule.LocalScheduler;
import dev.tally.local.sqs.SqsEventSourcePoller;
import dev.tally.local.streams.DynamoDbStreamPoller;
import dev.tally.local.template.FunctionEvent;
import dev.tally.local.template.FunctionResource;
import dev.tally.local.template.QueueResource;
import dev.tally.local.template.TableResource;
import dev.tally.local.template.TemplateModel;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole Tally system in one JVM, driven by {@code template.yaml}: DynamoDB Local and ElasticMQ embedded, every
 * table and queue of the template created, each function's handler instantiated from the classpath, and its events
 * wired as Lambda would: SQS and DynamoDB Streams event source mappings ({@link SqsEventSourcePoller},
 * {@link DynamoDbStreamPoller}), the HTTP API ({@link HttpApiServer}) and ScheduleV2 schedules on a
 * {@link LocalClock} ({@link LocalScheduler}).
 *
 * <p>Typical use in a test:
 * <pre>{@code
 * try (LocalRuntime runtime = LocalRuntime.start(LocalRuntimeConfig.builder(template).freePorts()
 *         .clockStart(Instant.parse("2026-01-01T00:00:00Z")).clockTicking(false).build())) {
 *     sqs.sendMessage(r -> r.queueUrl(runtime.queueUrl("UsageQueue")).messageBody(json));
 *     runtime.awaitIdle(Duration.ofSeconds(10));
 *     runtime.clock().advance(Duration.ofHours(1));   // fires hourly schedules
 * }
 * }</pre>
 * Thread-safe. {@link #close()} stops everything and loses all data.
 */
public final class LocalRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRuntime.class);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final LocalRuntimeConfig config;
    private final TemplateModel template;
    private final LocalClock clock;
    private final EmbeddedAws aws;
    private final TemplateStack stack;
    private final InvocationTracker tracker = new InvocationTracker();
    private final Map<String, LocalFunction> functions = new LinkedHashMap<>();
    private final List<EventSourceMapping> mappings = new ArrayList<>();
    private HttpApiServer http;
    private LocalScheduler scheduler;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalRuntime(LocalRuntimeConfig config, TemplateModel template, LocalClock clock, EmbeddedAws aws,
                         TemplateStack stack) {
        this.config = config;
        this.template = template;
        this.clock = clock;
        this.aws = aws;
        this.stack = stack;
    }

    /**
     * Starts the runtime: reads the template, starts the emulators, provisions, instantiates the selected functions
     * and starts pollers, the HTTP API and the scheduler. On any failure everything started is stopped again.
     *
     * @throws IllegalArgumentException when the template holds something unsupported, a selected function is
     *     unknown, a handler class is missing or miswired, or two routes collide
     * @throws IllegalStateException when a server cannot start or a handler's constructor throws
     * @throws java.io.UncheckedIOException when the template cannot be read or the HTTP port cannot be bound
     */
    public static LocalRuntime start(LocalRuntimeConfig config) {
        TemplateModel template = TemplateModel.load(config.template());
        Set<String> selected = config.functions().orElse(template.functions().keySet());
        for (String id : selected) {
            LocalFunction.handlerConstructor(template.function(id), config.classLoader()); // fail before starting
        }
        Instant start = config.clockStart().orElseGet(Instant::now);
        LocalClock clock = config.clockTicking() ? LocalClock.ticking(start) : LocalClock.frozen(start);
        EmbeddedAws aws = EmbeddedAws.start(config.dynamoDbPort(), config.sqsPort());
        TemplateStack stack = null;
        LocalRuntime runtime = null;
        try {
            stack = new TemplateStack(template, aws.connection(), config.parameterOverrides());
            ProvisionOptions options = ProvisionOptions.defaults();
            if (config.visibilityTimeoutSeconds().isPresent()) {
                options = options.withVisibilityTimeout(config.visibilityTimeoutSeconds().getAsInt());
            }
            stack.provision(options);
            runtime = new LocalRuntime(config, template, clock, aws, stack);
            runtime.wire(selected);
            runtime.startAll();
            LOG.info("Tally local runtime started:\n{}", runtime.describe());
            return runtime;
        } catch (RuntimeException | Error e) {
            if (runtime != null) {
                runtime.close();
            } else {
                if (stack != null) {
                    stack.close();
                }
                aws.close();
            }
            throw e;
        }
    }

    private void wire(Set<String> selected) {
        for (String id : selected) {
            FunctionResource def = template.function(id);
            LocalFunction f = LocalFunction.load(def, stack.functionEnvironment(id, config.extraEnvironment()), clock,
                    config.classLoader(), tracker, config.handlerCollaborator());
            for (FunctionEvent e : def.events()) {
                f.requireAccepts(switch (e) {
                    case FunctionEvent.Sqs s -> SQSEvent.class;
                    case FunctionEvent.DynamoDb d -> DynamodbEvent.class;
                    case FunctionEvent.HttpApi h -> APIGatewayV2HTTPEvent.class;
                    case FunctionEvent.Schedule s -> ScheduledEvent.class;
                }, e.name());
            }
            functions.put(id, f);
        }
        List<HttpRoute> routes = new ArrayList<>();
        Map<String, String> routeOwners = new HashMap<>();
        for (LocalFunction f : functions.values()) {
            for (FunctionEvent.Sqs s : f.definition().events(FunctionEvent.Sqs.class)) {
                if (s.enabled()) {
                    mappings.add(new SqsEventSourcePoller(f, s, stack.sqs(), stack.queueUrl(s.queueLogicalId()),
                            stack.queueArn(s.queueLogicalId()), stack.connection().region()));
                }
            }
            for (FunctionEvent.DynamoDb d : f.definition().events(FunctionEvent.DynamoDb.class)) {
                if (d.enabled()) {
                    mappings.add(new DynamoDbStreamPoller(f, d, stack.dynamoDbStreams(), stack.sqs(),
                            stack.streamArn(d.tableLogicalId()),
                            d.onFailureQueueLogicalId().map(stack::queueUrl).orElse(null),
                            stack.connection().region(), clock));
                }
            }
            for (FunctionEvent.HttpApi h : f.definition().events(FunctionEvent.HttpApi.class)) {
                String previous = routeOwners.putIfAbsent(h.routeKey(), f.name() + " Events." + h.name());
                if (previous != null) {
                    throw new IllegalArgumentException(f.name() + " Events." + h.name() + ": route " + h.routeKey()
                            + " is already declared by " + previous);
                }
                routes.add(new HttpRoute(h, f));
            }
        }
        http = new HttpApiServer(config.httpPort(), routes, clock);
        http.mount(AdminApi.PREFIX, new AdminApi(this, http.requests()));
        scheduler = new LocalScheduler(clock, List.copyOf(functions.values()));
    }

    private void startAll() {
        http.start();
        mappings.forEach(EventSourceMapping::start);
        if (config.automaticSchedules()) {
            scheduler.start();
        }
    }

    /** The HTTP API's base URL, e.g. {@code http://localhost:3000}. */
    public URI httpEndpoint() {
        return http.endpoint();
    }

    /** The HTTP API's routes, most specific first. */
    public List<HttpRoute> routes() {
        return http.routes();
    }

    /** The requests the HTTP API answered through its routes (webhooks, ...), for people to watch. */
    public RequestLog requests() {
        return http.requests();
    }

    /** The admin API's base URL ({@link AdminApi}), e.g. {@code http://localhost:3000/_tally/}. */
    public URI adminEndpoint() {
        return httpEndpoint().resolve(AdminApi.PREFIX);
    }

    /** ElasticMQ's endpoint, e.g. {@code http://localhost:9324}. */
    public URI sqsEndpoint() {
        return aws.sqsEndpoint();
    }

    /** DynamoDB Local's endpoint (DynamoDB Streams too), e.g. {@code http://localhost:8000}. */
    public URI dynamoDbEndpoint() {
        return aws.dynamoDbEndpoint();
    }

    /** Endpoints, region and dummy credentials, with SDK client factories. */
    public AwsConnection connection() {
        return aws.connection();
    }

    /**
     * The URL of a queue of the template.
     *
     * @throws IllegalArgumentException when the template has no such queue
     */
    public String queueUrl(String queueLogicalId) {
        return stack.queueUrl(queueLogicalId);
    }

    /**
     * The name of a table of the template (its logical id).
     *
     * @throws IllegalArgumentException when the template has no such table
     */
    public String tableName(String tableLogicalId) {
        return stack.tableName(tableLogicalId);
    }

    /** What the handlers were given as their third constructor argument, null if nothing. */
    public Object handlerCollaborator() {
        return config.handlerCollaborator();
    }

    /** The clock every handler and the scheduler use. */
    public LocalClock clock() {
        return clock;
    }

    /** The template being run. */
    public TemplateModel template() {
        return template;
    }

    /**
     * The environment of a function (running or not), as its handler gets it; see
     * {@link TemplateStack#functionEnvironment}.
     *
     * @throws IllegalArgumentException when the template has no such function
     */
    public Map<String, String> functionEnvironment(String functionLogicalId) {
        return stack.functionEnvironment(functionLogicalId, config.extraEnvironment());
    }

    /**
     * The handler instance of a running function.
     *
     * @throws IllegalArgumentException when the function is not running
     */
    public Object handler(String functionLogicalId) {
        return function(functionLogicalId).handler();
    }

    /**
     * The handler instance of a running function, cast to its class.
     *
     * @throws IllegalArgumentException when the function is not running
     * @throws ClassCastException when the handler is not a {@code type}
     */
    public <T> T handler(String functionLogicalId, Class<T> type) {
        return type.cast(handler(functionLogicalId));
    }

    /**
     * Runs code against a running function's handler as one invocation of it: after any invocation in progress (a
     * function's invocations are serialized), counted as work in progress, with the handler's class loader.
     *
     * @param functionLogicalId e.g. {@code StripeSyncFunction}
     * @param type the handler's class
     * @param action what to do with the handler
     * @return what {@code action} returned
     * @throws IllegalArgumentException when the function is not running
     * @throws ClassCastException when the handler is not a {@code type}
     */
    public <H, T> T withHandler(String functionLogicalId, Class<H> type, java.util.function.Function<H, T> action) {
        LocalFunction f = function(functionLogicalId);
        return f.exclusive(handler -> action.apply(type.cast(handler)));
    }

    /** The admin API's actions, as configured ({@link LocalRuntimeConfig#adminActions()}). */
    public Map<String, AdminAction> adminActions() {
        return config.adminActions();
    }

    private LocalFunction function(String id) {
        LocalFunction f = functions.get(id);
        if (f == null) {
            throw new IllegalArgumentException(id + " is not a running function (running: " + functions.keySet() + ")");
        }
        return f;
    }

    /**
     * Invokes a function's ScheduleV2 schedule now, on the calling thread, with a {@code ScheduledEvent} (source
     * {@code aws.scheduler}, detail-type {@code Scheduled Event}, time = the clock's instant, a random id, the
     * schedule's ARN as its resource).
     *
     * @return what the handler returned
     * @throws IllegalArgumentException when the function is not running or has no ScheduleV2 event
     * @throws RuntimeException what the handler threw (unwrapped when it is unchecked)
     */
    public Object runSchedule(String functionLogicalId) {
        try {
            return scheduler.runNow(functionLogicalId);
        } catch (HandlerException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    /**
     * Waits until the system is quiet: every queue polled by a mapping has no visible, in-flight or delayed message,
     * every stream poller has read its stream to the end with nothing pending, no schedule is due and nothing is
     * being invoked, observed twice in a row (the second time after a fresh read of every stream, so that work
     * caused by the last invocations is seen).
     *
     * @param timeout how long to wait at most
     * @throws IllegalStateException on timeout, saying what was still busy
     */
    public void awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long mark = System.nanoTime();
        int idleChecks = 0;
        String reason = "the stream pollers have not read their streams yet";
        while (true) {
            if (allPolledSince(mark)) {
                reason = busyReason();
                if (reason == null) {
                    if (++idleChecks == 2) {
                        return;
                    }
                } else {
                    idleChecks = 0;
                }
                mark = System.nanoTime();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("not idle after " + timeout + ": " + reason);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for idle");
            }
        }
    }

    private boolean allPolledSince(long mark) {
        return mappings.stream().allMatch(m -> m.hasPolledSince(mark));
    }

    private String busyReason() {
        if (tracker.active() > 0) {
            return tracker.active() + " invocation(s) in progress";
        }
        String reason = http.busyReason();
        if (reason == null) {
            reason = scheduler.busyReason();
        }
        for (int i = 0; reason == null && i < mappings.size(); i++) {
            reason = mappings.get(i).busyReason();
        }
        return reason;
    }

    /**
     * A multi-line description for people: endpoints, clock, tables, queues (with URLs and redrive), routes, event
     * source mappings, schedules, and the functions not running.
     */
    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append("Template   ").append(template.source()).append('\n');
        s.append("HTTP API   ").append(httpEndpoint()).append('\n');
        s.append("Admin      ").append(adminEndpoint()).append(" (clock, schedules, requests received: for the tally "
                + "program's clock, billing and stripe commands)\n");
        s.append("SQS        ").append(sqsEndpoint()).append('\n');
        s.append("DynamoDB   ").append(dynamoDbEndpoint()).append('\n');
        s.append("Region     ").append(aws.connection().region()).append(" (access key ")
                .append(aws.connection().accessKeyId()).append(", any secret)\n");
        s.append("Clock      ").append(clock.instant()).append(clock.isTicking() ? " (ticking)" : " (frozen)")
                .append('\n');
        s.append("Tables\n");
        for (TableResource t : template.tables().values()) {
            s.append("  ").append(tableName(t.logicalId()));
            t.streamViewType().ifPresent(v -> s.append("  stream ").append(v));
            if (!t.globalSecondaryIndexes().isEmpty()) {
                s.append("  GSIs ").append(t.globalSecondaryIndexes().stream()
                        .map(TableResource.SecondaryIndex::indexName).toList());
            }
            s.append('\n');
        }
        s.append("Queues\n");
        for (QueueResource q : template.queues().values()) {
            s.append("  ").append(q.logicalId()).append("  ").append(queueUrl(q.logicalId()));
            q.redrivePolicy().ifPresent(r -> s.append("  -> ").append(r.deadLetterQueueLogicalId())
                    .append(" after ").append(r.maxReceiveCount()).append(" receives"));
            s.append('\n');
        }
        s.append("Routes\n");
        for (HttpRoute r : http.routes()) {
            s.append("  ").append(r.event().routeKey()).append("  -> ").append(r.function().name()).append('\n');
        }
        s.append("Event source mappings\n");
        for (EventSourceMapping m : mappings) {
            s.append("  ").append(m).append('\n');
        }
        s.append("Schedules").append(config.automaticSchedules() ? "" : " (fire only through runSchedule)")
                .append('\n');
        for (String line : scheduler.describe()) {
            s.append("  ").append(line).append('\n');
        }
        List<String> idle = template.functions().keySet().stream().filter(id -> !functions.containsKey(id)).toList();
        if (!idle.isEmpty()) {
            s.append("Not running ").append(idle).append('\n');
        }
        return s.toString();
    }

    /** The logical ids of the running functions. */
    public Set<String> runningFunctions() {
        return Collections.unmodifiableSet(functions.keySet());
    }

    /**
     * Stops the scheduler, the HTTP API and the pollers (invocations in progress finish), then the emulators.
     * Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (scheduler != null) {
            scheduler.close();
        }
        if (http != null) {
            http.close();
        }
        CompletableFuture.allOf(mappings.stream()
                .map(m -> CompletableFuture.runAsync(() -> m.stop(STOP_TIMEOUT)))
                .toArray(CompletableFuture[]::new)).join();
        stack.close();
        aws.close();
        LOG.info("Tally local runtime stopped");
    }
}
