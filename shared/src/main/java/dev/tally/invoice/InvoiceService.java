package dev.tally.invoice;

import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Catalog;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.Drawdown;
import dev.tally.invoice.InvoiceStore.FinalizeOutcome;
import dev.tally.logging.LogContext;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.Metrics;
import dev.tally.store.PhaseItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.subscription.Phase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Invoices one subscription's billing period, exactly once.
 *
 * <p>Steps, each safe to repeat after a crash between any two writes, or to race with a second delivery of the job:
 * <ol>
 *   <li>refuse a period that has not ended, plus the grace period for late usage;</li>
 *   <li>open a draft attempt ({@link InvoiceStore#beginDraft}; the id derives from subscription and period, so there
 *       is one invoice per subscription-period, several subscriptions of one account included); a finalized invoice
 *       only has step 6 left;</li>
 *   <li>compute the lines from the subscription's phases ({@link InvoiceCalculator}); a deterministic failure (a bad
 *       value, an overflow) is recorded on the draft, which stays visible as a failed draft
 *       ({@link InvoiceStore#failedDrafts}), and the job ends without blocking anything else;</li>
 *   <li>write the attempt's lines;</li>
 *   <li>draw prepaid credits from the grants applicable now, up to the subtotal ({@link CreditLedger#planDrawdown}:
 *       priority, then soonest expiry), and finalize: header {@code open}, one credit line per grant drawn and the
 *       ledger entries in one transaction, only if no other attempt started meanwhile and every grant still has what
 *       was planned (else planned again);</li>
 *   <li>advance the subscription's billing cursor past the period, on condition it still points at it.</li>
 * </ol>
 */
public final class InvoiceService {
    private static final Logger LOG = LoggerFactory.getLogger(InvoiceService.class);
    /** Attempts when a concurrent write changed what a step read (credit balance, subscription version). */
    private static final int RETRIES = 5;
    /** Usage is read again for earlier periods up to this long after the window, for the usage stream's delay. */
    private static final long STREAM_MARGIN_SECONDS = 86_400;

    private final TallyTables tables;
    private final InvoiceStore store;
    private final InvoiceCalculator calculator;
    private final CreditLedger ledger;
    private final Catalog catalog;
    private final Clock clock;
    private final long gracePeriodSeconds;
    private final long backdatingWindowSeconds;
    private final Metrics metrics;

    /**
     * @param tables bound tables (subscriptions, credits)
     * @param store where invoices live
     * @param calculator computes lines
     * @param catalog validated catalog
     * @param clock source of creation and finalization times
     * @param gracePeriodSeconds how long after a period's end usage for it still counts on its own invoice
     * @param backdatingWindowSeconds how old usage may be when it arrives (usage-ingest's window): earlier invoices
     *                                are re-read for late usage as long as usage for their period can still arrive
     * @param metrics receives, when an invoice is finalized, {@link MetricNames#INVOICES_FINALIZED},
     *                {@link MetricNames#AMOUNT_BILLED} (its total), {@link MetricNames#CREDIT_DRAWDOWN} and
     *                {@link MetricNames#LATE_ADJUSTMENTS} (its adjustment lines), all by {@code currency}; and
     *                {@link MetricNames#INVOICE_FAILURES} when a draft cannot be rated
     */
    public InvoiceService(TallyTables tables, InvoiceStore store, InvoiceCalculator calculator, Catalog catalog, Clock clock,
                          long gracePeriodSeconds, long backdatingWindowSeconds, Metrics metrics) {
        this.tables = tables;
        this.store = store;
        this.calculator = calculator;
        this.ledger = new CreditLedger(tables.creditStore());
        this.catalog = catalog;
        this.clock = clock;
        this.gracePeriodSeconds = gracePeriodSeconds;
        this.backdatingWindowSeconds = backdatingWindowSeconds;
        this.metrics = metrics;
    }

    /**
     * Invoices the job's period, or finds its invoice already finalized.
     *
     * @param job the subscription-period to invoice
     * @return the invoice (finalized, or a draft whose rating failed); empty when the period was already invoiced and
     *         the cursor moved on, or has not ended yet
     * @throws IllegalStateException if the subscription is unknown (the job is retried, then dead-lettered)
     * @throws ConcurrentAttemptException if another attempt on the same invoice is under way (transient: retried)
     */
    public Optional<Invoice> invoice(InvoiceJob job) {
        try (LogContext.Scope ignored = LogContext.with(LogContext.ACCOUNT, job.accountId(),
                LogContext.INVOICE_ID, Invoice.idFor(job.subscriptionId(), job.periodStart()))) {
            LOG.info("invoice job: period {}..{} of {}", job.periodStart(), job.periodEnd(), job.subscriptionId());
            return invoiceInContext(job);
        }
    }

    private Optional<Invoice> invoiceInContext(InvoiceJob job) {
        SubscriptionItem sub = Optional.ofNullable(tables.subscriptions.getItem(r -> r.consistentRead(true)
                        .key(k -> k.partitionValue(job.subscriptionId()))))
                .orElseThrow(() -> new IllegalStateException("unknown subscription " + job.subscriptionId()));
        String invoiceId = Invoice.idFor(job.subscriptionId(), job.periodStart());
        Optional<Invoice> existing = store.find(invoiceId);
        if (existing.isPresent() && existing.get().status().finalized()) {
            advance(sub, job);
            return existing;
        }
        if (existing.isEmpty() && sub.periodStart != null && sub.periodStart > job.periodStart()) {
            LOG.info("period {} of {} was already invoiced; nothing to do", job.periodStart(), job.subscriptionId());
            return Optional.empty();
        }
        long now = clock.instant().getEpochSecond();
        if (now < job.periodEnd() + gracePeriodSeconds) {
            LOG.warn("period {}..{} of {} is not closed until {} (grace {} s); refused", job.periodStart(), job.periodEnd(),
                    job.subscriptionId(), job.periodEnd() + gracePeriodSeconds, gracePeriodSeconds);
            return Optional.empty();
        }
        Optional<Invoice> invoice = compute(job, sub, invoiceId, now);
        advance(sub, job);
        return invoice;
    }

    /**
     * The invoice the period would get if it closed now, computed and not stored ({@code tally invoices preview}).
     *
     * @param subscriptionId the subscription
     * @return the draft for its open period, credits not drawn; empty when nothing is left to invoice
     * @throws IllegalStateException if the subscription is unknown
     */
    public Optional<Invoice> preview(String subscriptionId) {
        SubscriptionItem sub = Optional.ofNullable(tables.subscriptions.getItem(r -> r.consistentRead(true)
                        .key(k -> k.partitionValue(subscriptionId))))
                .orElseThrow(() -> new IllegalStateException("unknown subscription " + subscriptionId));
        if (sub.periodStart == null || sub.periodEnd == null) {
            return Optional.empty();
        }
        long now = clock.instant().getEpochSecond();
        InvoiceJob job = new InvoiceJob(sub.subscriptionId, sub.accountId, sub.periodStart, sub.periodEnd);
        List<InvoiceLine> lines = calculator.lines(request(job, sub, now));
        long subtotal = lines.stream().mapToLong(InvoiceLine::amountMinor).sum();
        return Optional.of(new Invoice(Invoice.idFor(sub.subscriptionId, sub.periodStart), sub.accountId, sub.accountId,
                sub.subscriptionId, sub.periodStart, sub.periodEnd, sub.currency, InvoiceStatus.DRAFT, lines, subtotal, 0,
                subtotal, catalog.version(), now, null, null));
    }

    private Optional<Invoice> compute(InvoiceJob job, SubscriptionItem sub, String invoiceId, long now) {
        Invoice header = new Invoice(invoiceId, job.accountId(), job.accountId(), job.subscriptionId(), job.periodStart(),
                job.periodEnd(), sub.currency, InvoiceStatus.DRAFT, List.of(), 0, 0, 0, catalog.version(), now, null, null);
        var attempt = store.beginDraft(header);
        if (attempt.isEmpty()) {
            return store.find(invoiceId);
        }
        List<InvoiceLine> lines;
        try {
            lines = calculator.lines(request(job, sub, now));
        } catch (ArithmeticException | IllegalArgumentException | IllegalStateException e) {
            // Deterministic: the same inputs fail the same way. Visible, never retried, blocks nothing else.
            String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.error("invoice {} could not be rated and stays a draft: {}", invoiceId, reason);
            store.recordFailure(invoiceId, reason);
            metrics.increment(MetricNames.INVOICE_FAILURES);
            return store.find(invoiceId);
        }
        store.writeLines(invoiceId, attempt.getAsLong(), lines);
        long subtotal = lines.stream().mapToLong(InvoiceLine::amountMinor).sum();
        for (int tries = 1; ; tries++) {
            long finalizedAt = clock.instant().getEpochSecond();
            Drawdown drawdown = ledger.planDrawdown(job.accountId(), sub.currency, Math.max(subtotal, 0L), invoiceId, finalizedAt);
            long applied = drawdown.appliedMinor();
            List<InvoiceLine> all = new ArrayList<>(lines);
            for (Drawdown.CreditLine credit : drawdown.invoiceLines()) {
                all.add(new InvoiceLine(credit.lineId(), LineType.CREDIT, null, null, job.periodStart(), job.periodEnd(),
                        BigDecimal.ONE, BigDecimal.ZERO, BigDecimal.ONE, credit.amountMinor(), credit.description(), null, null));
            }
            Invoice open = new Invoice(invoiceId, job.accountId(), job.accountId(), job.subscriptionId(), job.periodStart(),
                    job.periodEnd(), sub.currency, InvoiceStatus.OPEN, all, subtotal, applied, subtotal - applied,
                    catalog.version(), header.createdAt(), finalizedAt, null);
            FinalizeOutcome outcome = store.finalizeDraft(open, attempt.getAsLong(), drawdown);
            switch (outcome) {
                case FINALIZED -> {
                    LOG.info("invoice {} finalized: {} lines, subtotal={} credits={} total={} {}", invoiceId, all.size(),
                            subtotal, applied, open.totalMinor(), sub.currency);
                    count(open);
                    return Optional.of(open);
                }
                case SUPERSEDED -> {
                    Optional<Invoice> now2 = store.find(invoiceId);
                    if (now2.isPresent() && now2.get().status().finalized()) {
                        return now2;
                    }
                    throw new ConcurrentAttemptException("invoice " + invoiceId + " is being computed by another attempt");
                }
                case CREDITS_CHANGED -> {
                    if (tries >= RETRIES) {
                        throw new ConcurrentAttemptException("credit grants of " + job.accountId() + " kept changing");
                    }
                }
            }
        }
    }

    private void count(Invoice finalized) {
        Map<String, String> currency = Map.of("currency", finalized.currency());
        metrics.add(MetricNames.INVOICES_FINALIZED, 1, currency);
        metrics.add(MetricNames.AMOUNT_BILLED, finalized.totalMinor(), currency);
        if (finalized.creditsAppliedMinor() != 0) {
            metrics.add(MetricNames.CREDIT_DRAWDOWN, finalized.creditsAppliedMinor(), currency);
        }
        long adjustments = finalized.lines().stream().filter(l -> l.type() == LineType.ADJUSTMENT).count();
        if (adjustments > 0) {
            metrics.add(MetricNames.LATE_ADJUSTMENTS, adjustments, currency);
        }
    }

    private InvoiceCalculator.Request request(InvoiceJob job, SubscriptionItem sub, long now) {
        BillingPeriod full = BillingPeriod.containing(sub.billingAnchor, sub.interval, sub.intervalCount, job.periodStart());
        BillingPeriod next = full.next(sub.billingAnchor, sub.interval, sub.intervalCount);
        List<Phase> phases = PhaseItem.toDomain(sub.phases);
        if (phases.isEmpty() && sub.planId != null) {  // a subscription recorded before phases existed: one phase
            phases = List.of(new Phase(sub.planId, 1, sub.createdAt == null ? job.periodStart() : sub.createdAt, sub.endedAt));
        }
        long periodLength = full.end() - full.start();
        long cutoff = now - backdatingWindowSeconds - STREAM_MARGIN_SECONDS;
        List<Invoice> earlier = store.ofAccount(job.accountId(),
                        Math.min(job.periodStart() - periodLength - 1, cutoff - periodLength), job.periodStart()).stream()
                .filter(i -> job.subscriptionId().equals(i.subscriptionId()) && i.status().finalized())
                .filter(i -> i.periodEnd() > cutoff || i.periodEnd() >= job.periodStart())
                .toList();
        return new InvoiceCalculator.Request(job.accountId(), job.subscriptionId(), phases, job.periodStart(), full.end(),
                sub.endedAt, sub.cancelAt, next.end(), earlier, sub.stripePriceIds, claims(sub));
    }

    /**
     * What the account's other subscriptions bill: each phase of a subscription that started before this one (ties:
     * the smaller id) claims the meters its plan prices, for the phase's time. Reads the account's partition of the
     * subscriptions' {@code by-account} index.
     */
    private List<InvoiceCalculator.Claim> claims(SubscriptionItem sub) {
        List<InvoiceCalculator.Claim> claims = new ArrayList<>();
        long started = sub.createdAt == null ? Long.MAX_VALUE : sub.createdAt;
        tables.subscriptions.index(dev.tally.store.Indexes.BY_ACCOUNT)
                .query(r -> r.queryConditional(software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional
                        .keyEqualTo(k -> k.partitionValue(sub.accountId))))
                .stream().flatMap(p -> p.items().stream())
                .filter(o -> !o.subscriptionId.equals(sub.subscriptionId))
                .filter(o -> {
                    long otherStarted = o.createdAt == null ? Long.MAX_VALUE : o.createdAt;
                    return otherStarted < started || otherStarted == started && o.subscriptionId.compareTo(sub.subscriptionId) < 0;
                })
                .forEach(o -> {
                    List<Phase> phases = PhaseItem.toDomain(o.phases);
                    if (phases.isEmpty() && o.planId != null && o.createdAt != null) {
                        phases = List.of(new Phase(o.planId, 1, o.createdAt, o.endedAt));
                    }
                    for (Phase phase : phases) {
                        catalog.plan(phase.planId()).ifPresent(plan -> plan.usagePrices().stream()
                                .map(u -> u.price().meter()).distinct()
                                .forEach(meter -> claims.add(new InvoiceCalculator.Claim(o.subscriptionId, meter,
                                        phase.from(), phase.to() == null ? Long.MAX_VALUE : phase.to()))));
                    }
                });
        return claims;
    }

    /**
     * Moves the subscription's cursor past the job's period. Re-reads the subscription and writes on its version, so a
     * webhook that changed it meanwhile (a cancellation cutting the period short) is taken into account, not undone.
     */
    private void advance(SubscriptionItem read, InvoiceJob job) {
        SubscriptionItem sub = read;
        for (int attempt = 1; ; attempt++) {
            if (sub == null || sub.periodStart == null || sub.periodStart != job.periodStart()) {
                LOG.info("billing cursor of {} already moved past {}", job.subscriptionId(), job.periodStart());
                return;
            }
            try {
                advanceOnce(sub, job);
                return;
            } catch (ConditionalCheckFailedException e) {
                if (attempt >= RETRIES) {
                    throw e;
                }
                sub = tables.subscriptions.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(job.subscriptionId())));
            }
        }
    }

    private void advanceOnce(SubscriptionItem sub, InvoiceJob job) {
        BillingPeriod next = BillingPeriod.containing(sub.billingAnchor, sub.interval, sub.intervalCount, job.periodStart())
                .next(sub.billingAnchor, sub.interval, sub.intervalCount);
        boolean finished = sub.endedAt != null && sub.endedAt <= job.periodEnd();
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":job", AttributeValue.fromN(Long.toString(job.periodStart())),
                ":ps", AttributeValue.fromN(Long.toString(next.start())),
                ":one", AttributeValue.fromN("1")));
        String expression;
        if (finished) {
            // The last period may be cut short (endedAt inside it): everything before the end is invoiced, so the
            // cursor moves to the end and the subscription leaves the billing run's work list.
            values.put(":ps", AttributeValue.fromN(Long.toString(job.periodEnd())));
            expression = "SET periodStart = :ps ADD version :one REMOVE billingState, periodEnd";
        } else {
            long nextEnd = sub.endedAt != null ? Math.min(next.end(), sub.endedAt) : next.end();
            values.put(":pe", AttributeValue.fromN(Long.toString(nextEnd)));
            expression = "SET periodStart = :ps, periodEnd = :pe ADD version :one";
        }
        String condition = "periodStart = :job";
        if (sub.version != null) {
            condition += " AND version = :v";
            values.put(":v", AttributeValue.fromN(sub.version.toString()));
        }
        tables.client.updateItem(UpdateItemRequest.builder()
                .tableName(tables.subscriptions.tableName())
                .key(Map.of("subscriptionId", AttributeValue.fromS(sub.subscriptionId)))
                .updateExpression(expression)
                .conditionExpression(condition)
                .expressionAttributeValues(values)
                .build());
    }

    /** Another attempt on the same invoice is under way, or a balance kept changing: transient, retry the job. */
    public static final class ConcurrentAttemptException extends RuntimeException {
        /** @param message what was found */
        public ConcurrentAttemptException(String message) {
            super(message);
        }
    }
}
