package dev.tally.payment;

import dev.tally.store.Indexes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link PaymentStore} on the {@code payments} table (template.yaml {@code PaymentsTable}, env {@code PAYMENTS_TABLE}):
 * partition {@code stripeInvoiceId}, index {@code by-account} ({@code accountId}, {@code stripeUpdatedAt}), stream
 * with new and old images for dunning. Attributes are {@link InvoicePayment}'s fields under the same names, the state
 * as {@link PaymentState#wire()}, plus {@code stateRank} ({@link PaymentState#rank()}) for same-second ties.
 */
public final class DynamoDbPaymentStore implements PaymentStore {
    private final DynamoDbClient client;
    private final String table;

    /**
     * @param client DynamoDB client, built once per execution environment
     * @param table the payments table's name ({@code PAYMENTS_TABLE})
     */
    public DynamoDbPaymentStore(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
    }

    /** @return the table's name */
    public String table() {
        return table;
    }

    @Override
    public Optional<InvoicePayment> find(String stripeInvoiceId) {
        Map<String, AttributeValue> item = client.getItem(r -> r.tableName(table).consistentRead(true)
                .key(Map.of("stripeInvoiceId", s(stripeInvoiceId)))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(fromItem(item));
    }

    @Override
    public List<InvoicePayment> ofAccount(String accountId) {
        List<InvoicePayment> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(QueryRequest.builder().tableName(table).indexName(Indexes.BY_ACCOUNT)
                    .keyConditionExpression("accountId = :a").expressionAttributeValues(Map.of(":a", s(accountId)))
                    .exclusiveStartKey(from).build());
            page.items().forEach(i -> out.add(fromItem(i)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    /**
     * The write of a payment state, for the webhook to commit with the event's record. Order-safe: it applies only if
     * the stored state is older ({@code stripeUpdatedAt < p.stripeUpdatedAt}), or as old and of no higher
     * {@link PaymentState#rank()}; otherwise its condition fails (a stale event). {@code lastFailureAt} and
     * {@code paidAt} are kept when {@code p} has none; {@code nextPaymentAttemptAt} is removed when {@code p} has none.
     *
     * @param p the new state
     * @return an UpdateItem for TransactWriteItems
     */
    public TransactWriteItem recordItem(InvoicePayment p) {
        Map<String, AttributeValue> values = new HashMap<>();
        StringBuilder set = new StringBuilder("SET accountId = :account, currency = :currency, amountDueMinor = :due, "
                + "amountPaidMinor = :paid, amountRefundedMinor = :refunded, paymentState = :state, stateRank = :rank, "
                + "attemptCount = :attempts, stripeUpdatedAt = :t, lastEventId = :eid, lastEventType = :etype");
        values.put(":account", s(p.accountId()));
        values.put(":currency", s(p.currency()));
        values.put(":due", n(p.amountDueMinor()));
        values.put(":paid", n(p.amountPaidMinor()));
        values.put(":refunded", n(p.amountRefundedMinor()));
        values.put(":state", s(p.paymentState().wire()));
        values.put(":rank", n(p.paymentState().rank()));
        values.put(":attempts", n(p.attemptCount()));
        values.put(":t", n(p.stripeUpdatedAt()));
        values.put(":eid", s(p.lastEventId()));
        values.put(":etype", s(p.lastEventType()));
        optional(set, values, "tallyInvoiceId", p.tallyInvoiceId() == null ? null : s(p.tallyInvoiceId()));
        optional(set, values, "subscriptionId", p.subscriptionId() == null ? null : s(p.subscriptionId()));
        optional(set, values, "nextPaymentAttemptAt", p.nextPaymentAttemptAt() == null ? null : n(p.nextPaymentAttemptAt()));
        optional(set, values, "lastFailureAt", p.lastFailureAt() == null ? null : n(p.lastFailureAt()));
        optional(set, values, "paidAt", p.paidAt() == null ? null : n(p.paidAt()));
        String update = set + (p.nextPaymentAttemptAt() == null ? " REMOVE nextPaymentAttemptAt" : "");
        return TransactWriteItem.builder().update(Update.builder().tableName(table)
                .key(Map.of("stripeInvoiceId", s(p.stripeInvoiceId())))
                .updateExpression(update)
                .conditionExpression("attribute_not_exists(stripeInvoiceId) OR stripeUpdatedAt < :t "
                        + "OR (stripeUpdatedAt = :t AND stateRank <= :rank)")
                .expressionAttributeValues(values).build()).build();
    }

    private static void optional(StringBuilder set, Map<String, AttributeValue> values, String name, AttributeValue v) {
        if (v != null) {
            set.append(", ").append(name).append(" = :").append(name);
            values.put(":" + name, v);
        }
    }

    /**
     * Reads an item or a stream image of the payments table.
     *
     * @param item the attributes
     * @return the payment state
     * @throws IllegalArgumentException if a required attribute is missing or unreadable
     */
    public static InvoicePayment fromItem(Map<String, AttributeValue> item) {
        return new InvoicePayment(str(item, "stripeInvoiceId", true), str(item, "accountId", true),
                str(item, "tallyInvoiceId", false), str(item, "subscriptionId", false), str(item, "currency", true),
                num(item, "amountDueMinor", 0L), num(item, "amountPaidMinor", 0L), num(item, "amountRefundedMinor", 0L),
                PaymentState.parse(str(item, "paymentState", true)), num(item, "attemptCount", 0L),
                num(item, "nextPaymentAttemptAt", null), num(item, "lastFailureAt", null), num(item, "paidAt", null),
                num(item, "stripeUpdatedAt", null), str(item, "lastEventId", true), str(item, "lastEventType", true));
    }

    private static String str(Map<String, AttributeValue> item, String name, boolean required) {
        AttributeValue v = item.get(name);
        if (v == null || v.s() == null) {
            if (required) {
                throw new IllegalArgumentException("payments item " + item.get("stripeInvoiceId") + " lacks " + name);
            }
            return null;
        }
        return v.s();
    }

    private static Long num(Map<String, AttributeValue> item, String name, Long absent) {
        AttributeValue v = item.get(name);
        if (v == null || v.n() == null) {
            if (absent == null && name.equals("stripeUpdatedAt")) {
                throw new IllegalArgumentException("payments item " + item.get("stripeInvoiceId") + " lacks " + name);
            }
            return absent;
        }
        try {
            return Long.parseLong(v.n());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("payments item " + item.get("stripeInvoiceId") + ": " + name
                    + " is not a whole number: " + v.n());
        }
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
