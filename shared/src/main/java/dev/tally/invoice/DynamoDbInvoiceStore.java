package dev.tally.invoice;

import dev.tally.credit.Drawdown;
import dev.tally.credit.DynamoDbCreditStore;
import dev.tally.payment.InvoicePayment;
import dev.tally.payment.PaymentState;
import dev.tally.store.Backoff;
import dev.tally.store.Indexes;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import dev.tally.store.TallyTables;
import dev.tally.store.Transactions;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * {@link InvoiceStore} on two DynamoDB tables: invoices (one header item per invoice, {@link InvoiceItem}) and
 * invoice-lines (one item per line and attempt, {@link InvoiceLineItem}).
 *
 * <p>Writes, and why each is safe to repeat or race:
 * <ol>
 *   <li>{@link #beginDraft}: {@code PutItem} of the header if absent (status {@code draft}, attempt 1); if present and
 *       still a draft, {@code UpdateItem ADD linesVersion 1} on condition {@code status = draft}. Every attempt thus
 *       gets its own number.</li>
 *   <li>{@link #writeLines}: {@code BatchWriteItem}s of the attempt's lines under keys {@code <attempt>#<line id>}
 *       (25 per request, unprocessed items retried with backoff). Other attempts' lines are untouched.</li>
 *   <li>{@link #finalizeDraft}: one transaction: the header's update to {@code open} with totals, on condition
 *       {@code status = draft AND linesVersion = attempt}; the credit lines; the ledger entries of the credits drawn
 *       and their grants' new remaining amounts, each on condition the grant still has what the plan read. A concurrent attempt makes the first condition
 *       fail ({@code SUPERSEDED}); a concurrent change of a grant the others ({@code CREDITS_CHANGED}).</li>
 * </ol>
 * Readers take the lines of the version the header names, so the lines of a crashed or superseded attempt are never
 * part of an invoice. A transaction holds at most 100 items (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html):
 * the header, a credit line and the ledger items of each grant drawn.
 */
public final class DynamoDbInvoiceStore implements InvoiceStore {
    /** Items per {@code BatchWriteItem} request (the API's limit). */
    private static final int BATCH = 25;
    private static final int ATTEMPTS = 8;
    /** Value of {@link InvoiceItem#attention} for a draft whose rating failed. */
    static final String RATING_FAILED = "rating_failed";

    private final TallyTables tables;
    private final DynamoDbCreditStore credits;

    /** @param tables bound tables */
    public DynamoDbInvoiceStore(TallyTables tables) {
        this.tables = tables;
        this.credits = tables.creditStore();
    }

    @Override
    public Optional<Invoice> find(String invoiceId) {
        InvoiceItem header = tables.invoices.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(invoiceId)));
        return Optional.ofNullable(header).map(h -> toDomain(h, lines(h)));
    }

    @Override
    public List<Invoice> ofAccount(String accountId, long periodStartFrom, long periodStartTo) {
        if (periodStartTo <= periodStartFrom) {
            return List.of();
        }
        List<Invoice> invoices = new ArrayList<>();
        tables.invoices.index(Indexes.BY_ACCOUNT).query(r -> r.queryConditional(QueryConditional.sortBetween(
                        Key.builder().partitionValue(accountId).sortValue(periodStartFrom).build(),
                        Key.builder().partitionValue(accountId).sortValue(periodStartTo - 1).build())))
                .stream().flatMap(p -> p.items().stream())
                .forEach(h -> invoices.add(toDomain(h, lines(h))));
        return invoices;
    }

    @Override
    public List<Invoice> failedDrafts(int limit) {
        return tables.invoices.index(Indexes.BY_ATTENTION).query(r -> r.queryConditional(
                        QueryConditional.keyEqualTo(k -> k.partitionValue(RATING_FAILED))).limit(Math.min(limit, 100)))
                .stream().flatMap(p -> p.items().stream()).limit(limit)
                .map(h -> toDomain(h, List.of())).toList();
    }

    @Override
    public OptionalLong beginDraft(Invoice header) {
        for (int attempt = 1; ; attempt++) {
            InvoiceItem item = toItem(header);
            item.status = InvoiceStatus.DRAFT.wireName();
            item.linesVersion = 1L;
            item.lineCount = 0L;
            try {
                tables.client.putItem(r -> r.tableName(tables.invoices.tableName())
                        .item(InvoiceItem.SCHEMA.itemToMap(item, true))
                        .conditionExpression("attribute_not_exists(invoiceId)"));
                return OptionalLong.of(1);
            } catch (ConditionalCheckFailedException exists) {
                try {
                    var updated = tables.client.updateItem(UpdateItemRequest.builder()
                            .tableName(tables.invoices.tableName())
                            .key(key(header.invoiceId()))
                            .updateExpression("ADD linesVersion :one")
                            .conditionExpression("#s = :draft")
                            .expressionAttributeNames(Map.of("#s", "status"))
                            .expressionAttributeValues(Map.of(":one", AttributeValue.fromN("1"),
                                    ":draft", AttributeValue.fromS(InvoiceStatus.DRAFT.wireName())))
                            .returnValues("UPDATED_NEW")
                            .build());
                    return OptionalLong.of(Long.parseLong(updated.attributes().get("linesVersion").n()));
                } catch (ConditionalCheckFailedException finalized) {
                    if (find(header.invoiceId()).map(i -> i.status().finalized()).orElse(false)) {
                        return OptionalLong.empty();
                    }
                    if (attempt >= ATTEMPTS) {  // the header vanished between the two calls: only a person deletes one
                        throw new IllegalStateException("invoice " + header.invoiceId() + " is neither absent nor present");
                    }
                }
            }
        }
    }

    @Override
    public void writeLines(String invoiceId, long attempt, List<InvoiceLine> lines) {
        List<WriteRequest> requests = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            requests.add(WriteRequest.builder().putRequest(PutRequest.builder()
                    .item(InvoiceLineItem.SCHEMA.itemToMap(toItem(invoiceId, attempt, i, lines.get(i)), true)).build()).build());
        }
        for (int from = 0; from < requests.size(); from += BATCH) {
            List<WriteRequest> batch = requests.subList(from, Math.min(requests.size(), from + BATCH));
            for (int attemptNo = 1; !batch.isEmpty(); attemptNo++) {
                Map<String, List<WriteRequest>> request = Map.of(tables.invoiceLines.tableName(), List.copyOf(batch));
                BatchWriteItemResponse response = tables.client.batchWriteItem(r -> r.requestItems(request));
                List<WriteRequest> left = response.unprocessedItems().getOrDefault(tables.invoiceLines.tableName(), List.of());
                if (left.isEmpty()) {
                    break;
                }
                if (attemptNo >= ATTEMPTS) {
                    throw new IllegalStateException("invoice " + invoiceId + ": " + left.size() + " lines left unprocessed after "
                            + ATTEMPTS + " attempts (throttled); the job is retried");
                }
                Backoff.sleep(attemptNo);
                batch = left;
            }
        }
    }

    @Override
    public FinalizeOutcome finalizeDraft(Invoice invoice, long attempt, Drawdown drawdown) {
        List<InvoiceLine> creditLines = invoice.lines().stream().filter(l -> l.type() == LineType.CREDIT).toList();
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":open", AttributeValue.fromS(InvoiceStatus.OPEN.wireName()));
        values.put(":draft", AttributeValue.fromS(InvoiceStatus.DRAFT.wireName()));
        values.put(":v", num(attempt));
        values.put(":n", num(invoice.lines().size()));
        values.put(":sub", num(invoice.subtotalMinor()));
        values.put(":cr", num(invoice.creditsAppliedMinor()));
        values.put(":tot", num(invoice.totalMinor()));
        values.put(":cat", AttributeValue.fromS(invoice.catalogVersion()));
        values.put(":fin", num(invoice.finalizedAt()));
        List<TransactWriteItem> items = new ArrayList<>();
        items.add(TransactWriteItem.builder().update(Update.builder()
                .tableName(tables.invoices.tableName())
                .key(key(invoice.invoiceId()))
                .updateExpression("SET #s = :open, lineCount = :n, subtotalMinor = :sub, creditsAppliedMinor = :cr, "
                        + "totalMinor = :tot, catalogVersion = :cat, finalizedAt = :fin REMOVE failureReason, attention")
                .conditionExpression("#s = :draft AND linesVersion = :v")
                .expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(values).build()).build());
        int position = invoice.lines().size() - creditLines.size();
        for (InvoiceLine line : creditLines) {
            items.add(TransactWriteItem.builder().put(Put.builder().tableName(tables.invoiceLines.tableName())
                    .item(InvoiceLineItem.SCHEMA.itemToMap(toItem(invoice.invoiceId(), attempt, position++, line), true))
                    .build()).build());
        }
        int ledgerAt = items.size();
        items.addAll(credits.drawdownItems(drawdown));
        try {
            tables.client.transactWriteItems(r -> r.transactItems(items));
            return FinalizeOutcome.FINALIZED;
        } catch (TransactionCanceledException e) {
            if (Transactions.conditionFailed(e, 0)) {
                return FinalizeOutcome.SUPERSEDED;
            }
            if (Transactions.conditionFailedFrom(e, ledgerAt) || Transactions.conflict(e)) {
                return FinalizeOutcome.CREDITS_CHANGED;
            }
            throw e;
        }
    }

    @Override
    public void recordFailure(String invoiceId, String reason) {
        try {
            tables.client.updateItem(UpdateItemRequest.builder()
                    .tableName(tables.invoices.tableName())
                    .key(key(invoiceId))
                    .updateExpression("SET failureReason = :r, attention = :a")
                    .conditionExpression("#s = :draft")
                    .expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(Map.of(":r", AttributeValue.fromS(reason),
                            ":a", AttributeValue.fromS(RATING_FAILED),
                            ":draft", AttributeValue.fromS(InvoiceStatus.DRAFT.wireName())))
                    .build());
        } catch (ConditionalCheckFailedException finalized) {
            // another attempt finalized it meanwhile: nothing failed after all
        }
    }

    @Override
    public boolean recordPayment(String invoiceId, InvoicePayment payment) {
        try {
            tables.client.updateItem(UpdateItemRequest.builder().tableName(tables.invoices.tableName())
                    .key(key(invoiceId)).updateExpression(paymentUpdate(payment))
                    .conditionExpression(PAYMENT_CONDITION).expressionAttributeNames(Map.of("#s", "status"))
                    .expressionAttributeValues(paymentValues(payment)).build());
            return true;
        } catch (ConditionalCheckFailedException absentDraftOrNewer) {
            return false;
        }
    }

    /**
     * {@link #recordPayment} as a transaction item, for the Stripe webhook to commit with the event's record and the
     * payments table's item. Its condition fails if the invoice is absent, still a draft, or has a newer outcome.
     *
     * @param invoiceId Tally invoice id
     * @param payment the outcome
     * @return an UpdateItem for TransactWriteItems
     */
    public TransactWriteItem paymentItem(String invoiceId, InvoicePayment payment) {
        return TransactWriteItem.builder().update(Update.builder().tableName(tables.invoices.tableName())
                .key(key(invoiceId)).updateExpression(paymentUpdate(payment))
                .conditionExpression(PAYMENT_CONDITION).expressionAttributeNames(Map.of("#s", "status"))
                .expressionAttributeValues(paymentValues(payment)).build()).build();
    }

    private static final String PAYMENT_CONDITION = "attribute_exists(invoiceId) AND #s <> :draft AND "
            + "(attribute_not_exists(paymentUpdatedAt) OR paymentUpdatedAt < :t OR (paymentUpdatedAt = :t AND paymentRank <= :rank))";

    /** Invoice status a payment state puts the header in: a failed payment keeps the invoice open (still owed). */
    static InvoiceStatus statusOf(PaymentState state) {
        return switch (state) {
            case PAID -> InvoiceStatus.PAID;
            case VOID -> InvoiceStatus.VOID;
            case UNCOLLECTIBLE -> InvoiceStatus.UNCOLLECTIBLE;
            case OPEN, PAYMENT_FAILED -> InvoiceStatus.OPEN;
        };
    }

    private static String paymentUpdate(InvoicePayment p) {
        StringBuilder set = new StringBuilder("SET #s = :status, paymentState = :state, paymentRank = :rank, "
                + "amountPaidMinor = :paid, attemptCount = :attempts, stripeInvoiceId = :sid, paymentUpdatedAt = :t");
        if (p.nextPaymentAttemptAt() != null) {
            set.append(", nextPaymentAttemptAt = :next");
        }
        if (p.lastFailureAt() != null) {
            set.append(", lastFailureAt = :failed");
        }
        if (p.paidAt() != null) {
            set.append(", paidAt = :paidAt");
        }
        return set + (p.nextPaymentAttemptAt() == null ? " REMOVE nextPaymentAttemptAt" : "");
    }

    private static Map<String, AttributeValue> paymentValues(InvoicePayment p) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":status", AttributeValue.fromS(statusOf(p.paymentState()).wireName()));
        values.put(":draft", AttributeValue.fromS(InvoiceStatus.DRAFT.wireName()));
        values.put(":state", AttributeValue.fromS(p.paymentState().wire()));
        values.put(":rank", num(p.paymentState().rank()));
        values.put(":paid", num(p.amountPaidMinor()));
        values.put(":attempts", num(p.attemptCount()));
        values.put(":sid", AttributeValue.fromS(p.stripeInvoiceId()));
        values.put(":t", num(p.stripeUpdatedAt()));
        if (p.nextPaymentAttemptAt() != null) {
            values.put(":next", num(p.nextPaymentAttemptAt()));
        }
        if (p.lastFailureAt() != null) {
            values.put(":failed", num(p.lastFailureAt()));
        }
        if (p.paidAt() != null) {
            values.put(":paidAt", num(p.paidAt()));
        }
        return values;
    }

    private List<InvoiceLineItem> lines(InvoiceItem header) {
        if (header.linesVersion == null) {
            return List.of();
        }
        String prefix = InvoiceLineItem.lineKey(header.linesVersion, "");
        List<InvoiceLineItem> lines = new ArrayList<>();
        tables.invoiceLines.query(r -> r.consistentRead(true).queryConditional(QueryConditional.sortBeginsWith(
                        Key.builder().partitionValue(header.invoiceId).sortValue(prefix).build())))
                .stream().flatMap(p -> p.items().stream()).forEach(lines::add);
        lines.sort(Comparator.comparingLong(l -> l.position == null ? 0 : l.position));
        return lines;
    }

    private static Map<String, AttributeValue> key(String invoiceId) {
        return Map.of("invoiceId", AttributeValue.fromS(invoiceId));
    }

    private static AttributeValue num(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }

    private static AttributeValue num(Long v) {
        return AttributeValue.fromN(Long.toString(v == null ? 0 : v));
    }

    static InvoiceItem toItem(Invoice i) {
        InvoiceItem item = new InvoiceItem();
        item.invoiceId = i.invoiceId();
        item.accountId = i.accountId();
        item.payerAccountId = i.payerAccountId();
        item.subscriptionId = i.subscriptionId();
        item.periodStart = i.periodStart();
        item.periodEnd = i.periodEnd();
        item.currency = i.currency();
        item.status = i.status().wireName();
        item.subtotalMinor = i.subtotalMinor();
        item.creditsAppliedMinor = i.creditsAppliedMinor();
        item.totalMinor = i.totalMinor();
        item.catalogVersion = i.catalogVersion();
        item.createdAt = i.createdAt();
        item.finalizedAt = i.finalizedAt();
        return item;
    }

    static InvoiceLineItem toItem(String invoiceId, long attempt, int position, InvoiceLine l) {
        InvoiceLineItem item = new InvoiceLineItem();
        item.invoiceId = invoiceId;
        item.lineKey = InvoiceLineItem.lineKey(attempt, l.lineId());
        item.lineId = l.lineId();
        item.position = (long) position;
        item.type = l.type().wireName();
        item.priceId = l.priceId();
        item.meter = l.meter();
        item.periodStart = l.periodStart();
        item.periodEnd = l.periodEnd();
        item.quantity = l.quantity();
        item.includedQuantity = l.includedQuantity();
        item.billableQuantity = l.billableQuantity();
        item.amountMinor = l.amountMinor();
        item.description = l.description();
        item.adjustsInvoiceId = l.adjustsInvoiceId();
        item.seriesKey = l.trace().seriesKey();
        item.dimensionFilter = l.trace().dimensionFilter().isEmpty() ? null : l.trace().dimensionFilter();
        item.usageEventCount = l.trace().eventCount();
        return item;
    }

    static Invoice toDomain(InvoiceItem h, List<InvoiceLineItem> lines) {
        List<InvoiceLine> domainLines = lines.stream().map(l -> new InvoiceLine(l.lineId, LineType.fromWire(l.type), l.priceId,
                l.meter, l.periodStart, l.periodEnd, l.quantity, l.includedQuantity, l.billableQuantity, l.amountMinor,
                l.description, l.adjustsInvoiceId, new InvoiceLine.Trace(l.seriesKey,
                l.dimensionFilter == null ? "" : l.dimensionFilter, l.usageEventCount == null ? 0 : l.usageEventCount))).toList();
        long subtotal = h.subtotalMinor == null ? 0 : h.subtotalMinor;
        long credits = h.creditsAppliedMinor == null ? 0 : h.creditsAppliedMinor;
        return new Invoice(h.invoiceId, h.accountId, h.payerAccountId == null ? h.accountId : h.payerAccountId,
                h.subscriptionId, h.periodStart, h.periodEnd, h.currency,
                InvoiceStatus.fromWire(h.status == null ? "draft" : h.status), domainLines, subtotal, credits,
                subtotal - credits, h.catalogVersion, h.createdAt == null ? 0 : h.createdAt, h.finalizedAt,
                h.failureReason);
    }
}
