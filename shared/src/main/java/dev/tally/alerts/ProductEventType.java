package dev.tally.alerts;

/**
 * The events for products (not customer alerts) Tally publishes on the billing event bus, from the entitlements
 * function ({@code EntitlementService}), each an EventBridge detail-type with a versioned JSON Schema
 * ({@code catalog/schema/events/<detail-type>.schema.json}; docs/design.md, "Customer alerts" and "Entitlements and
 * dunning"). Every detail carries {@code schema_version}, {@code event_id} (stable: the consumer's idempotency key),
 * {@code type}, {@code account} and {@code raised_at} (seconds since the epoch). They are archived with the alerts but
 * not routed to the customer-alerts log: products subscribe with their own rules.
 */
public enum ProductEventType {
    /** The account's dunning state changed, up or back to active. */
    DUNNING_STATE_CHANGED("dunning.state_changed", 1),
    /** The account's entitlements changed: the whole new view, once per version. */
    ENTITLEMENTS_CHANGED("entitlements.changed", 1);

    private final String detailType;
    private final int schemaVersion;

    ProductEventType(String detailType, int schemaVersion) {
        this.detailType = detailType;
        this.schemaVersion = schemaVersion;
    }

    /** @return the EventBridge detail-type, e.g. {@code entitlements.changed} */
    public String detailType() {
        return detailType;
    }

    /** @return the {@code schema_version} every detail of this type carries now */
    public int schemaVersion() {
        return schemaVersion;
    }

    /** @return the classpath location of the detail's JSON Schema (draft 2020-12) */
    public String schemaResource() {
        return "catalog/schema/events/" + detailType + ".schema.json";
    }
}
