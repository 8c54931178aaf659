package dev.tally.alerts;

import java.util.Optional;

/** Port: the alerts table, the record of each alert raised and the accounts' own alert settings. */
public interface AlertStore {

    /**
     * Records a new alert as pending, unless one with its id exists.
     *
     * @param alert the alert, {@code published} false
     * @return empty when it was recorded now; the record already there otherwise (pending or published)
     * @throws RuntimeException on a transient failure (the stream record is retried)
     */
    Optional<AlertRecord> recordIfAbsent(AlertRecord alert);

    /**
     * @param alertId an alert id
     * @return whether that alert's event is on the bus (strongly consistent)
     */
    boolean published(String alertId);

    /**
     * Marks an alert published (its event is on the bus).
     *
     * @param alertId the alert
     */
    void markPublished(String alertId);

    /**
     * @param accountId an account
     * @return its own settings, empty when none were set
     */
    Optional<AlertSettings> settings(String accountId);

    /**
     * Writes an account's settings, replacing any before.
     *
     * @param settings the settings
     */
    void saveSettings(AlertSettings settings);
}
