package dev.tally.invoice;

import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Meter;
import dev.tally.catalog.MeteredPrice;
import dev.tally.catalog.Plan;
import dev.tally.credit.CreditLedger;
import dev.tally.rating.RatedLine;
import dev.tally.rating.Rater;
import dev.tally.store.CreditEntryItem;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.store.Transactions;
import dev.tally.store.UsageAggregateItem;
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
 *   <li>Close the period (set {@code closed} on its aggregate header), so no usage event can enter it any more;</li>
 *   <li>read the period's aggregates (strongly consistent) and rate each meter with the plan's price;</li>
 *   <li>draw prepaid credits down, up to the subtotal;</li>
 *   <li>in one transaction: put the invoice if absent (its id derives from account and period) together with the
 *       credit drawdown's ledger entry and balance change;</li>
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
    private final Clock clock;

    /**
     * @param tables bound tables
     * @param catalog validated catalog
     * @param clock source of creation times
     */
    public InvoiceService(TallyTables tables, Catalog catalog, Clock clock) {
        this.tables = tables;
        this.catalog = catalog;
        this.ledger = new CreditLedger(tables);
        this.clock = clock;
    }

    /**
     * Invoices the job's period, or finds its invoice already written.
     *
     * @param job the account-period to invoice
     * @return the invoice (new or existing); empty when the period was already invoiced and the cursor moved on
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
        InvoiceItem invoice = existing != null ? existing : write(job, sub, invoiceId);
        advance(sub, job);
        return Optional.of(invoice);
    }

    private InvoiceItem write(InvoiceJob job, SubscriptionItem sub, String invoiceId) {
        Plan plan = catalog.plan(sub.planId)
                .orElseThrow(() -> new IllegalStateException("subscription " + sub.subscriptionId + " is on unknown plan " + sub.planId));
        String periodKey = UsageAggregateItem.periodKey(job.accountId(), job.periodStart());
        closePeriod(periodKey, job);
        List<InvoiceLineItem> lines = rateLines(plan, periodKey);
        long subtotal = lines.stream().mapToLong(l -> l.amountMinor).sum();

        for (int attempt = 1; ; attempt++) {
            long now = clock.instant().getEpochSecond();
            Optional<CreditEntryItem> balance = ledger.balance(job.accountId(), plan.currency());
            long available = balance.map(b -> b.balanceMinor == null ? 0L : b.balanceMinor).orElse(0L);
            long applied = Math.min(Math.max(available, 0L), subtotal);

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
            if (applied > 0) {
                items.addAll(ledger.drawdownItems(job.accountId(), plan.currency(), applied, available, invoiceId, now));
            }
            try {
                tables.client.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(items).build());
                LOG.info("invoice {} written: subtotal={} credits={} total={} {}", invoiceId, subtotal, applied,
                        invoice.totalMinor, plan.currency());
                return invoice;
            } catch (TransactionCanceledException e) {
                if (Transactions.conditionFailed(e, 0)) {
                    return tables.invoices.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(invoiceId)));
                }
                boolean retryable = Transactions.conflict(e) || (applied > 0 && Transactions.conditionFailed(e, 2));
                if (retryable && attempt < RETRIES) {
                    continue;
                }
                throw e;
            }
        }
    }

    private void closePeriod(String periodKey, InvoiceJob job) {
        tables.client.updateItem(UpdateItemRequest.builder()
                .tableName(tables.usageAggregates.tableName())
                .key(Map.of("periodKey", AttributeValue.fromS(periodKey), "meter", AttributeValue.fromS(UsageAggregateItem.PERIOD_HEADER)))
                .updateExpression("SET closed = :t, closedAt = if_not_exists(closedAt, :now), accountId = :a, periodStart = :ps, periodEnd = :pe")
                .expressionAttributeValues(Map.of(
                        ":t", AttributeValue.fromBool(true),
                        ":now", AttributeValue.fromN(Long.toString(clock.instant().getEpochSecond())),
                        ":a", AttributeValue.fromS(job.accountId()),
                        ":ps", AttributeValue.fromN(Long.toString(job.periodStart())),
                        ":pe", AttributeValue.fromN(Long.toString(job.periodEnd()))))
                .build());
    }

    private List<InvoiceLineItem> rateLines(Plan plan, String periodKey) {
        Map<String, UsageAggregateItem> aggregates = new HashMap<>();
        tables.usageAggregates.query(r -> r.consistentRead(true)
                        .queryConditional(QueryConditional.keyEqualTo(Key.builder().partitionValue(periodKey).build())))
                .items().forEach(a -> {
                    if (!UsageAggregateItem.PERIOD_HEADER.equals(a.meter)) {
                        aggregates.put(a.meter, a);
                    }
                });
        List<InvoiceLineItem> lines = new ArrayList<>();
        // Every priced meter gets a line (zero usage shows as zero), in catalog order; usage on a meter the plan does
        // not price is shown at zero so nothing counted disappears from the invoice.
        for (MeteredPrice price : plan.prices()) {
            UsageAggregateItem agg = aggregates.remove(price.meter());
            BigDecimal quantity = agg == null || agg.quantity == null ? BigDecimal.ZERO : agg.quantity;
            RatedLine rated = Rater.rate(price, quantity);
            lines.add(line(price.meter(), rated.quantity(), rated.includedQuantity(), rated.billableQuantity(),
                    rated.amountMinor(), agg, periodKey));
        }
        for (UsageAggregateItem agg : aggregates.values()) {
            BigDecimal q = agg.quantity == null ? BigDecimal.ZERO : agg.quantity;
            lines.add(line(agg.meter, q, BigDecimal.ZERO, BigDecimal.ZERO, 0L, agg, periodKey));
        }
        return lines;
    }

    private InvoiceLineItem line(String meterId, BigDecimal quantity, BigDecimal included, BigDecimal billable,
                                 long amount, UsageAggregateItem agg, String periodKey) {
        Meter meter = catalog.meter(meterId).orElse(new Meter(meterId, meterId, "unit", "sum"));
        InvoiceLineItem line = new InvoiceLineItem();
        line.meter = meterId;
        line.quantity = quantity;
        line.includedQuantity = included;
        line.billableQuantity = billable;
        line.amountMinor = amount;
        line.usageEventCount = agg == null || agg.eventCount == null ? 0L : agg.eventCount;
        line.aggregateKey = periodKey + "#" + meterId;
        line.description = meter.displayName() + ": " + quantity.toPlainString() + " " + meter.unit()
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
