package dev.tally.credit;

import dev.tally.store.Indexes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link CreditStore} on the credits table (template.yaml {@code CreditsTable}): partition {@code accountId}, sort
 * {@code entryKey}, two kinds of item.
 *
 * <ul>
 *   <li>{@code GRANT#<grant id>}: a grant's fields and {@code remainingMinor}, changed only by an update conditioned
 *       on its current value, in the transaction that puts the ledger entry explaining the change. While it has an
 *       expiry and something left it carries {@code expiryState} ({@value #EXPIRY_OPEN}, then {@value #EXPIRY_WARNED}
 *       once warned), the hash key of the sparse index {@code by-expiry} (range {@code expiresAt}); the entry that
 *       takes it to zero removes it, so the index holds only grants with something still to expire.</li>
 *   <li>{@code LEDGER#<entry id>}: an immutable ledger entry, put only if absent (its id derives from its cause).</li>
 * </ul>
 * The table's stream (new and old images) feeds billing-alerts: new ledger entries (balance alerts, expiries) and
 * grants going from {@value #EXPIRY_OPEN} to {@value #EXPIRY_WARNED}. Amounts are minor units, times seconds since
 * the epoch.
 */
public final class DynamoDbCreditStore implements CreditStore {
    /** Sort key prefix of grant items. */
    public static final String GRANT_PREFIX = "GRANT#";
    /** Sort key prefix of ledger entry items. */
    public static final String ENTRY_PREFIX = "LEDGER#";
    /** Sort key prefix of the payments behind credit purchases ({@link CreditPurchasePayment}). */
    public static final String PAYMENT_PREFIX = "PAYMENT#";
    /** {@code expiryState} of a grant whose expiry is still to be warned about. */
    public static final String EXPIRY_OPEN = "open";
    /** {@code expiryState} of a grant whose expiry was warned about. */
    public static final String EXPIRY_WARNED = "warned";

    private final DynamoDbClient client;
    private final String table;

    /**
     * @param client DynamoDB client, built once per execution environment
     * @param table the credits table's name ({@code CREDITS_TABLE})
     */
    public DynamoDbCreditStore(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
    }

    /** @return the table's name */
    public String table() {
        return table;
    }

    // ------------------------------------------------------------------------------------------ transaction items

    /**
     * Transaction items that record a new grant, for a caller that commits them with its own write (the Stripe
     * webhook, with the event's record).
     *
     * @param grant the grant
     * @return in order: the grant (fails its condition if the account has a grant with its id), its grant entry
     */
    public List<TransactWriteItem> grantItems(CreditGrant grant) {
        Map<String, AttributeValue> item = grantItem(grant, grant.amountMinor());
        return List.of(
                TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                        .conditionExpression("attribute_not_exists(entryKey)").build()).build(),
                putNew(LedgerEntry.granted(grant)));
    }

    /**
     * Transaction items that write an invoice's drawdown, for the invoice generator to add to the transaction that
     * puts the invoice. A failed condition on one of them (its grant changed since it was read) means: plan again.
     *
     * @param drawdown a planned drawdown (no items when it draws nothing)
     * @return two items per entry: the entry (put if absent), then its grant's update (on its remaining amount)
     */
    public List<TransactWriteItem> drawdownItems(Drawdown drawdown) {
        return entryItems(drawdown.entries());
    }

    /**
     * @param entries entries other than grant entries, on distinct grants
     * @return two items per entry, in order: the entry (put if absent), its grant's update (on condition its
     *     remaining amount is {@link LedgerEntry#remainingBeforeMinor()})
     * @throws IllegalArgumentException if two entries change one grant, or one is a grant entry
     */
    public List<TransactWriteItem> entryItems(List<LedgerEntry> entries) {
        Set<String> grants = new HashSet<>();
        List<TransactWriteItem> items = new ArrayList<>(entries.size() * 2);
        for (LedgerEntry e : entries) {
            if (e.type() == LedgerEntry.Type.GRANT || !grants.add(e.grantId())) {
                throw new IllegalArgumentException("entry " + e.entryId() + " cannot be committed with the others");
            }
            items.add(putNew(e));
            Map<String, AttributeValue> values = new HashMap<>(Map.of(
                    ":before", n(e.remainingBeforeMinor()), ":after", n(e.remainingAfterMinor()),
                    ":currency", s(e.currency()), ":at", n(e.at())));
            items.add(TransactWriteItem.builder().update(Update.builder().tableName(table)
                    .key(key(e.accountId(), GRANT_PREFIX + e.grantId()))
                    .updateExpression("SET remainingMinor = :after, updatedAt = :at"
                            + (e.remainingAfterMinor() == 0 ? " REMOVE expiryState" : ""))
                    .conditionExpression("remainingMinor = :before AND currency = :currency")
                    .expressionAttributeValues(values).build()).build());
        }
        return items;
    }

    /**
     * @param p a new purchase's payment link (nothing refunded yet)
     * @return its put, on condition it is absent (a purchase is linked once)
     */
    public TransactWriteItem purchasePaymentItem(CreditPurchasePayment p) {
        Map<String, AttributeValue> item = new LinkedHashMap<>(key(p.accountId(), PAYMENT_PREFIX + p.paymentIntentId()));
        item.put("paymentIntentId", s(p.paymentIntentId()));
        item.put("grantId", s(p.grantId()));
        item.put("currency", s(p.currency()));
        item.put("paidMinor", n(p.paidMinor()));
        item.put("grantedMinor", n(p.grantedMinor()));
        item.put("refundedMinor", n(p.refundedMinor()));
        item.put("revokedMinor", n(p.revokedMinor()));
        item.put("unrecoveredMinor", n(p.unrecoveredMinor()));
        return TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
                .conditionExpression("attribute_not_exists(entryKey)").build()).build();
    }

    /**
     * @param accountId the account
     * @param paymentIntentId {@code pi_...}
     * @return the credit purchase that payment paid for (strongly consistent read), empty if none
     */
    public java.util.Optional<CreditPurchasePayment> purchasePayment(String accountId, String paymentIntentId) {
        Map<String, AttributeValue> item = client.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(accountId, PAYMENT_PREFIX + paymentIntentId))).item();
        if (item == null || item.isEmpty()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(new CreditPurchasePayment(str(item, "accountId"), str(item, "paymentIntentId"),
                str(item, "grantId"), str(item, "currency"), num(item, "paidMinor"), num(item, "grantedMinor"),
                num(item, "refundedMinor"), num(item, "revokedMinor"), num(item, "unrecoveredMinor")));
    }

    /**
     * The update of a purchase's payment link after a refund, committed with the revocation entry (if any).
     *
     * @param after the link with the new cumulative refunded, revoked and unrecovered amounts
     * @param refundedBefore the refunded amount it was read with (its condition: unchanged since)
     * @return an UpdateItem for TransactWriteItems
     */
    public TransactWriteItem refundItem(CreditPurchasePayment after, long refundedBefore) {
        return TransactWriteItem.builder().update(Update.builder().tableName(table)
                .key(key(after.accountId(), PAYMENT_PREFIX + after.paymentIntentId()))
                .updateExpression("SET refundedMinor = :refunded, revokedMinor = :revoked, unrecoveredMinor = :unrecovered")
                .conditionExpression("refundedMinor = :before")
                .expressionAttributeValues(Map.of(":refunded", n(after.refundedMinor()), ":revoked", n(after.revokedMinor()),
                        ":unrecovered", n(after.unrecoveredMinor()), ":before", n(refundedBefore))).build()).build();
    }

    private TransactWriteItem putNew(LedgerEntry e) {
        return TransactWriteItem.builder().put(Put.builder().tableName(table).item(entryItem(e))
                .conditionExpression("attribute_not_exists(entryKey)").build()).build();
    }

    // ------------------------------------------------------------------------------------------------- the port

    @Override
    public Outcome create(CreditGrant grant) {
        try {
            client.transactWriteItems(r -> r.transactItems(grantItems(grant)));
            return Outcome.APPLIED;
        } catch (TransactionCanceledException e) {
            if (failed(e, 0)) {
                return Outcome.ALREADY_APPLIED;
            }
            throw e;
        }
    }

    @Override
    public Outcome commit(List<LedgerEntry> entries) {
        if (entries.isEmpty()) {
            return Outcome.APPLIED;
        }
        List<TransactWriteItem> items = entryItems(entries);
        try {
            client.transactWriteItems(r -> r.transactItems(items));
            return Outcome.APPLIED;
        } catch (TransactionCanceledException e) {
            for (int i = 0; i < items.size(); i += 2) {
                if (failed(e, i)) {
                    return Outcome.ALREADY_APPLIED;
                }
            }
            if (conflicted(e) || anyFailed(e)) {
                throw new CreditConflictException("a credit grant changed while " + entries.get(0).entryId()
                        + " was written; read it again", e);
            }
            throw e;
        }
    }

    @Override
    public Optional<GrantBalance> grant(String accountId, String grantId) {
        Map<String, AttributeValue> item = client.getItem(r -> r.tableName(table).consistentRead(true)
                .key(key(accountId, GRANT_PREFIX + grantId))).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(grantFromItem(item));
    }

    @Override
    public List<GrantBalance> grants(String accountId) {
        return query(accountId, GRANT_PREFIX).stream().map(DynamoDbCreditStore::grantFromItem).toList();
    }

    @Override
    public List<LedgerEntry> entries(String accountId) {
        return query(accountId, ENTRY_PREFIX).stream().map(DynamoDbCreditStore::entryFromItem).toList();
    }

    @Override
    public List<GrantBalance> expiringBy(long until, boolean warned) {
        List<GrantBalance> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(QueryRequest.builder().tableName(table).indexName(Indexes.BY_EXPIRY)
                    .keyConditionExpression("expiryState = :state AND expiresAt <= :until")
                    .expressionAttributeValues(Map.of(":state", s(warned ? EXPIRY_WARNED : EXPIRY_OPEN), ":until", n(until)))
                    .exclusiveStartKey(from).build());
            page.items().forEach(i -> out.add(grantFromItem(i)));
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    @Override
    public boolean markExpiryWarned(String accountId, String grantId, long at) {
        try {
            client.updateItem(r -> r.tableName(table).key(key(accountId, GRANT_PREFIX + grantId))
                    .updateExpression("SET expiryState = :warned, expiryWarnedAt = :at")
                    .conditionExpression("expiryState = :open")
                    .expressionAttributeValues(Map.of(":warned", s(EXPIRY_WARNED), ":open", s(EXPIRY_OPEN), ":at", n(at))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    private List<Map<String, AttributeValue>> query(String accountId, String prefix) {
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression("accountId = :a AND begins_with(entryKey, :p)")
                    .expressionAttributeValues(Map.of(":a", s(accountId), ":p", s(prefix)))
                    .exclusiveStartKey(from).build());
            out.addAll(page.items());
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    // ------------------------------------------------------------------------------------------------ items

    /**
     * @param item a credits table item (or stream image)
     * @return true if it is a grant
     */
    public static boolean isGrant(Map<String, AttributeValue> item) {
        AttributeValue key = item.get("entryKey");
        return key != null && key.s() != null && key.s().startsWith(GRANT_PREFIX);
    }

    /**
     * @param item a credits table item (or stream image)
     * @return true if it is a ledger entry
     */
    public static boolean isEntry(Map<String, AttributeValue> item) {
        AttributeValue key = item.get("entryKey");
        return key != null && key.s() != null && key.s().startsWith(ENTRY_PREFIX);
    }

    /**
     * @param item a grant item (or stream image), {@link #isGrant}
     * @return the grant and its remaining amount
     * @throws IllegalArgumentException if a field is missing or invalid
     */
    public static GrantBalance grantFromItem(Map<String, AttributeValue> item) {
        CreditGrant grant = new CreditGrant(str(item, "grantId"), str(item, "accountId"), str(item, "currency"),
                num(item, "amountMinor"), (int) num(item, "priority"), num(item, "effectiveAt"), optNum(item, "expiresAt"),
                GrantSource.parse(str(item, "source")), str(item, "sourceRef"), str(item, "reason"), str(item, "createdBy"),
                num(item, "createdAt"));
        return new GrantBalance(grant, num(item, "remainingMinor"));
    }

    /**
     * @param item a grant item (or stream image), {@link #isGrant}
     * @return its {@code expiryState} ({@value #EXPIRY_OPEN}, {@value #EXPIRY_WARNED}), or null when it has nothing left
     *     to expire
     */
    public static String expiryState(Map<String, AttributeValue> item) {
        AttributeValue v = item == null ? null : item.get("expiryState");
        return v == null ? null : v.s();
    }

    /**
     * @param item a ledger entry item (or stream image), {@link #isEntry}
     * @return the entry
     * @throws IllegalArgumentException if a field is missing or invalid
     */
    public static LedgerEntry entryFromItem(Map<String, AttributeValue> item) {
        return new LedgerEntry(str(item, "entryId"), str(item, "accountId"), str(item, "grantId"), str(item, "currency"),
                LedgerEntry.Type.parse(str(item, "type")), num(item, "amountMinor"), num(item, "remainingAfterMinor"),
                optStr(item, "invoiceId"), optStr(item, "reference"), optStr(item, "description"), num(item, "at"));
    }

    private static Map<String, AttributeValue> grantItem(CreditGrant g, long remaining) {
        Map<String, AttributeValue> item = new LinkedHashMap<>(key(g.accountId(), GRANT_PREFIX + g.grantId()));
        item.put("grantId", s(g.grantId()));
        item.put("currency", s(g.currency()));
        item.put("amountMinor", n(g.amountMinor()));
        item.put("remainingMinor", n(remaining));
        item.put("priority", n(g.priority()));
        item.put("effectiveAt", n(g.effectiveAt()));
        if (g.expiresAt() != null) {
            item.put("expiresAt", n(g.expiresAt()));
            item.put("expiryState", s(EXPIRY_OPEN));
        }
        item.put("source", s(g.source().wire()));
        item.put("sourceRef", s(g.sourceRef()));
        item.put("reason", s(g.reason()));
        item.put("createdBy", s(g.createdBy()));
        item.put("createdAt", n(g.createdAt()));
        item.put("updatedAt", n(g.createdAt()));
        return item;
    }

    private static Map<String, AttributeValue> entryItem(LedgerEntry e) {
        Map<String, AttributeValue> item = new LinkedHashMap<>(key(e.accountId(), ENTRY_PREFIX + e.entryId()));
        item.put("entryId", s(e.entryId()));
        item.put("grantId", s(e.grantId()));
        item.put("currency", s(e.currency()));
        item.put("type", s(e.type().wire()));
        item.put("amountMinor", n(e.amountMinor()));
        item.put("remainingAfterMinor", n(e.remainingAfterMinor()));
        if (e.invoiceId() != null) {
            item.put("invoiceId", s(e.invoiceId()));
        }
        if (e.reference() != null) {
            item.put("reference", s(e.reference()));
        }
        if (e.description() != null) {
            item.put("description", s(e.description()));
        }
        item.put("at", n(e.at()));
        return item;
    }

    private static Map<String, AttributeValue> key(String accountId, String entryKey) {
        return Map.of("accountId", s(accountId), "entryKey", s(entryKey));
    }

    private static boolean failed(TransactionCanceledException e, int index) {
        List<CancellationReason> reasons = e.cancellationReasons();
        return reasons != null && index < reasons.size() && "ConditionalCheckFailed".equals(reasons.get(index).code());
    }

    private static boolean anyFailed(TransactionCanceledException e) {
        return e.cancellationReasons() != null
                && e.cancellationReasons().stream().anyMatch(r -> "ConditionalCheckFailed".equals(r.code()));
    }

    private static boolean conflicted(TransactionCanceledException e) {
        return e.cancellationReasons() != null
                && e.cancellationReasons().stream().anyMatch(r -> "TransactionConflict".equals(r.code()));
    }

    private static AttributeValue s(String v) {
        return AttributeValue.fromS(v);
    }

    private static AttributeValue n(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        return present(optStr(item, name), item, name);
    }

    private static <T> T present(T value, Map<String, AttributeValue> item, String name) {
        if (value == null) {
            throw new IllegalArgumentException("credits item " + item.get("entryKey") + " lacks " + name);
        }
        return value;
    }

    private static String optStr(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        return v == null || v.s() == null ? null : v.s();
    }

    private static long num(Map<String, AttributeValue> item, String name) {
        return present(optNum(item, name), item, name);
    }

    private static Long optNum(Map<String, AttributeValue> item, String name) {
        AttributeValue v = item.get(name);
        if (v == null || v.n() == null) {
            return null;
        }
        try {
            return Long.parseLong(v.n());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("credits item " + item.get("entryKey") + ": " + name + " is not a whole number: " + v.n());
        }
    }
}
