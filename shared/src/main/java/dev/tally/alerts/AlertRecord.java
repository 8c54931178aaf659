package dev.tally.alerts;

/**
 * An alert as the alerts table keeps it: written {@code pending} before its event is published, then
 * {@code published}.
 *
 * @param alertId names type, account, subject, period and threshold (see {@link AlertService}); the key that makes
 *                each alert at most once
 * @param type the alert type
 * @param accountId the account
 * @param detailJson the event detail, exactly as it is (re)published
 * @param createdAt when it was first raised, seconds since the epoch
 * @param published whether the event was put on the bus
 */
public record AlertRecord(String alertId, AlertType type, String accountId, String detailJson, long createdAt, boolean published) {
}
