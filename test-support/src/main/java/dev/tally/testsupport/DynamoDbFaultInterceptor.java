package dev.tally.testsupport;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest;

/**
 * Injects {@link DynamoDbFault}s into every DynamoDB client of the JVM, including the ones a Lambda handler builds
 * in its own constructor, so the real handler can be made to fail a call (to test its batch item failures) without a
 * seam in production code. The AWS SDK loads it as a global interceptor when a test module lists it in the resource
 * {@value #REGISTRATION_RESOURCE}; unarmed, it does nothing.
 *
 * <pre>{@code
 * DynamoDbFault crash = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems").afterCall());
 * try { handler.handleRequest(event, null); } finally { DynamoDbFaultInterceptor.disarmAll(); }
 * }</pre>
 *
 * Faults are global: arm them just before the call under test and disarm right after (tests run one at a time).
 */
public final class DynamoDbFaultInterceptor implements ExecutionInterceptor {
    /** The classpath resource through which the SDK finds global interceptors. */
    public static final String REGISTRATION_RESOURCE = "software/amazon/awssdk/global/handlers/execution.interceptors";

    private static final List<DynamoDbFault> ARMED = new CopyOnWriteArrayList<>();

    /** Instantiated by the AWS SDK. */
    public DynamoDbFaultInterceptor() {
    }

    /**
     * Arms a fault for every DynamoDB client of the JVM.
     *
     * @throws IllegalStateException when the interceptor is not registered on the classpath (the fault would never
     *     fire)
     */
    public static DynamoDbFault arm(DynamoDbFault fault) {
        if (DynamoDbFaultInterceptor.class.getClassLoader().getResource(REGISTRATION_RESOURCE) == null) {
            throw new IllegalStateException("list " + DynamoDbFaultInterceptor.class.getName() + " in the test resource "
                    + REGISTRATION_RESOURCE + " so that the AWS SDK loads it");
        }
        ARMED.add(Objects.requireNonNull(fault, "fault"));
        return fault;
    }

    /** Removes every armed fault. */
    public static void disarmAll() {
        ARMED.clear();
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes executionAttributes) {
        fail(context.request(), DynamoDbFault.Timing.BEFORE_CALL);
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes executionAttributes) {
        fail(context.request(), DynamoDbFault.Timing.AFTER_CALL);
    }

    private static void fail(SdkRequest request, DynamoDbFault.Timing timing) {
        if (!(request instanceof DynamoDbRequest)) {
            return;
        }
        for (DynamoDbFault fault : ARMED) {
            if (fault.timing() == timing) {
                RuntimeException e = fault.check(request);
                if (e != null) {
                    throw e;
                }
            }
        }
    }
}
