package dev.tally.alerts;

import java.util.Arrays;
import java.util.Optional;

/**
 * The customer alerts Tally publishes on the billing event bus, each an EventBridge detail-type with a versioned JSON
 * Schema ({@code catalog/schema/events/<detail-type>.schema.json}; the catalogue and the version policy are in
 * docs/design.md, "Customer alerts"). Every detail carries {@code schema_version}, {@code alert_id} (stable: the
 * consumer's idempotency key), {@code type} (the detail-type), {@code account} and {@code raised_at} (seconds since
 * the epoch). The bus also carries events for products that are not alerts ({@link ProductEvents}).
 */
public enum AlertType {
    /** Usage of a meter in the billing period reached a share of the plan's included quantity. */
    USAGE_THRESHOLD("usage.threshold_crossed", 1),
    /** The first usage beyond a price's included quantity in the billing period. */
    OVERAGE_STARTED("usage.overage_started", 1),
    /** The open billing period's charges reached a configured amount. */
    SPEND_THRESHOLD("spend.threshold_crossed", 1),
    /** The prepaid balance fell to a configured share of the active credit grants, or to a configured amount. */
    BALANCE_LOW("credits.balance_low", 1),
    /** The prepaid balance in a currency reached zero. */
    BALANCE_EXHAUSTED("credits.balance_exhausted", 1),
    /** A credit grant expires within the warning window. */
    GRANT_EXPIRING("credits.grant_expiring", 1),
    /** What was left of a credit grant expired. */
    GRANT_EXPIRED("credits.grant_expired", 1),
    /** A payment attempt of an invoice failed (raised by the entitlements function, {@code EntitlementService}). */
    PAYMENT_FAILED("payment.failed", 1),
    /** The account's dunning escalated a step (past due, restricted, suspended; {@code EntitlementService}). */
    DUNNING_STEP_REACHED("dunning.step_reached", 1);

    private final String detailType;
    private final int schemaVersion;

    AlertType(String detailType, int schemaVersion) {
        this.detailType = detailType;
        this.schemaVersion = schemaVersion;
    }

    /** @return the EventBridge detail-type, e.g. {@code usage.threshold_crossed} */
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

    /**
     * @param detailType an EventBridge detail-type
     * @return the alert type, empty when Tally publishes no such detail-type
     */
    public static Optional<AlertType> ofDetailType(String detailType) {
        return Arrays.stream(values()).filter(t -> t.detailType.equals(detailType)).findFirst();
    }
}
