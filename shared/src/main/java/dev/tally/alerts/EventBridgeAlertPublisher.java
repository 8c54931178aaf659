package dev.tally.alerts;

import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResponse;
import software.amazon.awssdk.services.eventbridge.model.PutEventsResultEntry;

/**
 * Publishes alerts to the billing event bus with source {@value #SOURCE}. Consumers (email, Slack, the product's
 * own UI) subscribe with EventBridge rules on the detail-type.
 */
public final class EventBridgeAlertPublisher implements AlertPublisher {
    /** Event source of every Tally alert. */
    public static final String SOURCE = "tally.billing";

    private final EventBridgeClient events;
    private final String busName;

    /**
     * @param events client built once
     * @param busName the billing event bus name
     */
    public EventBridgeAlertPublisher(EventBridgeClient events, String busName) {
        this.events = events;
        this.busName = busName;
    }

    @Override
    public void publish(String detailType, String detailJson) {
        PutEventsResponse response = events.putEvents(r -> r.entries(e -> e
                .eventBusName(busName).source(SOURCE).detailType(detailType).detail(detailJson)));
        if (response.failedEntryCount() != null && response.failedEntryCount() > 0) {
            PutEventsResultEntry entry = response.entries().get(0);
            throw new IllegalStateException("EventBridge refused " + detailType + ": " + entry.errorCode() + " " + entry.errorMessage());
        }
    }
}
