package dev.tally.alerts;

import dev.tally.metrics.MetricNames;
import dev.tally.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.Optional;

/**
 * Puts an alert on the bus at most once and never loses it, for every raiser ({@link AlertService}, the entitlements
 * function's {@code EntitlementService}): <b>record, then publish, retried.</b> The alert record is written
 * {@code pending} with {@code attribute_not_exists} ({@link AlertStore#recordIfAbsent}), then the event is published,
 * then the record marked {@code published}. A crash or a refused publish after the record leaves it {@code pending}
 * and fails the caller, which is retried: the retry finds the pending record and publishes <em>its</em> detail (the
 * first one computed, same {@code alert_id} and {@code raised_at}), then marks it. A redelivery after
 * {@code published} publishes nothing. The one window for a second event is a crash between a successful publish and
 * the mark, the same duplicate EventBridge's own at-least-once delivery allows: consumers dedupe on {@code alert_id}.
 * Publishing first would double on every retry and could lose nothing more; recording without publishing on retry
 * would lose the alert.
 */
public final class AlertDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(AlertDelivery.class);

    private final AlertStore store;
    private final AlertPublisher publisher;
    private final Metrics metrics;

    /**
     * @param store the alerts table
     * @param publisher where alerts go
     * @param metrics {@link MetricNames#ALERTS_RAISED} by {@code type} for each event published
     */
    public AlertDelivery(AlertStore store, AlertPublisher publisher, Metrics metrics) {
        this.store = store;
        this.publisher = publisher;
        this.metrics = metrics;
    }

    /**
     * Records, publishes and marks an alert (see the class comment).
     *
     * @param alert the alert as first computed, {@code published} false
     * @return true when its event was published now, false when it had been already
     * @throws RuntimeException on a transient failure or a refused publish (retry the caller; the alert stays pending)
     */
    public boolean deliver(AlertRecord alert) {
        Optional<AlertRecord> there = store.recordIfAbsent(alert);
        if (there.isPresent() && there.get().published()) {
            return false;
        }
        String type = alert.type().detailType();
        publisher.publish(type, there.map(AlertRecord::detailJson).orElse(alert.detailJson()));
        store.markPublished(alert.alertId());
        metrics.increment(MetricNames.ALERTS_RAISED, "type", type);
        try (MDC.MDCCloseable ignored = MDC.putCloseable("account", alert.accountId())) {
            LOG.info("alert {} published{}: {}", alert.alertId(), there.isPresent() ? " (retried after a failed publish)" : "", type);
        }
        return true;
    }
}
