package dev.tally.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.credit.CreditBalance;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.LedgerEntry;

import java.util.List;

/**
 * An account's credit ledger as JSON, the one form {@code tally credits --json} prints and the demo report's
 * {@code credit_ledger} holds: amounts in minor units, times in seconds since the epoch, names in snake_case.
 *
 * <pre>{@code
 * {"account": "org_acme", "at": 1796083200,
 *  "balances": [{"currency": "usd", "available_minor": 1250, "grants": [{"grant_id": "cg_...", "source": "promotional",
 *      "source_ref": "ana", "reason": "...", "created_by": "ana", "created_at": ..., "priority": 50,
 *      "effective_at": ..., "expires_at": ... or null, "amount_minor": 5000, "remaining_minor": 1250,
 *      "status": "active"}]}],
 *  "entries": [{"entry_id": "cg_...:drawdown:tin_...", "grant_id": "cg_...", "currency": "usd", "type": "drawdown",
 *      "amount_minor": -3750, "remaining_after_minor": 1250, "invoice_id": "tin_..." or null,
 *      "reference": null, "description": "...", "at": ...}]}
 * }</pre>
 */
final class CreditsJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CreditsJson() {
    }

    /**
     * @param ledger the ledger to read (strongly consistent)
     * @param accountId the account
     * @param currency only this currency, or null for all
     * @param at the time statuses and availability are computed for, seconds since the epoch
     * @return the account's ledger (shape above)
     */
    static ObjectNode account(CreditLedger ledger, String accountId, String currency, long at) {
        ObjectNode out = JSON.createObjectNode().put("account", accountId).put("at", at);
        ArrayNode balances = out.putArray("balances");
        for (CreditBalance b : ledger.balances(accountId, at)) {
            if (currency != null && !currency.equals(b.currency())) {
                continue;
            }
            ObjectNode balance = balances.addObject().put("currency", b.currency()).put("available_minor", b.availableMinor());
            ArrayNode grants = balance.putArray("grants");
            for (GrantBalance g : b.grants()) {
                CreditGrant c = g.grant();
                grants.addObject().put("grant_id", c.grantId()).put("source", c.source().wire()).put("source_ref", c.sourceRef())
                        .put("reason", c.reason()).put("created_by", c.createdBy()).put("created_at", c.createdAt())
                        .put("priority", c.priority()).put("effective_at", c.effectiveAt()).put("expires_at", c.expiresAt())
                        .put("amount_minor", c.amountMinor()).put("remaining_minor", g.remainingMinor())
                        .put("status", status(g, at));
            }
        }
        ArrayNode entries = out.putArray("entries");
        for (LedgerEntry e : entries(ledger, accountId, currency)) {
            entries.addObject().put("entry_id", e.entryId()).put("grant_id", e.grantId()).put("currency", e.currency())
                    .put("type", e.type().wire()).put("amount_minor", e.amountMinor())
                    .put("remaining_after_minor", e.remainingAfterMinor()).put("invoice_id", e.invoiceId())
                    .put("reference", e.reference()).put("description", e.description()).put("at", e.at());
        }
        return out;
    }

    /** @return the account's entries in {@code currency} (all when null), oldest first */
    static List<LedgerEntry> entries(CreditLedger ledger, String accountId, String currency) {
        return ledger.entries(accountId).stream().filter(e -> currency == null || currency.equals(e.currency())).toList();
    }

    /**
     * @return {@code pending}, {@code active}, {@code used} (active, nothing left), {@code expired}
     */
    static String status(GrantBalance g, long at) {
        return switch (g.status(at)) {
            case PENDING -> "pending";
            case EXPIRED -> "expired";
            case ACTIVE -> g.remainingMinor() == 0 ? "used" : "active";
        };
    }
}
