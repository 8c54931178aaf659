package dev.tally.local;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * What {@link LocalRuntime#start} needs: the template, ports, the clock's start, parameter overrides, extra
 * environment, test knobs and which functions to run. Build with {@link #builder(Path)}; immutable.
 *
 * <p>Defaults: HTTP API on 3000, ElasticMQ on 9324, DynamoDB Local on 8000 (0 = a free port, which tests should
 * use); a ticking clock starting now; template parameter defaults; no extra environment; the template's visibility
 * timeouts; every function of the template; the thread's context class loader for handler classes; schedules that
 * fire by themselves.
 */
public final class LocalRuntimeConfig {
    private final Path template;
    private final int httpPort;
    private final int sqsPort;
    private final int dynamoDbPort;
    private final Instant clockStart;
    private final boolean clockTicking;
    private final Map<String, String> parameterOverrides;
    private final Map<String, String> extraEnvironment;
    private final OptionalInt visibilityTimeoutSeconds;
    private final Set<String> functions;
    private final ClassLoader classLoader;
    private final boolean automaticSchedules;
    private final Map<String, AdminAction> adminActions;
    private final Object handlerCollaborator;

    private LocalRuntimeConfig(Builder b) {
        this.template = b.template;
        this.httpPort = b.httpPort;
        this.sqsPort = b.sqsPort;
        this.dynamoDbPort = b.dynamoDbPort;
        this.clockStart = b.clockStart;
        this.clockTicking = b.clockTicking;
        this.parameterOverrides = Map.copyOf(b.parameterOverrides);
        this.extraEnvironment = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.extraEnvironment));
        this.visibilityTimeoutSeconds = b.visibilityTimeoutSeconds;
        this.functions = b.functions == null ? null : java.util.Collections.unmodifiableSet(new LinkedHashSet<>(b.functions));
        this.classLoader = b.classLoader;
        this.automaticSchedules = b.automaticSchedules;
        this.adminActions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.adminActions));
        this.handlerCollaborator = b.handlerCollaborator;
    }

    /** A builder for the given {@code template.yaml}. */
    public static Builder builder(Path template) {
        return new Builder(template);
    }

    /** The SAM template to run. */
    public Path template() {
        return template;
    }

    /** The HTTP API's port (0: a free one). */
    public int httpPort() {
        return httpPort;
    }

    /** ElasticMQ's port (0: a free one). */
    public int sqsPort() {
        return sqsPort;
    }

    /** DynamoDB Local's port (0: a free one). */
    public int dynamoDbPort() {
        return dynamoDbPort;
    }

    /** The clock's initial instant; empty means the current time. */
    public Optional<Instant> clockStart() {
        return Optional.ofNullable(clockStart);
    }

    /** Whether the clock moves with real time (else it stands still until set or advanced). */
    public boolean clockTicking() {
        return clockTicking;
    }

    /** Template parameter values replacing the defaults. */
    public Map<String, String> parameterOverrides() {
        return parameterOverrides;
    }

    /** Variables added to every function's environment (they win over the template's). */
    public Map<String, String> extraEnvironment() {
        return extraEnvironment;
    }

    /** When present, every queue's visibility timeout in seconds, instead of the template's. */
    public OptionalInt visibilityTimeoutSeconds() {
        return visibilityTimeoutSeconds;
    }

    /** The logical ids of the functions to run; empty means all of them. */
    public Optional<Set<String>> functions() {
        return Optional.ofNullable(functions);
    }

    /** Where handler classes are loaded from. */
    public ClassLoader classLoader() {
        return classLoader;
    }

    /**
     * Whether schedules fire by themselves when the clock passes their time (default true); when false they run
     * only through {@link LocalRuntime#runSchedule}.
     */
    public boolean automaticSchedules() {
        return automaticSchedules;
    }

    /** The admin API's actions by name ({@code POST /_tally/actions/<name>}); none by default. */
    public Map<String, AdminAction> adminActions() {
        return adminActions;
    }

    /**
     * What every handler with a {@code (Map, Clock, T)} constructor, {@code T} a type of this object, is given as its
     * third argument (Tally's metrics recorder, shared by the functions); null by default.
     */
    public Object handlerCollaborator() {
        return handlerCollaborator;
    }

    /** Builds a {@link LocalRuntimeConfig}. Not thread-safe. */
    public static final class Builder {
        private final Path template;
        private int httpPort = 3000;
        private int sqsPort = 9324;
        private int dynamoDbPort = 8000;
        private Instant clockStart;
        private boolean clockTicking = true;
        private final Map<String, String> parameterOverrides = new LinkedHashMap<>();
        private final Map<String, String> extraEnvironment = new LinkedHashMap<>();
        private OptionalInt visibilityTimeoutSeconds = OptionalInt.empty();
        private Set<String> functions;
        private ClassLoader classLoader = Thread.currentThread().getContextClassLoader();
        private boolean automaticSchedules = true;
        private final Map<String, AdminAction> adminActions = new LinkedHashMap<>();
        private Object handlerCollaborator;

        private Builder(Path template) {
            this.template = Objects.requireNonNull(template, "template");
        }

        /** The HTTP API's port, 0 for a free one (default 3000). */
        public Builder httpPort(int port) {
            this.httpPort = checkPort(port);
            return this;
        }

        /** ElasticMQ's port, 0 for a free one (default 9324). */
        public Builder sqsPort(int port) {
            this.sqsPort = checkPort(port);
            return this;
        }

        /** DynamoDB Local's port, 0 for a free one (default 8000). */
        public Builder dynamoDbPort(int port) {
            this.dynamoDbPort = checkPort(port);
            return this;
        }

        /** Free ports for all three servers (for tests). */
        public Builder freePorts() {
            return httpPort(0).sqsPort(0).dynamoDbPort(0);
        }

        /** The clock's initial instant (default: now). */
        public Builder clockStart(Instant start) {
            this.clockStart = Objects.requireNonNull(start, "start");
            return this;
        }

        /** Whether the clock moves with real time (default true); tests usually want false. */
        public Builder clockTicking(boolean ticking) {
            this.clockTicking = ticking;
            return this;
        }

        /** Overrides a template parameter's default. */
        public Builder parameter(String name, String value) {
            parameterOverrides.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Overrides several template parameters' defaults. */
        public Builder parameters(Map<String, String> values) {
            values.forEach(this::parameter);
            return this;
        }

        /** Adds a variable to every function's environment, e.g. {@code STRIPE_WEBHOOK_SECRET}. */
        public Builder environment(String name, String value) {
            extraEnvironment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds variables to every function's environment. */
        public Builder environment(Map<String, String> values) {
            values.forEach(this::environment);
            return this;
        }

        /** Sets every queue's visibility timeout (seconds, 0 to 43,200), e.g. 1 in tests of redelivery. */
        public Builder visibilityTimeoutSeconds(int seconds) {
            if (seconds < 0 || seconds > 43_200) {
                throw new IllegalArgumentException("visibility timeout must be 0..43200 seconds, found " + seconds);
            }
            this.visibilityTimeoutSeconds = OptionalInt.of(seconds);
            return this;
        }

        /** Runs only these functions (by logical id); an empty collection runs none (emulators and tables only). */
        public Builder functions(Collection<String> logicalIds) {
            this.functions = new LinkedHashSet<>(logicalIds);
            return this;
        }

        /** Loads handler classes from this class loader (default: the thread's context class loader). */
        public Builder classLoader(ClassLoader loader) {
            this.classLoader = Objects.requireNonNull(loader, "loader");
            return this;
        }

        /**
         * Whether schedules fire by themselves when the clock passes their time (default true). Turn it off when a
         * demo or test sets the clock and then calls {@link LocalRuntime#runSchedule} itself, so that the scheduler
         * does not also fire on the jump.
         */
        public Builder automaticSchedules(boolean enabled) {
            this.automaticSchedules = enabled;
            return this;
        }

        /**
         * Serves an operation at {@code POST /_tally/actions/<name>} of the admin API.
         *
         * @param name letters, digits and {@code -}
         * @param action what it does
         */
        public Builder adminAction(String name, AdminAction action) {
            if (!name.matches("[A-Za-z0-9-]+")) {
                throw new IllegalArgumentException("admin action names are letters, digits and -, found " + name);
            }
            adminActions.put(name, Objects.requireNonNull(action, "action"));
            return this;
        }

        /**
         * Gives this object to every handler that has a {@code (Map, Clock, T)} constructor with {@code T} one of its
         * types (see {@link dev.tally.local.lambda.LocalFunction}).
         *
         * @param collaborator e.g. a metrics recorder shared by every function
         */
        public Builder handlerCollaborator(Object collaborator) {
            this.handlerCollaborator = Objects.requireNonNull(collaborator, "collaborator");
            return this;
        }

        /** The configuration. */
        public LocalRuntimeConfig build() {
            return new LocalRuntimeConfig(this);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0..65535, found " + port);
            }
            return port;
        }
    }
}
