package dev.tally.credit;

import dev.tally.store.CreditEntryItem;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The prepaid-credit ledger of an account: grants, drawdowns and the balance they add up to, per currency.
 *
 * <p>Every change is a set of transaction items that the caller commits together with the business write that
 * causes it (the webhook's event record, the invoice): an immutable ledger entry whose id derives from its source,
 * written only if absent, and the balance change. So the balance always equals the sum of the ledger entries, and
 * no source is applied twice. Amounts are long minor units.
 */
public final class CreditLedger {
    private final TallyTables tables;

    /** @param tables bound tables */
    public CreditLedger(TallyTables tables) {
        this.tables = tables;
    }

    /**
     * @param accountId account id
     * @param currency lowercase ISO 4217 code
     * @return the balance item (strongly consistent), empty if the account never had credits in that currency
     */
    public Optional<CreditEntryItem> balance(String accountId, String currency) {
        return Optional.ofNullable(tables.credits.getItem(r -> r.consistentRead(true)
                .key(k -> k.partitionValue(accountId).sortValue(CreditEntryItem.BALANCE_PREFIX + currency))));
    }

    /**
     * Transaction items that grant credits: the grant, its ledger entry and the balance increase.
     *
     * @param accountId account id
     * @param currency lowercase ISO 4217 code
     * @param amountMinor amount granted, positive, minor units
     * @param sourceId what paid for it, e.g. a Checkout Session id {@code cs_...}; a source grants once
     * @param description text for people
     * @param now seconds since the epoch
     * @return the items, in order: grant (fails if the source was already granted), ledger entry, balance
     * @throws IllegalArgumentException if the amount is not positive
     */
    public List<TransactWriteItem> grantItems(String accountId, String currency, long amountMinor, String sourceId,
                                              String description, long now) {
        if (amountMinor <= 0) {
            throw new IllegalArgumentException("a credit grant must be positive, was " + amountMinor);
        }
        CreditEntryItem grant = entry(accountId, CreditEntryItem.GRANT_PREFIX + sourceId, currency, amountMinor, sourceId, description, now);
        CreditEntryItem ledger = entry(accountId, CreditEntryItem.LEDGER_PREFIX + "grant:" + sourceId, currency, amountMinor,
                sourceId, description, now);
        return List.of(putNew(grant), putNew(ledger), balanceChange(accountId, currency, amountMinor, amountMinor, null, now));
    }

    /**
     * Transaction items that draw credits down for an invoice: the ledger entry and the balance decrease, on condition
     * that the balance is still what the caller read (optimistic; on a failed condition re-read and recompute).
     *
     * @param accountId account id
     * @param currency lowercase ISO 4217 code
     * @param amountMinor amount drawn, positive, at most {@code expectedBalanceMinor}
     * @param expectedBalanceMinor the balance the amount was computed from
     * @param invoiceId the invoice that draws the credits; an invoice draws once
     * @param now seconds since the epoch
     * @return the items, in order: ledger entry, balance
     */
    public List<TransactWriteItem> drawdownItems(String accountId, String currency, long amountMinor,
                                                 long expectedBalanceMinor, String invoiceId, long now) {
        if (amountMinor <= 0 || amountMinor > expectedBalanceMinor) {
            throw new IllegalArgumentException("drawdown " + amountMinor + " must be positive and at most the balance " + expectedBalanceMinor);
        }
        CreditEntryItem ledger = entry(accountId, CreditEntryItem.LEDGER_PREFIX + "drawdown:" + invoiceId, currency,
                -amountMinor, invoiceId, "Prepaid credits applied to invoice " + invoiceId, now);
        return List.of(putNew(ledger), balanceChange(accountId, currency, -amountMinor, 0, expectedBalanceMinor, now));
    }

    private TransactWriteItem putNew(CreditEntryItem item) {
        return TransactWriteItem.builder().put(Put.builder()
                .tableName(tables.credits.tableName())
                .item(CreditEntryItem.SCHEMA.itemToMap(item, true))
                .conditionExpression("attribute_not_exists(entryKey)")
                .build()).build();
    }

    private TransactWriteItem balanceChange(String accountId, String currency, long delta, long grantedDelta,
                                            Long expectedBalance, long now) {
        Update.Builder update = Update.builder()
                .tableName(tables.credits.tableName())
                .key(Map.of("accountId", AttributeValue.fromS(accountId),
                        "entryKey", AttributeValue.fromS(CreditEntryItem.BALANCE_PREFIX + currency)))
                .updateExpression("SET currency = :c, createdAt = if_not_exists(createdAt, :now) ADD balanceMinor :d, grantedMinor :g");
        Map<String, AttributeValue> values = new java.util.HashMap<>(Map.of(
                ":c", AttributeValue.fromS(currency), ":now", num(now), ":d", num(delta), ":g", num(grantedDelta)));
        if (expectedBalance != null) {
            update.conditionExpression("balanceMinor = :expected");
            values.put(":expected", num(expectedBalance));
        }
        return TransactWriteItem.builder().update(update.expressionAttributeValues(values).build()).build();
    }

    private static CreditEntryItem entry(String accountId, String key, String currency, long amount, String source,
                                         String description, long now) {
        CreditEntryItem e = new CreditEntryItem();
        e.accountId = accountId;
        e.entryKey = key;
        e.currency = currency;
        e.amountMinor = amount;
        e.sourceId = source;
        e.description = description;
        e.createdAt = now;
        return e;
    }

    private static AttributeValue num(long v) {
        return AttributeValue.fromN(Long.toString(v));
    }
}
