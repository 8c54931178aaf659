package dev.tally.entitlement;

import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import dev.tally.metrics.Metrics;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** What both entitlements handlers build once per execution environment ({@link EntitlementServices#create}). */
final class EntitlementsWiring {
    final EntitlementService service;

    EntitlementsWiring(Env env, Metrics metrics, boolean publishes) {
        TallyTables tables = new TallyTables(AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build(), env);
        this.service = EntitlementServices.create(env, tables, metrics, publishes);
    }

    /** SnapStart priming: what a request reads, for an account that does not exist; never a write. */
    void prime() {
        service.current("priming", 0);
    }
}
