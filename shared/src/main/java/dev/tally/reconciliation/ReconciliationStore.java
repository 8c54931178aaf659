package dev.tally.reconciliation;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * Port: where reconciliation runs are kept, so that an operator can read the last one ({@code tally reconcile
 * --last}) and the scheduled run knows where the previous one stopped. DynamoDB implements it in
 * {@link DynamoDbReconciliationStore} (the reconciliations table).
 */
public interface ReconciliationStore {

    /**
     * Stores a run's report under its id and as the latest report.
     *
     * @param report the report
     * @param scheduledThrough for a scheduled run: the end of the window it covered (seconds since the epoch), where
     *                         the next scheduled run starts; null for an on-demand run
     */
    void save(ReconciliationReport report, Long scheduledThrough);

    /** @return the latest report stored, empty before the first run */
    Optional<ReconciliationReport> latest();

    /** @return the end of the window the last scheduled run covered, empty before the first */
    OptionalLong scheduledThrough();
}
