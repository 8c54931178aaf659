package dev.tally.local.lambda;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.tally.local.template.FunctionResource;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One function of the template, instantiated in this JVM: its handler instance and environment, and
 * {@link #invoke} to call it the way Lambda would.
 *
 * <p>The handler class is the part of {@code Handler} before {@code ::}, loaded by name from a class loader; it must
 * implement {@link RequestHandler} and have a public constructor {@code (java.util.Map<String,String> env,
 * java.time.Clock clock)}, which receives the function's resolved environment and the local clock (handlers must not
 * read {@link System#getenv()} for their configuration, or they would see the developer's real AWS settings). The
 * method after {@code ::} must be {@code handleRequest}. A handler that also has a constructor {@code (Map, Clock, T)}
 * is given the runtime's collaborator through it when that is a {@code T} ({@link
 * dev.tally.local.LocalRuntimeConfig#handlerCollaborator()}: Tally's metrics recorder, shared by every function).
 *
 * <p>Invocations of one function are serialized (one local execution environment), so a handler written for Lambda
 * need not be thread-safe. A handler that throws (anything but {@link OutOfMemoryError}) is logged at ERROR with the
 * function name and request id, and the throwable is rethrown wrapped in a {@link HandlerException}.
 */
public final class LocalFunction {
    private static final Logger LOG = LoggerFactory.getLogger(LocalFunction.class);

    private final FunctionResource definition;
    private final RequestHandler<Object, Object> handler;
    private final Class<?> inputType;
    private final Map<String, String> environment;
    private final InvocationTracker tracker;
    private final Slf4jLambdaLogger lambdaLogger;
    private final ReentrantLock lock = new ReentrantLock(true);

    private LocalFunction(FunctionResource definition, RequestHandler<Object, Object> handler,
                          Map<String, String> environment, InvocationTracker tracker) {
        this.definition = definition;
        this.handler = handler;
        this.inputType = inputTypeOf(handler.getClass());
        this.environment = environment;
        this.tracker = tracker;
        this.lambdaLogger = new Slf4jLambdaLogger(definition.logicalId());
    }

    /**
     * Instantiates a function's handler.
     *
     * @param definition the function as the template declares it
     * @param environment its resolved environment, passed to the constructor
     * @param clock the clock passed to the constructor
     * @param classLoader where to find the handler class
     * @param tracker counts invocations in progress
     * @param collaborator given to a {@code (Map, Clock, T)} constructor when it is a {@code T}; may be null
     * @throws IllegalArgumentException when the class is missing, is not a {@code RequestHandler}, has no
     *     {@code (Map, Clock)} constructor, or the method is not {@code handleRequest}
     * @throws IllegalStateException when the constructor throws
     */
    public static LocalFunction load(FunctionResource definition, Map<String, String> environment, Clock clock,
                                     ClassLoader classLoader, InvocationTracker tracker, Object collaborator) {
        String id = definition.logicalId();
        String className = definition.handlerClass();
        Constructor<?> constructor = handlerConstructor(definition, classLoader);
        Constructor<?> withCollaborator = null;
        for (Constructor<?> c : constructor.getDeclaringClass().getConstructors()) {
            Class<?>[] p = c.getParameterTypes();
            if (collaborator != null && p.length == 3 && p[0] == Map.class && p[1] == Clock.class && p[2].isInstance(collaborator)) {
                withCollaborator = c;
            }
        }
        Object instance;
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(classLoader);
        try {
            instance = withCollaborator != null ? withCollaborator.newInstance(Map.copyOf(environment), clock, collaborator)
                    : constructor.newInstance(Map.copyOf(environment), clock);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(id + ": constructor of " + className + " threw " + e.getCause(),
                    e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(id + ": cannot instantiate " + className + ": " + e, e);
        } finally {
            thread.setContextClassLoader(previous);
        }
        @SuppressWarnings("unchecked")
        RequestHandler<Object, Object> handler = (RequestHandler<Object, Object>) instance;
        LOG.debug("{}: loaded {}", id, className);
        return new LocalFunction(definition, handler, Map.copyOf(environment), tracker);
    }

    /**
     * Checks, without instantiating anything, that a function's handler class can be loaded and has the required
     * shape; used to fail fast before the emulators start.
     *
     * @return the {@code (Map, Clock)} constructor
     * @throws IllegalArgumentException as {@link #load}
     */
    public static Constructor<?> handlerConstructor(FunctionResource definition, ClassLoader classLoader) {
        String id = definition.logicalId();
        String className = definition.handlerClass();
        if (!definition.handlerMethod().equals("handleRequest")) {
            throw new IllegalArgumentException(id + ": Handler method " + definition.handlerMethod()
                    + " is not supported locally; handlers implement RequestHandler.handleRequest");
        }
        Class<?> type;
        try {
            type = Class.forName(className, false, classLoader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException(id + ": handler class " + className
                    + " cannot be loaded from the classpath: " + e, e);
        }
        if (!RequestHandler.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(id + ": " + className + " does not implement "
                    + RequestHandler.class.getName());
        }
        try {
            return type.getConstructor(Map.class, Clock.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(id + ": " + className
                    + " needs a public constructor (java.util.Map<String,String> env, java.time.Clock clock)", e);
        }
    }

    /** The function's logical id. */
    public String name() {
        return definition.logicalId();
    }

    /** The function as the template declares it. */
    public FunctionResource definition() {
        return definition;
    }

    /** The handler instance. */
    public Object handler() {
        return handler;
    }

    /** The environment the handler was constructed with. */
    public Map<String, String> environment() {
        return environment;
    }

    /** The handler's declared input type ({@code I} of {@code RequestHandler<I, O>}); {@code Object} if unknown. */
    public Class<?> inputType() {
        return inputType;
    }

    /**
     * Checks that the handler can take events of a type, so miswiring fails at start rather than at the first event.
     *
     * @throws IllegalArgumentException when the declared input type is not a supertype of {@code eventType}
     */
    public void requireAccepts(Class<?> eventType, String eventName) {
        if (!inputType.isAssignableFrom(eventType)) {
            throw new IllegalArgumentException(name() + " Events." + eventName + ": handler "
                    + definition.handlerClass() + " takes " + inputType.getName() + " but this event source delivers "
                    + eventType.getName());
        }
    }

    /**
     * Invokes the handler with an event, waiting for any invocation of the same function in progress.
     *
     * @return what the handler returned
     * @throws HandlerException when the handler throws (already logged)
     */
    public Object invoke(Object event) {
        Objects.requireNonNull(event, "event");
        LocalContext context = new LocalContext(name(), Duration.ofSeconds(definition.timeoutSeconds()),
                definition.memorySizeMb(), lambdaLogger);
        tracker.begin();
        lock.lock();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(handler.getClass().getClassLoader());
        long start = System.nanoTime();
        try {
            LOG.debug("{}: invoking (request {}) with {}", name(), context.getAwsRequestId(),
                    event.getClass().getSimpleName());
            Object result = handler.handleRequest(event, context);
            LOG.debug("{}: request {} done in {} ms", name(), context.getAwsRequestId(),
                    (System.nanoTime() - start) / 1_000_000);
            return result;
        } catch (OutOfMemoryError e) {
            throw e;
        } catch (Throwable e) { // including StackOverflowError and LinkageError: the handler failed, not the runtime
            LOG.error("{}: handler threw (request {})", name(), context.getAwsRequestId(), e);
            throw new HandlerException(name(), context.getAwsRequestId(), e);
        } finally {
            thread.setContextClassLoader(previous);
            lock.unlock();
            tracker.end();
        }
    }

    /**
     * Runs code against the handler as if it were an invocation: waiting for any invocation in progress, counted as
     * work in progress, with the handler's class loader as the context class loader.
     *
     * @param action what to do with the handler instance
     * @return what {@code action} returned
     */
    public <T> T exclusive(java.util.function.Function<Object, T> action) {
        tracker.begin();
        lock.lock();
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(handler.getClass().getClassLoader());
        try {
            return action.apply(handler);
        } finally {
            thread.setContextClassLoader(previous);
            lock.unlock();
            tracker.end();
        }
    }

    /** Finds {@code I} of {@code RequestHandler<I, O>} in the class hierarchy; {@code Object} when not a class. */
    static Class<?> inputTypeOf(Class<?> type) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            Class<?> found = searchInterfaces(c.getGenericInterfaces());
            if (found != null) {
                return found;
            }
        }
        return Object.class;
    }

    private static Class<?> searchInterfaces(Type[] interfaces) {
        for (Type t : interfaces) {
            if (t instanceof ParameterizedType p && p.getRawType() == RequestHandler.class) {
                Type input = p.getActualTypeArguments()[0];
                if (input instanceof Class<?> c) {
                    return c;
                }
                if (input instanceof ParameterizedType pt && pt.getRawType() instanceof Class<?> raw) {
                    return raw;
                }
                return Object.class;
            }
            Class<?> raw = t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) t;
            Class<?> found = searchInterfaces(raw.getGenericInterfaces());
            if (found != null) {
                return found;
            }
        }
        return null;
    }
}
