package dev.tally.entitlement;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.Optional;

/**
 * The library call products use to read what an account may use now, straight from the entitlements table (one
 * strongly consistent {@code GetItem}; the caller's role needs {@code dynamodb:GetItem} on the table and
 * {@code kms:Decrypt} on the stack's key). Thread-safe; build once.
 *
 * <pre>{@code
 * EntitlementsClient entitlements = new EntitlementsClient(dynamoDb, System.getenv("ENTITLEMENTS_TABLE"));
 * Entitlements e = entitlements.find("org_acme").orElseThrow();
 * if (!e.hasFeature("sso")) { ... }
 * switch (e.usageBeyondIncluded("build_minutes")) { case REFUSED -> ...; case FLAGGED, ALLOWED -> ...; }
 * }</pre>
 * Products outside the AWS account call {@code GET /entitlements/{account}} on the HTTP API instead (IAM-signed),
 * which answers the same JSON ({@link EntitlementsJson}).
 */
public final class EntitlementsClient {
    private final DynamoDbEntitlementStore store;

    /**
     * @param dynamoDb a DynamoDB client
     * @param entitlementsTable the entitlements table's name (stack output / {@code ENTITLEMENTS_TABLE})
     */
    public EntitlementsClient(DynamoDbClient dynamoDb, String entitlementsTable) {
        this.store = new DynamoDbEntitlementStore(dynamoDb, entitlementsTable);
    }

    /**
     * @param accountId the account, e.g. {@code org_acme}
     * @return its entitlements as last computed, empty when none were computed (an unknown account, or one with no
     *         subscription, payment or credit yet)
     */
    public Optional<Entitlements> find(String accountId) {
        return store.find(accountId).map(EntitlementRecord::entitlements);
    }
}
