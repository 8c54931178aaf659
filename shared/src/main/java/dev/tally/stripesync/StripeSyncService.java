package dev.tally.stripesync;

import dev.tally.money.Currencies;
import dev.tally.store.AccountItem;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import dev.tally.store.StripeSyncItem;
import dev.tally.store.TallyTables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pushes a Tally invoice to Stripe: a draft invoice, one invoice item per line, a negative item for prepaid credits
 * applied, then finalize; Stripe collects the payment and reports back through {@code invoice.paid} /
 * {@code invoice.payment_failed} webhooks.
 *
 * <p>Idempotency: each call's key is {@code tally:<invoice id>:<step>}, so a retry after a crash repeats the same
 * calls and Stripe returns the objects it already created. The sync state is recorded last; an invoice whose state
 * says {@code synced} is not sent again, which also covers retries after Stripe's 24-hour key window. An invoice with
 * a zero subtotal is not sent (state {@code skipped}).
 */
public final class StripeSyncService {
    private static final Logger LOG = LoggerFactory.getLogger(StripeSyncService.class);

    /** Metadata key on Stripe objects naming the Tally invoice. */
    public static final String TALLY_INVOICE_METADATA = "tally_invoice_id";
    /** Prefix of every idempotency key Tally sends. */
    public static final String KEY_PREFIX = "tally:";

    private final TallyTables tables;
    private final StripeGateway stripe;
    private final Clock clock;

    /**
     * @param tables bound tables
     * @param stripe the gateway (real or recording)
     * @param clock source of record times
     */
    public StripeSyncService(TallyTables tables, StripeGateway stripe, Clock clock) {
        this.tables = tables;
        this.stripe = stripe;
        this.clock = clock;
    }

    /**
     * @param invoice a newly written Tally invoice
     * @return the sync state after this call
     * @throws IllegalStateException if the invoice's account has no Stripe customer
     * @throws RuntimeException if a Stripe call fails (retry the same invoice)
     */
    public StripeSyncItem sync(InvoiceItem invoice) {
        StripeSyncItem state = tables.stripeSync.getItem(r -> r.consistentRead(true)
                .key(k -> k.partitionValue(invoice.invoiceId).sortValue(StripeSyncItem.STATE)));
        if (state != null) {
            LOG.info("invoice {} already {}", invoice.invoiceId, state.status);
            return state;
        }
        state = new StripeSyncItem();
        state.invoiceId = invoice.invoiceId;
        state.recordKey = StripeSyncItem.STATE;
        if (invoice.subtotalMinor == null || invoice.subtotalMinor == 0) {
            state.status = "skipped";
        } else {
            AccountItem account = tables.accounts.getItem(r -> r.key(k -> k.partitionValue(invoice.accountId)));
            if (account == null || account.stripeCustomerId == null) {
                throw new IllegalStateException("account " + invoice.accountId + " has no Stripe customer");
            }
            state.stripeInvoiceId = push(invoice, account.stripeCustomerId);
            state.status = "synced";
        }
        state.createdAt = clock.instant().getEpochSecond();
        tables.stripeSync.putItem(state);
        LOG.info("invoice {} {} ({})", invoice.invoiceId, state.status, state.stripeInvoiceId);
        return state;
    }

    private String push(InvoiceItem invoice, String customer) {
        String prefix = KEY_PREFIX + invoice.invoiceId + ":";
        String description = "Usage " + Instant.ofEpochSecond(invoice.periodStart) + " to " + Instant.ofEpochSecond(invoice.periodEnd);
        String stripeInvoice = stripe.createInvoice(customer, invoice.currency, description, metadata(invoice, null), prefix + "invoice");
        for (InvoiceLineItem line : invoice.lines) {
            stripe.createInvoiceItem(customer, stripeInvoice, line.amountMinor, invoice.currency, line.description,
                    metadata(invoice, line.meter), prefix + "line:" + line.meter);
        }
        if (invoice.creditsAppliedMinor != null && invoice.creditsAppliedMinor > 0) {
            stripe.createInvoiceItem(customer, stripeInvoice, -invoice.creditsAppliedMinor, invoice.currency,
                    "Prepaid credits applied (" + Currencies.format(invoice.creditsAppliedMinor, invoice.currency) + ")",
                    metadata(invoice, null), prefix + "credits");
        }
        stripe.finalizeInvoice(stripeInvoice, prefix + "finalize");
        return stripeInvoice;
    }

    private static Map<String, String> metadata(InvoiceItem invoice, String meter) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(TALLY_INVOICE_METADATA, invoice.invoiceId);
        m.put("tally_account_id", invoice.accountId);
        if (meter != null) {
            m.put("tally_meter", meter);
        }
        return m;
    }
}
