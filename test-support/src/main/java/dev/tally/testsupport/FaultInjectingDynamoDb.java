package dev.tally.testsupport;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A {@link DynamoDbClient} that delegates to a real one and fails the calls its {@link DynamoDbFault}s select, to
 * crash a service between two of its writes:
 *
 * <pre>{@code
 * DynamoDbFault crash = DynamoDbFault.on("UpdateItem").onTable(subscriptionsTable);
 * TallyTables faulty = new TallyTables(FaultInjectingDynamoDb.wrap(backend.dynamoDb(), crash), env);
 * assertThatThrownBy(() -> new InvoiceService(faulty, catalog, clock).invoice(job)).hasMessageContaining("injected crash");
 * }</pre>
 *
 * A {@link java.lang.reflect.Proxy}: every operation method (one {@link SdkRequest} argument) is checked against the
 * faults, then sent to the delegate; the interface's convenience methods (consumer-builder overloads, paginators) run
 * on the proxy, so the calls they make are checked too. Closing it does not close the delegate. Thread-safe.
 */
public final class FaultInjectingDynamoDb implements InvocationHandler {
    private final DynamoDbClient delegate;
    private final List<DynamoDbFault> faults = new CopyOnWriteArrayList<>();

    private FaultInjectingDynamoDb(DynamoDbClient delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * @param delegate the real client (not closed by the wrapper)
     * @param faults the failures to inject; more can be added with {@link #inject}
     * @return the wrapping client
     */
    public static DynamoDbClient wrap(DynamoDbClient delegate, DynamoDbFault... faults) {
        FaultInjectingDynamoDb handler = new FaultInjectingDynamoDb(delegate);
        for (DynamoDbFault fault : faults) {
            handler.inject(fault);
        }
        return handler.client();
    }

    /**
     * @param delegate the real client (not closed by the wrapper)
     * @return an injector without faults yet; get its client with {@link #client()}
     */
    public static FaultInjectingDynamoDb around(DynamoDbClient delegate) {
        return new FaultInjectingDynamoDb(delegate);
    }

    /** Adds a failure; returns it, to read {@link DynamoDbFault#fired()} later. */
    public DynamoDbFault inject(DynamoDbFault fault) {
        faults.add(Objects.requireNonNull(fault, "fault"));
        return fault;
    }

    /** Removes every fault: the client then behaves as its delegate. */
    public void clear() {
        faults.clear();
    }

    /** A client that goes through this injector. */
    public DynamoDbClient client() {
        return (DynamoDbClient) Proxy.newProxyInstance(DynamoDbClient.class.getClassLoader(),
                new Class<?>[] {DynamoDbClient.class}, this);
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return switch (method.getName()) {
                case "equals" -> proxy == args[0];
                case "hashCode" -> System.identityHashCode(proxy);
                case "toString" -> "FaultInjectingDynamoDb(" + delegate + ", " + faults + ")";
                default -> throw new UnsupportedOperationException(method.toString());
            };
        }
        if ("close".equals(method.getName()) && method.getParameterCount() == 0) {
            return null;
        }
        boolean operation = args != null && args.length == 1 && args[0] instanceof SdkRequest
                && !method.getName().endsWith("Paginator");
        if (!operation && method.isDefault()) {
            // builds the request (or pages) and calls back into the proxy, so those calls meet the faults
            return InvocationHandler.invokeDefault(proxy, method, args);
        }
        if (!operation) {
            return call(method, args);
        }
        SdkRequest request = (SdkRequest) args[0];
        fail(request, DynamoDbFault.Timing.BEFORE_CALL);
        Object result = call(method, args);
        fail(request, DynamoDbFault.Timing.AFTER_CALL);
        return result;
    }

    private void fail(SdkRequest request, DynamoDbFault.Timing timing) {
        for (DynamoDbFault fault : faults) {
            if (fault.timing() == timing) {
                RuntimeException e = fault.check(request);
                if (e != null) {
                    throw e;
                }
            }
        }
    }

    private Object call(Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
