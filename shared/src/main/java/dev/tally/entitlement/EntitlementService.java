package dev.tally.entitlement;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.alerts.AlertPublisher;
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
 * nothing. A crash after the write publishes on the next call for the account (events at least once, each with its
 * {@code event_id}); an alert already in the alerts table is not published again. Events on the billing bus:
 * <ul>
 *   <li>{@code entitlements.changed}: {@code event_id, account, version, entitlements} ({@link EntitlementsJson});</li>
 *   <li>{@code dunning.state_changed}: {@code event_id, account, from, to, cause, cause_id, description, at};</li>
 *   <li>alerts, also recorded in the alerts table: {@code payment.failed} ({@code stripe_invoice_id, attempt,
 *       failed_at}) per failed attempt, and {@code dunning.step_reached} per escalation.</li>
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
    private final Metrics metrics;

    /**
     * @param store the entitlements table
     * @param inputs plan, Stripe features and credit balances
     * @param catalog the validated catalog (features, limits, dunning policies)
     * @param publisher the billing bus ({@link AlertPublisher#RECORD_ONLY} locally)
     * @param metrics where {@link MetricNames#DUNNING_TRANSITIONS} goes
     */
    public EntitlementService(EntitlementStore store, EntitlementInputs inputs, Catalog catalog, AlertPublisher publisher,
                              Metrics metrics) {
        this.store = store;
        this.inputs = inputs;
        this.catalog = catalog;
        this.publisher = publisher;
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
            outbox.add(event(id, "payment.failed", true, detail(id, "payment.failed", accountId)
                    .put("stripe_invoice_id", failure.stripeInvoiceId()).put("attempt", failure.attempt())
                    .put("failed_at", failure.at())));
        }
        for (DunningTransition t : transitions) {
            history.add(new EntitlementRecord.HistoryEntry(t.at(), t.from().wire(), t.to().wire(), t.cause().wire(), t.causeId(),
                    t.description()));
            String id = "dunning:" + accountId + ":" + t.causeId();
            outbox.add(event(id, "dunning.state_changed", false, transitionDetail(id, "dunning.state_changed", accountId, t)));
            if (t.to().ordinal() > t.from().ordinal()) {
                String alertId = "dunning_step:" + accountId + ":" + t.causeId();
                outbox.add(event(alertId, "dunning.step_reached", true, transitionDetail(alertId, "dunning.step_reached", accountId, t)));
            }
        }
        if (viewChanged) {
            String id = "entitlements:" + accountId + ":" + derived.version();
            ObjectNode detail = detail(id, "entitlements.changed", accountId).put("version", derived.version());
            detail.set("entitlements", EntitlementsJson.toNode(derived));
            outbox.add(event(id, "entitlements.changed", false, detail));
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

    /** Publishes the outbox in order (alerts already recorded are skipped), then empties it. */
    private void flush(EntitlementRecord record) {
        if (record.outbox().isEmpty()) {
            return;
        }
        for (EntitlementRecord.OutboxEvent e : record.outbox()) {
            if (e.alert() && store.alertRecorded(e.id())) {
                continue;
            }
            publisher.publish(e.detailType(), e.detailJson());
            if (e.alert()) {
                store.recordAlert(e.id(), e.detailType(), record.accountId(), e.detailJson(), record.entitlements().updatedAt());
                metrics.increment(MetricNames.ALERTS_RAISED, "type", e.detailType());
            }
        }
        store.clearOutbox(record.accountId(), record.version());
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

    private static ObjectNode detail(String id, String type, String accountId) {
        ObjectNode d = EntitlementsJson.JSON.createObjectNode().put("event_id", id).put("type", type).put("account", accountId);
        if (type.equals("payment.failed") || type.equals("dunning.step_reached")) {
            d.put("alert_id", id);
        }
        return d;
    }

    private static ObjectNode transitionDetail(String id, String type, String accountId, DunningTransition t) {
        return detail(id, type, accountId).put("from", t.from().wire()).put("to", t.to().wire()).put("cause", t.cause().wire())
                .put("cause_id", t.causeId()).put("description", t.description()).put("at", t.at());
    }
}
