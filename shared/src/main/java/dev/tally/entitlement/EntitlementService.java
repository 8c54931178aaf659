package dev.tally.entitlement;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.alerts.AlertDelivery;
import dev.tally.alerts.AlertPublisher;
import dev.tally.alerts.AlertRecord;
import dev.tally.alerts.AlertStore;
import dev.tally.alerts.AlertType;
import dev.tally.alerts.ProductEvents;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Plan;
import dev.tally.dunning.Dunning;
import dev.tally.dunning.DunningPolicy;
import dev.tally.dunning.DunningStatus;
import dev.tally.dunning.DunningTransition;
import dev.tally.dunning.PaymentFact;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps each account's entitlements and dunning state, downstream of the state that drives them (never in the
 * webhook): a payment fact (the {@code payments} table's stream), a change of subscription or credit balance (their
 * streams), and the billing clock (the hourly billing run, for the accounts whose next dunning step is due).
 *
 * <p>Each call re-derives the account's {@link Entitlements} and applies {@link Dunning}; when anything changed it
 * writes the entitlements item once, conditioned on the version it read (a conflict re-reads and retries), with the
 * transitions appended to its history and the events to publish in its outbox, then publishes them and empties the
 * outbox. A transition is recorded once per cause id; a redelivered fact is stale for {@link Dunning} and changes
 * nothing. A crash after the write publishes on the next call for the account: product events at least once, each
 * with its stable {@code event_id}; alerts through the alerts table like every customer alert ({@link AlertDelivery}:
 * recorded pending, published, marked), so an alert already published is not published again. Every detail is
 * versioned ({@code schema_version}, JSON Schemas in catalog/schema/events/) and carries {@code type},
 * {@code account} and {@code raised_at}, computed once into the outbox, so redeliveries carry the same detail:
 * <ul>
 *   <li>{@code entitlements.changed} ({@link ProductEvents}): {@code event_id}
 *       ({@code entitlements:<account>:<version>}), {@code version, entitlements} ({@link EntitlementsJson}),
 *       raised at the version's {@code updated_at};</li>
 *   <li>{@code dunning.state_changed} ({@link ProductEvents}): {@code event_id} ({@code dunning:<account>:<cause id>}),
 *       {@code from, to, cause, cause_id, description, at}, raised at the transition;</li>
 *   <li>customer alerts ({@link AlertType}): {@code payment.failed} per failed attempt, {@code alert_id}
 *       {@code payment_failed:<account>:<invoice>:<attempt>}, {@code stripe_invoice_id, attempt, failed_at}, raised
 *       at the failure; {@code dunning.step_reached} per escalation, {@code alert_id}
 *       {@code dunning_step:<account>:<cause id>}, the transition's fields, raised at the transition.</li>
 * </ul>
 */
public final class EntitlementService {
    private static final Logger LOG = LoggerFactory.getLogger(EntitlementService.class);
    /** Attempts at a conditional write before the conflict is left to the caller's retry. */
    static final int ATTEMPTS = 3;

    private final EntitlementStore store;
    private final EntitlementInputs inputs;
    private final Catalog catalog;
    private final AlertPublisher publisher;
    private final AlertDelivery alerts;
    private final Metrics metrics;

    /**
     * @param store the entitlements table
     * @param alerts the alerts table, where the dunning alerts are recorded
     * @param inputs plan, Stripe features and credit balances
     * @param catalog the validated catalog (features, limits, dunning policies)
     * @param publisher the billing bus ({@link AlertPublisher#RECORD_ONLY} locally)
     * @param metrics where {@link MetricNames#DUNNING_TRANSITIONS} and {@link MetricNames#ALERTS_RAISED} go
     */
    public EntitlementService(EntitlementStore store, AlertStore alerts, EntitlementInputs inputs, Catalog catalog,
                              AlertPublisher publisher, Metrics metrics) {
        this.store = store;
        this.inputs = inputs;
        this.catalog = catalog;
        this.publisher = publisher;
        this.alerts = new AlertDelivery(alerts, publisher, metrics);
        this.metrics = metrics;
    }

    /**
     * The outcome of one update.
     *
     * @param entitlements the account's entitlements after it
     * @param transitions the dunning transitions recorded now (empty on redelivery)
     * @param changed true when the item was written
     */
    public record Update(Entitlements entitlements, List<DunningTransition> transitions, boolean changed) {
    }

    /**
     * Applies an invoice's payment state (payment failed, paid, voided, uncollectible) to its account.
     *
     * @param fact the payments item's state
     * @param now the billing clock, seconds since the epoch
     * @return what changed
     * @throws IllegalStateException when the item kept changing under {@value #ATTEMPTS} attempts (retry later)
     */
    public Update onPayment(PaymentFact fact, long now) {
        return update(fact.accountId(), fact, now);
    }

    /**
     * Re-derives an account's entitlements after a change of its subscription, credit balance or account, and enters
     * any dunning step that is due.
     *
     * @param accountId the account
     * @param now the billing clock, seconds since the epoch
     * @return what changed
     * @throws IllegalStateException when the item kept changing under {@value #ATTEMPTS} attempts (retry later)
     */
    public Update recompute(String accountId, long now) {
        return update(accountId, null, now);
    }

    /**
     * The billing clock: enters the dunning steps due by {@code now}, reading only the accounts with a step due
     * (index {@code by-dunning-due}). One account's failure does not stop the others.
     *
     * @param now the run's time, seconds since the epoch
     * @return the accounts that could not be updated (the run is retried), empty when all were
     */
    public List<String> runClock(long now) {
        List<String> failed = new ArrayList<>();
        for (String account : store.dueBy(now)) {
            try {
                recompute(account, now);
            } catch (RuntimeException e) {
                LOG.warn("dunning step for account {} not applied (retried by the next run): {}", account, e.toString());
                failed.add(account);
            }
        }
        return failed;
    }

    /**
     * What products read: the stored entitlements, or, for a known account whose entitlements were never computed,
     * derived now without writing.
     *
     * @param accountId the account
     * @param now the billing clock, seconds since the epoch
     * @return the entitlements, empty for an account Tally does not know
     */
    public Optional<Entitlements> current(String accountId, long now) {
        Optional<EntitlementRecord> stored = store.find(accountId);
        if (stored.isPresent()) {
            return Optional.of(stored.get().entitlements());
        }
        if (!inputs.accountExists(accountId)) {
            return Optional.empty();
        }
        return Optional.of(derive(accountId, DunningStatus.ACTIVE, null, 0, now));
    }

    private Update update(String accountId, PaymentFact fact, long now) {
        MDC.put("account", accountId);
        try {
            for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
                Optional<Update> done = tryUpdate(accountId, fact, now);
                if (done.isPresent()) {
                    return done.get();
                }
            }
            throw new IllegalStateException("entitlements of " + accountId + " changed " + ATTEMPTS + " times while being updated");
        } finally {
            MDC.remove("account");
        }
    }

    private Optional<Update> tryUpdate(String accountId, PaymentFact fact, long now) {
        Optional<EntitlementRecord> stored = store.find(accountId);
        DunningStatus before = stored.map(EntitlementRecord::dunning).orElse(DunningStatus.ACTIVE);
        Plan plan = inputs.planId(accountId, now).flatMap(catalog::plan).orElse(null);
        DunningPolicy policy = plan == null ? catalog.dunning() : plan.dunning();
        Dunning.Result result = fact == null ? Dunning.clock(policy, before, now) : Dunning.apply(policy, before, fact, now);

        Set<String> recorded = new HashSet<>();
        stored.ifPresent(r -> r.history().forEach(h -> recorded.add(h.causeId())));
        List<DunningTransition> transitions = result.transitions().stream().filter(t -> !recorded.contains(t.causeId())).toList();
        long version = stored.map(EntitlementRecord::version).orElse(0L);
        Long nextStepAt = Dunning.nextStepAt(policy, result.status());
        Entitlements derived = derive(accountId, result.status(), plan, version + 1, now, nextStepAt);

        boolean viewChanged = stored.isEmpty() || !stored.get().entitlements().at(0, 0).equals(derived.at(0, 0));
        boolean statusChanged = !result.status().equals(before);
        if (!viewChanged && !statusChanged && transitions.isEmpty()) {
            stored.ifPresent(this::flush);
            return Optional.of(new Update(stored.get().entitlements(), List.of(), false));
        }
        List<EntitlementRecord.OutboxEvent> outbox = new ArrayList<>(stored.map(EntitlementRecord::outbox).orElse(List.of()));
        List<EntitlementRecord.HistoryEntry> history = new ArrayList<>(stored.map(EntitlementRecord::history).orElse(List.of()));
        for (Dunning.FailedAttempt failure : result.newFailures()) {
            String id = "payment_failed:" + accountId + ":" + failure.stripeInvoiceId() + ":" + failure.attempt();
            outbox.add(event(id, AlertType.PAYMENT_FAILED.detailType(), true, alertDetail(AlertType.PAYMENT_FAILED, id, accountId, failure.at())
                    .put("stripe_invoice_id", failure.stripeInvoiceId()).put("attempt", failure.attempt())
                    .put("failed_at", failure.at())));
        }
        for (DunningTransition t : transitions) {
            history.add(new EntitlementRecord.HistoryEntry(t.at(), t.from().wire(), t.to().wire(), t.cause().wire(), t.causeId(),
                    t.description()));
            String id = "dunning:" + accountId + ":" + t.causeId();
            outbox.add(event(id, ProductEvents.DUNNING_STATE_CHANGED, false,
                    transitionDetail(eventDetail(ProductEvents.DUNNING_STATE_CHANGED, id, accountId, t.at()), t)));
            if (t.to().ordinal() > t.from().ordinal()) {
                String alertId = "dunning_step:" + accountId + ":" + t.causeId();
                outbox.add(event(alertId, AlertType.DUNNING_STEP_REACHED.detailType(), true,
                        transitionDetail(alertDetail(AlertType.DUNNING_STEP_REACHED, alertId, accountId, t.at()), t)));
            }
        }
        if (viewChanged) {
            String id = "entitlements:" + accountId + ":" + derived.version();
            ObjectNode detail = eventDetail(ProductEvents.ENTITLEMENTS_CHANGED, id, accountId, derived.updatedAt())
                    .put("version", derived.version());
            detail.set("entitlements", EntitlementsJson.toNode(derived));
            outbox.add(event(id, ProductEvents.ENTITLEMENTS_CHANGED, false, detail));
        }
        EntitlementRecord next = new EntitlementRecord(derived, result.status(), history, outbox);
        if (!store.save(next, version, nextStepAt)) {
            LOG.info("entitlements of {} changed meanwhile (version {}); re-reading", accountId, version);
            return Optional.empty();
        }
        for (DunningTransition t : transitions) {
            metrics.increment(MetricNames.DUNNING_TRANSITIONS, "to", t.to().wire());
            LOG.info("dunning {} -> {} ({})", t.from().wire(), t.to().wire(), t.causeId());
        }
        flush(next);
        return Optional.of(new Update(derived, transitions, true));
    }

    /**
     * Publishes the outbox in order, then empties it: product events as they are, alerts through the alerts table
     * ({@link AlertDelivery}: one already published is skipped, one left pending is published with its recorded
     * detail).
     */
    private void flush(EntitlementRecord record) {
        if (record.outbox().isEmpty()) {
            return;
        }
        for (EntitlementRecord.OutboxEvent e : record.outbox()) {
            if (e.alert()) {
                AlertType type = AlertType.ofDetailType(e.detailType())
                        .orElseThrow(() -> new IllegalStateException("outbox alert " + e.id() + " has no alert type " + e.detailType()));
                alerts.deliver(new AlertRecord(e.id(), type, record.accountId(), e.detailJson(), raisedAt(e), false));
            } else {
                publisher.publish(e.detailType(), e.detailJson());
            }
        }
        store.clearOutbox(record.accountId(), record.version());
    }

    /** The {@code raised_at} of an outbox event's detail, seconds since the epoch. */
    private static long raisedAt(EntitlementRecord.OutboxEvent e) {
        try {
            return EntitlementsJson.JSON.readTree(e.detailJson()).path("raised_at").asLong();
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("outbox event " + e.id() + " has a detail that is not JSON", ex);
        }
    }

    private Entitlements derive(String accountId, DunningStatus status, Plan plan, long version, long now) {
        Plan current = plan != null ? plan : inputs.planId(accountId, now).flatMap(catalog::plan).orElse(null);
        DunningPolicy policy = current == null ? catalog.dunning() : current.dunning();
        return derive(accountId, status, current, version, now, Dunning.nextStepAt(policy, status));
    }

    private Entitlements derive(String accountId, DunningStatus status, Plan plan, long version, long now, Long nextStepAt) {
        return Entitlements.derive(accountId, plan, inputs.stripeFeatures(accountId), inputs.prepaidMinor(accountId, now),
                status.state(), status.since(), nextStepAt, catalog.dunning(), version, now);
    }

    private static EntitlementRecord.OutboxEvent event(String id, String type, boolean alert, ObjectNode detail) {
        return new EntitlementRecord.OutboxEvent(id, type, detail.toString(), alert);
    }

    /** The fields every alert detail starts with (as {@code AlertService}'s). */
    private static ObjectNode alertDetail(AlertType type, String id, String accountId, long raisedAt) {
        return EntitlementsJson.JSON.createObjectNode().put("schema_version", type.schemaVersion()).put("alert_id", id)
                .put("type", type.detailType()).put("account", accountId).put("raised_at", raisedAt);
    }

    /** The fields every product event detail starts with. */
    private static ObjectNode eventDetail(String type, String id, String accountId, long raisedAt) {
        return EntitlementsJson.JSON.createObjectNode().put("schema_version", ProductEvents.schemaVersion(type)).put("event_id", id)
                .put("type", type).put("account", accountId).put("raised_at", raisedAt);
    }

    private static ObjectNode transitionDetail(ObjectNode detail, DunningTransition t) {
        return detail.put("from", t.from().wire()).put("to", t.to().wire()).put("cause", t.cause().wire())
                .put("cause_id", t.causeId()).put("description", t.description()).put("at", t.at());
    }
}
