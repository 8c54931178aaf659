package dev.tally.alerts;

import java.util.Map;

/**
 * The events for products (not customer alerts) Tally publishes on the billing event bus, from the entitlements
 * function ({@code EntitlementService}), each an EventBridge detail-type with a versioned JSON Schema
 * ({@code catalog/schema/events/<detail-type>.schema.json}; docs/design.md, "Customer alerts" and "Entitlements and
 * dunning"). Every detail carries {@code schema_version}, {@code event_id} (stable: the consumer's idempotency key),
 * {@code type}, {@code account} and {@code raised_at} (seconds since the epoch). They are archived with the alerts but
 * not routed to the customer-alerts log: products subscribe with their own rules.
 */
public final class ProductEvents {
    /** The account's dunning state changed, up or back to active. */
    public static final String DUNNING_STATE_CHANGED = "dunning.state_changed";
    /** The account's entitlements changed: the whole new view, once per version. */
    public static final String ENTITLEMENTS_CHANGED = "entitlements.changed";
    /** The {@code schema_version} every detail of each product event carries now, by detail-type. */
    public static final Map<String, Integer> SCHEMA_VERSIONS = Map.of(DUNNING_STATE_CHANGED, 1, ENTITLEMENTS_CHANGED, 1);

    private ProductEvents() {
    }

    /**
     * @param detailType a product event's detail-type
     * @return its {@code schema_version} now
     * @throws IllegalArgumentException if Tally publishes no such product event
     */
    public static int schemaVersion(String detailType) {
        Integer version = SCHEMA_VERSIONS.get(detailType);
        if (version == null) {
            throw new IllegalArgumentException("no product event has detail-type " + detailType);
        }
        return version;
    }
}
