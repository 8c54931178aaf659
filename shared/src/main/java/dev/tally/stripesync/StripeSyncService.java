package dev.tally.stripesync;

import dev.tally.store.AccountItem;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceLine;
import dev.tally.invoice.LineType;
import dev.tally.store.StripeSyncItem;
import dev.tally.store.TallyTables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pushes a Tally invoice to Stripe: a draft invoice (which Stripe will not finalize by itself), one invoice item per
 * line, a negative item for prepaid credits applied, then finalize; Stripe collects the payment and reports back
 * through {@code invoice.paid} / {@code invoice.payment_failed} webhooks.
 *
 * <p>Idempotency: each call's key is {@code tally:<invoice id>:<step>}, so a retry after a crash repeats the same
 * calls and Stripe returns the objects it already created. The sync state records the Stripe draft as soon as it
 * exists ({@code draft}), so a retry after Stripe's 24-hour key window adds to that draft instead of opening a second
 * one, and says {@code synced} after finalize, after which the invoice is not sent again. An invoice with a zero
 * subtotal is not sent ({@code skipped}); with a recording gateway the state is {@code recorded}.
 */
public final class StripeSyncService {
    private static final Logger LOG = LoggerFactory.getLogger(StripeSyncService.class);

    /** Metadata key on Stripe objects naming the Tally invoice. */
    public static final String TALLY_INVOICE_METADATA = "tally_invoice_id";
    /** Prefix of every idempotency key Tally sends. */
    public static final String KEY_PREFIX = "tally:";
    /** Sync state while the Stripe draft exists but is not finalized yet. */
    public static final String DRAFT = "draft";

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
    public StripeSyncItem sync(Invoice invoice) {
        StripeSyncItem state = tables.stripeSync.getItem(r -> r.consistentRead(true)
                .key(k -> k.partitionValue(invoice.invoiceId()).sortValue(StripeSyncItem.STATE)));
        if (state != null && !DRAFT.equals(state.status)) {
            LOG.info("invoice {} already {}", invoice.invoiceId(), state.status);
            return state;
        }
        if (state == null) {
            state = new StripeSyncItem();
            state.invoiceId = invoice.invoiceId();
            state.recordKey = StripeSyncItem.STATE;
            state.createdAt = clock.instant().getEpochSecond();
        }
        if (invoice.subtotalMinor() == 0) {
            state.status = "skipped";
        } else {
            AccountItem account = tables.accounts.getItem(r -> r.key(k -> k.partitionValue(invoice.accountId())));
            if (account == null || account.stripeCustomerId == null) {
                throw new IllegalStateException("account " + invoice.accountId() + " has no Stripe customer");
            }
            push(invoice, account.stripeCustomerId, state);
            state.status = stripe.sendsRequests() ? "synced" : "recorded";
        }
        tables.stripeSync.putItem(state);
        LOG.info("invoice {} {} ({})", invoice.invoiceId(), state.status, state.stripeInvoiceId);
        return state;
    }

    private void push(Invoice invoice, String customer, StripeSyncItem state) {
        String prefix = KEY_PREFIX + invoice.invoiceId() + ":";
        if (state.stripeInvoiceId == null) {
            String description = "Usage " + Instant.ofEpochSecond(invoice.periodStart()) + " to " + Instant.ofEpochSecond(invoice.periodEnd());
            state.stripeInvoiceId = stripe.createInvoice(customer, invoice.currency(), description, metadata(invoice, null), prefix + "invoice");
            state.status = DRAFT;
            tables.stripeSync.putItem(state);
        }
        String stripeInvoice = state.stripeInvoiceId;
        for (InvoiceLine line : invoice.lines()) {
            stripe.createInvoiceItem(customer, stripeInvoice, line.amountMinor(), invoice.currency(), line.description(),
                    metadata(invoice, line.meter()), prefix + (line.type() == LineType.CREDIT ? "credits:" : "line:") + line.lineId());
        }
        stripe.finalizeInvoice(stripeInvoice, prefix + "finalize");
    }

    private static Map<String, String> metadata(Invoice invoice, String meter) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(TALLY_INVOICE_METADATA, invoice.invoiceId());
        m.put("tally_account_id", invoice.accountId());
        if (meter != null) {
            m.put("tally_meter", meter);
        }
        return m;
    }
}
