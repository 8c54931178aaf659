package dev.tally.entitlement;

import dev.tally.alerts.AlertPublisher;
import dev.tally.alerts.DynamoDbAlertStore;
import dev.tally.alerts.EventBridgeAlertPublisher;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.metrics.Metrics;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

/**
 * Builds the {@link EntitlementService} of a function (entitlements, entitlements-api, billing-run) from its
 * environment: {@code ENTITLEMENTS_TABLE}, {@code ALERTS_TABLE} and the tables entitlements derive from, the catalog
 * ({@code TALLY_CATALOG}, default the packaged one), events to {@code EVENT_BUS_NAME} (locally, {@code TALLY_LOCAL=true},
 * nothing is put on a bus: the alert records are the trace). Needs the EventBridge SDK on the classpath when it
 * publishes.
 */
public final class EntitlementServices {

    private EntitlementServices() {
    }

    /**
     * @param env the function's environment
     * @param tables the tables, bound once
     * @param metrics where the dunning metrics go
     * @param publishes false for a reader (no EventBridge client is built)
     * @return the service
     * @throws IllegalStateException when a variable is missing
     * @throws dev.tally.catalog.CatalogException when the catalog is invalid
     */
    public static EntitlementService create(Env env, TallyTables tables, Metrics metrics, boolean publishes) {
        AlertPublisher publisher = !publishes || env.local() ? AlertPublisher.RECORD_ONLY
                : new EventBridgeAlertPublisher(AwsClients.configure(EventBridgeClient.builder(), env, "EVENTBRIDGE").build(),
                env.require("EVENT_BUS_NAME"));
        Catalog catalog = CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE));
        return new EntitlementService(new DynamoDbEntitlementStore(tables.client, env.require("ENTITLEMENTS_TABLE")),
                new DynamoDbAlertStore(tables), new TallyEntitlementInputs(tables), catalog, publisher, metrics);
    }
}
