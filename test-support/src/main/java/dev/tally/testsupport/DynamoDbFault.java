package dev.tally.testsupport;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItem;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * One injected DynamoDB failure: which calls it hits (operation, optionally a table and a condition on the request),
 * which of those calls (the n-th, for how many), and whether the call fails <em>before</em> it reaches DynamoDB or
 * <em>after</em> DynamoDB completed it, the caller then seeing an exception for a write that did happen (a crash
 * between the write and the next step). The failure is an {@link SdkClientException} whose message starts with
 * {@value #MESSAGE}, as a network error or a killed process looks to the caller, unless {@link #throwing} names
 * another failure (e.g. DynamoDB's own {@code TransactionCanceledException} for a transaction conflict).
 *
 * <pre>{@code
 * DynamoDbFault crash = DynamoDbFault.on("TransactWriteItems").onTable("UsageEventsTable").afterCall();
 * DynamoDbClient client = FaultInjectingDynamoDb.wrap(backend.dynamoDb(), crash);
 * }</pre>
 *
 * Used by {@link FaultInjectingDynamoDb} (one client) and {@link DynamoDbFaultInterceptor} (every SDK client of the
 * JVM, e.g. the one a handler builds itself). Thread-safe.
 */
public final class DynamoDbFault {
    /** Start of the injected exception's message. */
    public static final String MESSAGE = "injected crash";

    /** When the call fails. */
    public enum Timing {
        /** Before the request is sent: DynamoDB never sees it. */
        BEFORE_CALL,
        /** After DynamoDB completed the call: its effect is stored, the caller gets an exception. */
        AFTER_CALL
    }

    private final String operation;
    private String table;
    private Predicate<? super SdkRequest> condition = r -> true;
    private int first = 1;
    private int times = 1;
    private Timing timing = Timing.BEFORE_CALL;
    private Function<String, ? extends RuntimeException> failure = SdkClientException::create;
    private int matched;
    private int fired;

    private DynamoDbFault(String operation) {
        this.operation = normalise(Objects.requireNonNull(operation, "operation"));
    }

    /**
     * @param operation the DynamoDB operation, as in the API ({@code TransactWriteItems}, {@code UpdateItem}) or as
     *     the client method ({@code transactWriteItems}); case does not matter
     * @return a fault on the first such call, before it is sent
     */
    public static DynamoDbFault on(String operation) {
        return new DynamoDbFault(operation);
    }

    /** Only calls that touch this table (any item of a transaction or batch counts). */
    public synchronized DynamoDbFault onTable(String tableName) {
        this.table = Objects.requireNonNull(tableName, "tableName");
        return this;
    }

    /** Only calls whose request satisfies this condition, e.g. names a given key. */
    public synchronized DynamoDbFault where(Predicate<? super SdkRequest> requestCondition) {
        this.condition = Objects.requireNonNull(requestCondition, "requestCondition");
        return this;
    }

    /** Fail the {@code n}-th matching call (1-based) instead of the first. */
    public synchronized DynamoDbFault onCall(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("calls are counted from 1, was " + n);
        }
        this.first = n;
        return this;
    }

    /** Fail this many consecutive matching calls, from the chosen one on (default 1). */
    public synchronized DynamoDbFault times(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a fault fires at least once, was " + count);
        }
        this.times = count;
        return this;
    }

    /** Fail after DynamoDB completed the call (its writes are stored; the caller sees an exception). */
    public synchronized DynamoDbFault afterCall() {
        this.timing = Timing.AFTER_CALL;
        return this;
    }

    /** Fail before the call is sent (the default). */
    public synchronized DynamoDbFault beforeCall() {
        this.timing = Timing.BEFORE_CALL;
        return this;
    }

    /**
     * Throw this instead of an {@link SdkClientException}.
     *
     * @param exception makes the exception from a description of the failed call (starting with {@value #MESSAGE})
     */
    public synchronized DynamoDbFault throwing(Function<String, ? extends RuntimeException> exception) {
        this.failure = Objects.requireNonNull(exception, "exception");
        return this;
    }

    /**
     * DynamoDB's cancellation of a transaction, as {@link #throwing} takes it: e.g. {@code cancelledWith("None",
     * "TransactionConflict")} for a conflict on the second item, or {@code "ThrottlingError"} for throttling.
     *
     * @param reasonCodes one cancellation reason code per item of the transaction, in order
     * @return the exception factory
     */
    public static Function<String, TransactionCanceledException> cancelledWith(String... reasonCodes) {
        return message -> TransactionCanceledException.builder().message(message + ": transaction cancelled")
                .statusCode(400)
                .cancellationReasons(java.util.Arrays.stream(reasonCodes)
                        .map(code -> CancellationReason.builder().code(code).build()).toList())
                .build();
    }

    /** When this fault fails its calls. */
    public synchronized Timing timing() {
        return timing;
    }

    /** How many calls matched so far (operation, table and condition). */
    public synchronized int matched() {
        return matched;
    }

    /** How many calls this fault failed so far. */
    public synchronized int fired() {
        return fired;
    }

    /**
     * Counts a call and says whether it must fail. Called once per call, at this fault's {@link #timing()}.
     *
     * @param request the request of a DynamoDB operation
     * @return the exception to throw, or null to let the call through
     */
    synchronized RuntimeException check(SdkRequest request) {
        if (!operation.equals(operationOf(request))) {
            return null;
        }
        if (table != null && !tablesOf(request).contains(table)) {
            return null;
        }
        if (!condition.test(request)) {
            return null;
        }
        matched++;
        if (matched < first || matched >= first + times) {
            return null;
        }
        fired++;
        return failure.apply(MESSAGE + " (" + (timing == Timing.AFTER_CALL ? "after " : "before ")
                + operationOf(request) + (table == null ? "" : " on " + table) + ", call " + matched + ")");
    }

    /** The API operation name of a request: {@code TransactWriteItemsRequest} gives {@code transactwriteitems}. */
    static String operationOf(SdkRequest request) {
        String name = request.getClass().getSimpleName();
        if (name.endsWith("Request")) {
            name = name.substring(0, name.length() - "Request".length());
        }
        return normalise(name);
    }

    private static String normalise(String operation) {
        return operation.toLowerCase(Locale.ROOT);
    }

    /**
     * @param request a DynamoDB request
     * @return every table it reads or writes (all items of a transaction or batch)
     */
    public static Set<String> tablesOf(SdkRequest request) {
        Set<String> tables = new LinkedHashSet<>();
        if (request instanceof TransactWriteItemsRequest t) {
            for (TransactWriteItem item : t.transactItems()) {
                if (item.put() != null) {
                    tables.add(item.put().tableName());
                }
                if (item.update() != null) {
                    tables.add(item.update().tableName());
                }
                if (item.delete() != null) {
                    tables.add(item.delete().tableName());
                }
                if (item.conditionCheck() != null) {
                    tables.add(item.conditionCheck().tableName());
                }
            }
        } else if (request instanceof TransactGetItemsRequest t) {
            for (TransactGetItem item : t.transactItems()) {
                if (item.get() != null) {
                    tables.add(item.get().tableName());
                }
            }
        } else if (request instanceof BatchWriteItemRequest b) {
            tables.addAll(b.requestItems().keySet());
        } else if (request instanceof BatchGetItemRequest b) {
            tables.addAll(b.requestItems().keySet());
        } else {
            request.getValueForField("TableName", String.class).ifPresent(tables::add);
        }
        return tables;
    }

    @Override
    public synchronized String toString() {
        return "fault on " + operation + (table == null ? "" : " of " + table) + " calls " + first + ".."
                + (first + times - 1) + " " + timing;
    }
}
