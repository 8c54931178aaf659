package dev.tally.lambda;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Key;

/**
 * A handler that primes its hot path before a SnapStart snapshot is taken (org.crac {@code beforeCheckpoint}): the
 * classes a first invocation would load and initialise (SDK marshallers, signing, JSON mapping, the catalog) are then
 * in the snapshot, so the first invocation after restore runs like the second. Priming only reads: it calls
 * {@link #prime()}, which must not write anything or read secrets, and a failure is logged, never thrown (a snapshot
 * without priming is slower, not wrong).
 *
 * <p>The Lambda entry point (the handler's no-arg constructor) calls {@link #register(Primed)}; without a CRaC
 * runtime (tests, the local runtime, a function without SnapStart) the hook is never called.
 */
public interface Primed extends Resource {

    /** The partition (and sort) key value priming reads: no item has it. */
    String PRIMING_KEY = "__tally-priming__";

    /** Runs the handler's hot path on harmless input: reads of items that do not exist, parsing of sample events. */
    void prime();

    /** Primes, logging rather than throwing a failure. */
    @Override
    default void beforeCheckpoint(Context<? extends Resource> context) {
        Logger log = LoggerFactory.getLogger(getClass());
        long start = System.nanoTime();
        try {
            prime();
            log.info("primed before checkpoint in {} ms", (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            log.warn("priming failed; the snapshot is taken unprimed", e);
        }
    }

    /** Nothing to do: clients reconnect by themselves and secrets are read on first use after restore. */
    @Override
    default void afterRestore(Context<? extends Resource> context) {
    }

    /**
     * Registers a handler with the global CRaC context. The context keeps a reference to it, as Lambda does to the
     * handler instance.
     *
     * @param handler the handler
     */
    static void register(Primed handler) {
        Core.getGlobalContext().register(handler);
    }

    /**
     * Reads an item that cannot exist: the SDK's whole request path (endpoint resolution, signing, HTTP, JSON
     * unmarshalling, the table schema) runs once without touching data.
     *
     * @param table a table whose partition key (and sort key, if any) are strings
     */
    static void readNothing(DynamoDbTable<?> table) {
        Key.Builder key = Key.builder().partitionValue(PRIMING_KEY);
        if (table.tableSchema().tableMetadata().primarySortKey().isPresent()) {
            key.sortValue(PRIMING_KEY);
        }
        table.getItem(key.build());
    }

    /**
     * Reads an item that cannot exist from a table read without the Enhanced Client (the usage tables).
     *
     * @param client the DynamoDB client
     * @param table the table's name
     * @param key the key attribute names, each given the priming value
     */
    static void readNothing(software.amazon.awssdk.services.dynamodb.DynamoDbClient client, String table, String... key) {
        java.util.Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue> item = new java.util.HashMap<>();
        for (String name : key) {
            item.put(name, software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(PRIMING_KEY));
        }
        client.getItem(r -> r.tableName(table).key(item));
    }
}
