package dev.tally.entitlement;

import dev.tally.dunning.DunningStatus;

import java.util.List;
import java.util.Objects;

/**
 * An account's entitlements item: what products read, the dunning standing behind it, the transitions so far and the
 * events not yet known to be published (an outbox: written with the change, cleared once published).
 *
 * @param entitlements the entitlements, whose {@code version} is the item's (optimistic lock)
 * @param dunning the dunning standing
 * @param history the dunning transitions recorded, oldest first (the newest {@value #HISTORY_LIMIT} are kept)
 * @param outbox events to publish, in order
 */
public record EntitlementRecord(Entitlements entitlements, DunningStatus dunning, List<HistoryEntry> history,
                                List<OutboxEvent> outbox) {

    /** How many transitions the item keeps. */
    public static final int HISTORY_LIMIT = 100;

    /** Copies the lists, keeping the newest {@value #HISTORY_LIMIT} history entries. */
    public EntitlementRecord {
        Objects.requireNonNull(entitlements, "entitlements");
        Objects.requireNonNull(dunning, "dunning");
        history = List.copyOf(history.size() > HISTORY_LIMIT ? history.subList(history.size() - HISTORY_LIMIT, history.size()) : history);
        outbox = List.copyOf(outbox);
    }

    /** @return the account id */
    public String accountId() {
        return entitlements.accountId();
    }

    /** @return the item's version */
    public long version() {
        return entitlements.version();
    }

    /**
     * A recorded dunning transition.
     *
     * @param at when, seconds since the epoch
     * @param from state left (wire name)
     * @param to state entered (wire name)
     * @param cause cause kind (wire name, e.g. {@code payment_failed})
     * @param causeId the cause's unique id; a transition is recorded once per cause id
     * @param description the cause for people
     */
    public record HistoryEntry(long at, String from, String to, String cause, String causeId, String description) {
    }

    /**
     * An event to put on the billing bus.
     *
     * @param id unique id, also in the detail: {@code event_id} of a product event, {@code alert_id} of an alert
     *           (consumers deduplicate on it: delivery is at least once)
     * @param detailType e.g. {@code dunning.state_changed}
     * @param detailJson the detail, a JSON object
     * @param alert true for alerts (payment failed, dunning step), delivered through the alerts table ({@code AlertDelivery})
     */
    public record OutboxEvent(String id, String detailType, String detailJson, boolean alert) {
    }
}
