package dev.tally.alerts;

/**
 * Delivers a billing alert event. In AWS: EventBridge ({@link EventBridgeAlertPublisher}); locally the alert
 * record in the alerts table is the delivery ({@link #RECORD_ONLY}).
 */
@FunctionalInterface
public interface AlertPublisher {

    /** Publishes nothing: the alerts table record is the only trace (local runtime, tests). */
    AlertPublisher RECORD_ONLY = (type, detailJson) -> { };

    /**
     * @param detailType event detail-type, e.g. {@code usage.threshold_crossed}
     * @param detailJson the event detail as a JSON object
     * @throws RuntimeException if the event was not accepted (the stream batch is retried)
     */
    void publish(String detailType, String detailJson);
}
