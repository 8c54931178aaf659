package dev.tally.cli;

import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchExecuteStatementResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchStatementResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the DynamoDB requests of every client in the JVM, and the write units DynamoDB reports for them
 * ({@code ReturnConsumedCapacity}), while armed, for {@code tally bench}: the functions build their own clients, so
 * the meter is a global SDK interceptor (listed in {@code software/amazon/awssdk/global/handlers/execution.interceptors}),
 * idle unless {@link #arm()} was called. DynamoDB Streams and SQS calls are not counted.
 *
 * <p>DynamoDB Local reports no consumed capacity for {@code BatchExecuteStatement}; for it the meter counts each
 * statement that succeeded, and the benchmark charges it by AWS's rule (one write unit per item up to 1 KB, and one
 * per index entry: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html).
 */
public final class DynamoDbRequestMeter implements ExecutionInterceptor {
    private static volatile boolean armed;
    private static final LongAdder REQUESTS = new LongAdder();
    private static final DoubleAdder WRITE_UNITS = new DoubleAdder();
    private static final LongAdder UNREPORTED_STATEMENTS = new LongAdder();

    /** Instantiated by the AWS SDK. */
    public DynamoDbRequestMeter() {
    }

    /** Starts counting from zero. */
    public static void arm() {
        REQUESTS.reset();
        WRITE_UNITS.reset();
        UNREPORTED_STATEMENTS.reset();
        armed = true;
    }

    /** Stops counting. */
    public static void disarm() {
        armed = false;
    }

    /** @return DynamoDB requests since {@link #arm()} */
    public static long requests() {
        return REQUESTS.sum();
    }

    /** @return write units DynamoDB reported since {@link #arm()} */
    public static double reportedWriteUnits() {
        return WRITE_UNITS.sum();
    }

    /** @return statements of BatchExecuteStatement that succeeded without a reported capacity, since {@link #arm()} */
    public static long unreportedStatements() {
        return UNREPORTED_STATEMENTS.sum();
    }

    /**
     * While armed, asks every write for its consumed capacity ({@code ReturnConsumedCapacity=TOTAL}, which costs
     * nothing), so that code which does not ask (the Enhanced Client's calls) is measured too.
     */
    @Override
    public software.amazon.awssdk.core.SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        if (!armed) {
            return context.request();
        }
        var total = software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity.TOTAL;
        return switch (context.request()) {
            case software.amazon.awssdk.services.dynamodb.model.PutItemRequest p when p.returnConsumedCapacity() == null ->
                    p.toBuilder().returnConsumedCapacity(total).build();
            case software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest u when u.returnConsumedCapacity() == null ->
                    u.toBuilder().returnConsumedCapacity(total).build();
            case software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest d when d.returnConsumedCapacity() == null ->
                    d.toBuilder().returnConsumedCapacity(total).build();
            case software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest t when t.returnConsumedCapacity() == null ->
                    t.toBuilder().returnConsumedCapacity(total).build();
            case software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest b when b.returnConsumedCapacity() == null ->
                    b.toBuilder().returnConsumedCapacity(total).build();
            default -> context.request();
        };
    }

    /** A refused request (a failed condition, throttling) is a request too; DynamoDB still charges a failed conditional write. */
    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        if (armed && "DynamoDb".equalsIgnoreCase(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))) {
            REQUESTS.increment();
        }
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        if (!armed || !"DynamoDb".equalsIgnoreCase(attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME))) {
            return;
        }
        REQUESTS.increment();
        SdkResponse r = context.response();
        List<ConsumedCapacity> capacity = switch (r) {
            case PutItemResponse p -> p.consumedCapacity() == null ? List.of() : List.of(p.consumedCapacity());
            case UpdateItemResponse u -> u.consumedCapacity() == null ? List.of() : List.of(u.consumedCapacity());
            case software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse d ->
                    d.consumedCapacity() == null ? List.of() : List.of(d.consumedCapacity());
            case GetItemResponse g -> List.of();
            case QueryResponse q -> List.of();
            case TransactWriteItemsResponse t -> t.consumedCapacity();
            case BatchWriteItemResponse b -> b.consumedCapacity();
            case BatchExecuteStatementResponse b -> {
                if (b.consumedCapacity() == null || b.consumedCapacity().isEmpty()) {
                    for (BatchStatementResponse s : b.responses()) {
                        if (s.error() == null) {
                            UNREPORTED_STATEMENTS.increment();
                        }
                    }
                }
                yield b.consumedCapacity();
            }
            default -> List.of();
        };
        for (ConsumedCapacity c : capacity == null ? List.<ConsumedCapacity>of() : capacity) {
            if (c.writeCapacityUnits() != null) {
                WRITE_UNITS.add(c.writeCapacityUnits());
            } else if (c.capacityUnits() != null) {
                WRITE_UNITS.add(c.capacityUnits());
            }
        }
    }
}
