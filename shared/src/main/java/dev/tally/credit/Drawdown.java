package dev.tally.credit;

import java.util.List;
import java.util.Objects;

/**
 * What an invoice draws from an account's credit grants: per-grant drawdowns (may be empty), total applied
 * {@code <= maxMinor}. Planned by {@link CreditLedger#planDrawdown}; written by the store together with the invoice
 * ({@code DynamoDbCreditStore.drawdownItems}), each entry on condition that its grant still has what the plan read.
 *
 * @param accountId the account holding the grants
 * @param currency the invoice's currency, lowercase ISO 4217
 * @param invoiceId the invoice that draws
 * @param appliedMinor the sum drawn, minor units, {@code >= 0}: what the invoice subtracts from its subtotal
 * @param entries one {@link LedgerEntry.Type#DRAWDOWN} entry per grant drawn from, in drawdown order
 */
public record Drawdown(String accountId, String currency, String invoiceId, long appliedMinor, List<LedgerEntry> entries) {

    /**
     * An invoice line for what one grant paid: type {@code credit}, negative amount, described by the grant.
     *
     * @param lineId {@code credit:<grant id>}, unique on the invoice
     * @param grantId the grant
     * @param amountMinor negative minor units (it reduces the total)
     * @param description e.g. {@code Promotional credit cg_... (Launch offer)}
     */
    public record CreditLine(String lineId, String grantId, long amountMinor, String description) {
        /** The invoice line type of these lines. */
        public static final String TYPE = "credit";
    }

    /**
     * @throws IllegalArgumentException if the entries are not drawdowns of this invoice or do not add up to
     *     {@code appliedMinor}
     */
    public Drawdown {
        entries = List.copyOf(entries);
        long sum = 0;
        for (LedgerEntry e : entries) {
            if (e.type() != LedgerEntry.Type.DRAWDOWN || !Objects.equals(e.invoiceId(), invoiceId)
                    || !e.accountId().equals(accountId) || !e.currency().equals(currency)) {
                throw new IllegalArgumentException("entry " + e.entryId() + " is not a drawdown of " + invoiceId + " in " + currency);
            }
            sum -= e.amountMinor();
        }
        if (sum != appliedMinor) {
            throw new IllegalArgumentException("drawdown entries add up to " + sum + ", not " + appliedMinor);
        }
    }

    /** @return no credit applied */
    public static Drawdown none(String accountId, String currency, String invoiceId) {
        return new Drawdown(accountId, currency, invoiceId, 0, List.of());
    }

    /** @return one invoice line per grant drawn from, in drawdown order */
    public List<CreditLine> invoiceLines() {
        return entries.stream().map(e -> new CreditLine("credit:" + e.grantId(), e.grantId(), e.amountMinor(), e.description()))
                .toList();
    }
}
