package dev.tally.invoice;

import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Meter;
import dev.tally.catalog.MeteredPrice;
import dev.tally.catalog.Plan;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.Drawdown;
import dev.tally.credit.DynamoDbCreditStore;
import dev.tally.rating.RatedLine;
import dev.tally.rating.Rater;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.store.Transactions;
import dev.tally.store.Indexes;
import dev.tally.usage.MeterValue;
import dev.tally.usage.UsageKeys;
import dev.tally.usage.UsageQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
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
 * <p>Steps, each safe to repeat after a crash or a redelivered job:
 * <ol>
 *   <li>refuse a period that has not ended yet;</li>
 *   <li>read each priced meter's usage in {@code [periodStart, periodEnd)} from the usage model ({@link UsageQuery}:
 *       hourly buckets, and the events of the partial hours at the edges) and rate it with the plan's price;</li>
 *   <li>for each earlier invoice of the subscription whose period could still receive usage (inside the backdating
 *       window), read that period's usage again; what arrived since it was invoiced becomes an adjustment line,
 *       "usage for &lt;period&gt; received after invoicing", rated as the difference between the price of the new
 *       total and the price of what was billed, so the two invoices together equal one invoice with all the usage,
 *       tiers and included quantities included;</li>
 *   <li>draw prepaid credits down, up to the subtotal, from the credit grants applicable now ({@link CreditLedger#planDrawdown});</li>
 *   <li>in one transaction: put the invoice if absent (its id derives from account and period) together with the
 *       drawdown's ledger entries and grant updates (each on the grant's remaining amount as read: re-planned if it changed);</li>
 *   <li>advance the subscription's billing cursor to the next period, on condition it still points at this one.</li>
 * </ol>
 * A repeated job finds the invoice present and only finishes step 5.
 */
public final class InvoiceService {
    private static final Logger LOG = LoggerFactory.getLogger(InvoiceService.class);
    /** Attempts when a concurrent write changed what a step read (credit balance, subscription version). */
    private static final int RETRIES = 5;

    private final TallyTables tables;
    private final Catalog catalog;
    private final CreditLedger ledger;
    private final DynamoDbCreditStore credits;
    private final UsageQuery usage;
    private final Clock clock;
    private final long backdatingWindowSeconds;

    /**
     * @param tables bound tables
     * @param usage the usage model's read side
     * @param catalog validated catalog
     * @param clock source of creation times
     * @param backdatingWindowSeconds how old usage may be when it arrives (usage-ingest's window): earlier invoices
     *                                are re-read for late usage as long as usage for their period can still arrive
     */
    public InvoiceService(TallyTables tables, UsageQuery usage, Catalog catalog, Clock clock, long backdatingWindowSeconds) {
        this.tables = tables;
        this.catalog = catalog;
        this.credits = tables.creditStore();
        this.ledger = new CreditLedger(credits);
        this.usage = usage;
        this.clock = clock;
        this.backdatingWindowSeconds = backdatingWindowSeconds;
    }

    /**
     * Invoices the job's period, or finds its invoice already written.
     *
     * @param job the account-period to invoice
     * @return the invoice (new or existing); empty when the period was already invoiced and the cursor moved on, or
     *         has not ended yet
     * @throws IllegalStateException if the subscription or its plan is unknown (the job goes to the DLQ after retries)
     */
    public Optional<InvoiceItem> invoice(InvoiceJob job) {
        SubscriptionItem sub = Optional.ofNullable(tables.subscriptions.getItem(r -> r.consistentRead(true)
                        .key(k -> k.partitionValue(job.subscriptionId()))))
                .orElseThrow(() -> new IllegalStateException("unknown subscription " + job.subscriptionId()));
        String invoiceId = InvoiceItem.invoiceId(job.accountId(), job.periodStart());
        InvoiceItem existing = tables.invoices.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(invoiceId)));
        if (existing == null && sub.periodStart != null && sub.periodStart > job.periodStart()) {
            LOG.info("period {} of {} was already invoiced; nothing to do", job.periodStart(), job.subscriptionId());
            return Optional.empty();
        }
        if (existing == null && clock.instant().getEpochSecond() < job.periodEnd()) {
            LOG.warn("period {}..{} of {} has not ended yet; not invoiced", job.periodStart(), job.periodEnd(), job.subscriptionId());
            return Optional.empty();
        }
        InvoiceItem invoice = existing != null ? existing : write(job, sub, invoiceId);
        advance(sub, job);
        return Optional.of(invoice);
    }

    private InvoiceItem write(InvoiceJob job, SubscriptionItem sub, String invoiceId) {
        Plan plan = catalog.plan(sub.planId)
                .orElseThrow(() -> new IllegalStateException("subscription " + sub.subscriptionId + " is on unknown plan " + sub.planId));
        List<InvoiceLineItem> lines = rateLines(plan, job);
        lines.addAll(adjustments(job, plan));
        long subtotal = lines.stream().mapToLong(l -> l.amountMinor).sum();

        for (int attempt = 1; ; attempt++) {
            long now = clock.instant().getEpochSecond();
            Drawdown drawdown = ledger.planDrawdown(job.accountId(), plan.currency(), subtotal, invoiceId, now);
            long applied = drawdown.appliedMinor();

            InvoiceItem invoice = new InvoiceItem();
            invoice.invoiceId = invoiceId;
            invoice.accountId = job.accountId();
            invoice.subscriptionId = job.subscriptionId();
            invoice.planId = plan.id();
            invoice.periodStart = job.periodStart();
            invoice.periodEnd = job.periodEnd();
            invoice.currency = plan.currency();
            invoice.lines = lines;
            invoice.subtotalMinor = subtotal;
            invoice.creditsAppliedMinor = applied;
            invoice.totalMinor = subtotal - applied;
            invoice.catalogVersion = catalog.version();
            invoice.createdAt = now;

            List<TransactWriteItem> items = new ArrayList<>();
            items.add(TransactWriteItem.builder().put(Put.builder()
                    .tableName(tables.invoices.tableName())
                    .item(InvoiceItem.SCHEMA.itemToMap(invoice, true))
                    .conditionExpression("attribute_not_exists(invoiceId)").build()).build());
            items.addAll(credits.drawdownItems(drawdown));
            try {
                tables.client.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(items).build());
                LOG.info("invoice {} written: subtotal={} credits={} total={} {}", invoiceId, subtotal, applied,
                        invoice.totalMinor, plan.currency());
                return invoice;
            } catch (TransactionCanceledException e) {
                if (Transactions.conditionFailed(e, 0)) {
                    return tables.invoices.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(invoiceId)));
                }
                boolean retryable = Transactions.conflict(e) || Transactions.conditionFailedFrom(e, 1);
                if (retryable && attempt < RETRIES) {
                    continue;
                }
                throw e;
            }
        }
    }

    private List<InvoiceLineItem> rateLines(Plan plan, InvoiceJob job) {
        List<InvoiceLineItem> lines = new ArrayList<>();
        // Every priced meter gets a line (zero usage shows as zero), in catalog order; usage on a meter the plan does
        // not price is shown at zero so nothing counted disappears from the invoice.
        for (MeteredPrice price : plan.prices()) {
            MeterValue value = usage.value(job.accountId(), price.meter(), job.periodStart(), job.periodEnd(), d -> true);
            RatedLine rated = Rater.rate(price, value.quantity(usage.aggregationOf(price.meter())));
            lines.add(line(InvoiceLineItem.USAGE, "usage:" + price.meter(), price.meter(), rated.quantity(),
                    rated.includedQuantity(), rated.billableQuantity(), rated.amountMinor(), value.count(), job));
        }
        for (Meter meter : catalog.meters().values()) {
            if (plan.priceFor(meter.id()).isEmpty()) {
                MeterValue value = usage.value(job.accountId(), meter.id(), job.periodStart(), job.periodEnd(), d -> true);
                if (value.count() > 0) {
                    lines.add(line(InvoiceLineItem.USAGE, "usage:" + meter.id(), meter.id(), value.quantity(meter.aggregation()),
                            BigDecimal.ZERO, BigDecimal.ZERO, 0L, value.count(), job));
                }
            }
        }
        return lines;
    }

    /**
     * Adjustment lines for usage that reached earlier periods of this subscription after they were invoiced. The
     * earlier invoices looked at are those whose period ends after the last invoice's creation less the backdating
     * window (and a day's margin for the usage stream): usage for an older period was already too old to be accepted
     * when that invoice was written, so it was seen there.
     */
    private List<InvoiceLineItem> adjustments(InvoiceJob job, Plan plan) {
        List<InvoiceItem> earlier = new ArrayList<>();
        tables.invoices.index(Indexes.BY_ACCOUNT).query(r -> r.queryConditional(QueryConditional.sortLessThan(
                        Key.builder().partitionValue(job.accountId()).sortValue(job.periodStart()).build())))
                .stream().flatMap(p -> p.items().stream())
                .filter(i -> job.subscriptionId().equals(i.subscriptionId))
                .forEach(earlier::add);
        if (earlier.isEmpty()) {
            return List.of();
        }
        long lastCreated = earlier.stream().mapToLong(i -> i.createdAt == null ? 0 : i.createdAt).max().orElse(0);
        long cutoff = lastCreated - backdatingWindowSeconds - 86_400;
        List<InvoiceLineItem> lines = new ArrayList<>();
        for (InvoiceItem before : earlier) {
            if (before.periodEnd == null || before.periodEnd <= cutoff || before.lines == null || !plan.currency().equals(before.currency)) {
                continue;
            }
            Plan billedPlan = catalog.plan(before.planId).orElse(plan);
            for (InvoiceLineItem billedLine : before.lines) {
                if (!InvoiceLineItem.USAGE.equals(billedLine.type) && billedLine.type != null) {
                    continue;
                }
                Optional<MeteredPrice> price = billedPlan.priceFor(billedLine.meter);
                if (price.isEmpty()) {
                    continue;
                }
                // What was billed for this period and meter: the line, plus adjustments already made on later invoices.
                BigDecimal billed = billedLine.quantity;
                long billedEvents = billedLine.usageEventCount == null ? 0 : billedLine.usageEventCount;
                for (InvoiceItem later : earlier) {
                    for (InvoiceLineItem l : later.lines == null ? List.<InvoiceLineItem>of() : later.lines) {
                        if (InvoiceLineItem.ADJUSTMENT.equals(l.type) && before.invoiceId.equals(l.adjustsInvoiceId)
                                && billedLine.meter.equals(l.meter)) {
                            billed = billed.add(l.quantity);
                            billedEvents += l.usageEventCount == null ? 0 : l.usageEventCount;
                        }
                    }
                }
                MeterValue now = usage.value(job.accountId(), billedLine.meter, before.periodStart, before.periodEnd, d -> true);
                BigDecimal quantity = now.quantity(usage.aggregationOf(billedLine.meter));
                if (quantity.compareTo(billed) == 0 && now.count() == billedEvents) {
                    continue;
                }
                RatedLine full = Rater.rate(price.get(), quantity);
                RatedLine already = Rater.rate(price.get(), billed);
                InvoiceLineItem line = line(InvoiceLineItem.ADJUSTMENT, "adjustment:" + before.invoiceId + ":" + billedLine.meter,
                        billedLine.meter, quantity.subtract(billed), full.includedQuantity().subtract(already.includedQuantity()),
                        full.billableQuantity().subtract(already.billableQuantity()),
                        full.amountMinor() - already.amountMinor(), now.count() - billedEvents,
                        new InvoiceJob(job.subscriptionId(), job.accountId(), before.periodStart, before.periodEnd));
                line.adjustsInvoiceId = before.invoiceId;
                line.description = "Usage for " + describe(before.periodStart, before.periodEnd)
                        + " received after invoicing: " + line.description;
                lines.add(line);
                LOG.info("adjustment for {} {}: quantity {} -> {}, amount {}", before.invoiceId, billedLine.meter, billed,
                        quantity, line.amountMinor);
            }
        }
        return lines;
    }

    /** @return {@code 2026-02-01T00:00:00Z to 2026-03-01T00:00:00Z}, a period as ISO-8601 UTC instants */
    private static String describe(long start, long end) {
        return java.time.Instant.ofEpochSecond(start) + " to " + java.time.Instant.ofEpochSecond(end);
    }

    private InvoiceLineItem line(String type, String lineId, String meterId, BigDecimal quantity, BigDecimal included,
                                 BigDecimal billable, long amount, long events, InvoiceJob period) {
        Meter meter = catalog.meter(meterId).orElse(Meter.sum(meterId, meterId, "unit"));
        InvoiceLineItem line = new InvoiceLineItem();
        line.lineId = lineId;
        line.type = type;
        line.meter = meterId;
        line.periodStart = period.periodStart();
        line.periodEnd = period.periodEnd();
        line.quantity = quantity;
        line.includedQuantity = included;
        line.billableQuantity = billable;
        line.amountMinor = amount;
        line.usageEventCount = events;
        line.seriesKey = UsageKeys.seriesKey(period.accountId(), meterId);
        line.description = meter.displayName() + ": " + quantity.toPlainString() + " "
                + (quantity.compareTo(BigDecimal.ONE) == 0 ? meter.unit() : meter.unit() + "s")
                + (included.signum() > 0 ? " (" + included.toPlainString() + " included)" : "");
        return line;
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
        BillingPeriod next = new BillingPeriod(job.periodStart(), job.periodEnd()).next(sub.billingAnchor, sub.interval, sub.intervalCount);
        boolean finished = sub.endedAt != null && sub.endedAt <= job.periodEnd();
        Map<String, AttributeValue> values = new HashMap<>(Map.of(
                ":job", AttributeValue.fromN(Long.toString(job.periodStart())),
                ":ps", AttributeValue.fromN(Long.toString(next.start())),
                ":one", AttributeValue.fromN("1")));
        String expression;
        if (finished) {
            // The last period may be cut short (endedAt inside it): next.start() would then be this very period's
            // start, the cursor would not move and every redelivered job would pass the condition and bump the
            // version again. Everything before the end is invoiced, so the cursor moves to the end.
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
}
