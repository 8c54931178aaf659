package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primarySortKey;

/**
 * An item of the prepaid-credit table, partitioned by account. Three kinds share the table, told apart by the sort
 * key prefix:
 * <ul>
 *   <li>{@code BALANCE#<currency>}: the current balance ({@code balanceMinor}) and the total ever granted
 *       ({@code grantedMinor}); changed only in the same transaction as a ledger entry.</li>
 *   <li>{@code GRANT#<source id>}: a credit grant (a paid Checkout Session), {@code amountMinor} granted.</li>
 *   <li>{@code LEDGER#<entry id>}: an immutable ledger entry, {@code amountMinor} signed (+ grant, - drawdown).
 *       Entry ids derive from their source ({@code grant:cs_...}, {@code drawdown:<invoice id>}), so writing one
 *       twice is impossible.</li>
 * </ul>
 * Amounts are long minor units of {@code currency}; times are seconds since the epoch.
 */
public final class CreditEntryItem {
    public static final String BALANCE_PREFIX = "BALANCE#";
    public static final String GRANT_PREFIX = "GRANT#";
    public static final String LEDGER_PREFIX = "LEDGER#";

    public String accountId;
    public String entryKey;
    public String currency;
    public Long amountMinor;
    public Long balanceMinor;
    public Long grantedMinor;
    /** Where the entry comes from: a Checkout Session id, an invoice id. */
    public String sourceId;
    public String description;
    public Long createdAt;
    /** Optional expiry of a grant; not enforced yet. */
    public Long expiresAt;

    public static final StaticTableSchema<CreditEntryItem> SCHEMA = StaticTableSchema.builder(CreditEntryItem.class)
            .newItemSupplier(CreditEntryItem::new)
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("entryKey").getter(i -> i.entryKey).setter((i, v) -> i.entryKey = v)
                    .tags(primarySortKey()))
            .addAttribute(String.class, a -> a.name("currency").getter(i -> i.currency).setter((i, v) -> i.currency = v))
            .addAttribute(Long.class, a -> a.name("amountMinor").getter(i -> i.amountMinor).setter((i, v) -> i.amountMinor = v))
            .addAttribute(Long.class, a -> a.name("balanceMinor").getter(i -> i.balanceMinor).setter((i, v) -> i.balanceMinor = v))
            .addAttribute(Long.class, a -> a.name("grantedMinor").getter(i -> i.grantedMinor).setter((i, v) -> i.grantedMinor = v))
            .addAttribute(String.class, a -> a.name("sourceId").getter(i -> i.sourceId).setter((i, v) -> i.sourceId = v))
            .addAttribute(String.class, a -> a.name("description").getter(i -> i.description).setter((i, v) -> i.description = v))
            .addAttribute(Long.class, a -> a.name("createdAt").getter(i -> i.createdAt).setter((i, v) -> i.createdAt = v))
            .addAttribute(Long.class, a -> a.name("expiresAt").getter(i -> i.expiresAt).setter((i, v) -> i.expiresAt = v))
            .build();
}
