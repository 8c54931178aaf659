package dev.tally.alerts;

/**
 * Delivers a customer alert event. In AWS: EventBridge ({@link EventBridgeAlertPublisher}); locally the alert
 * record in the alerts table is the delivery ({@link #RECORD_ONLY}).
 */
@FunctionalInterface
public interface AlertPublisher {

    /** Publishes nothing: the alerts table record is the only trace (local runtime, tests). */
    AlertPublisher RECORD_ONLY = (type, detailJson) -> { };

    /**
     * @param detailType event detail-type, one of {@link AlertType}'s, e.g. {@code usage.threshold_crossed}
     * @param detailJson the event detail as a JSON object, valid against the type's schema ({@link AlertSchemas})
     * @throws RuntimeException if the event was not accepted (the stream record is retried; the alert stays pending)
     */
    void publish(String detailType, String detailJson);
}
