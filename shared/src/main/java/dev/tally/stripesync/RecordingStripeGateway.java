package dev.tally.stripesync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.store.StripeSyncItem;
import dev.tally.store.TallyTables;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@link StripeGateway} for when no Stripe API key is configured (the local default): instead of sending, it
 * records each request it would send (method, path, idempotency key, form parameters) in the stripe-sync table
 * under the Tally invoice it belongs to, and answers with made-up ids. The record key is the request's idempotency
 * key, so a retried sync overwrites its own records, exactly as Stripe would answer a retried request once.
 */
public final class RecordingStripeGateway implements StripeGateway {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TallyTables tables;
    private final Clock clock;

    /**
     * @param tables bound tables
     * @param clock source of record times
     */
    public RecordingStripeGateway(TallyTables tables, Clock clock) {
        this.tables = tables;
        this.clock = clock;
    }

    @Override
    public boolean sendsRequests() {
        return false;
    }

    @Override
    public String createInvoice(String customer, String currency, String description, Map<String, String> metadata,
                                String idempotencyKey) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("customer", customer);
        params.put("currency", currency);
        params.put("description", description);
        params.put("collection_method", "charge_automatically");
        params.put("pending_invoice_items_behavior", "exclude");
        params.put("auto_advance", false);
        params.put("metadata", metadata);
        record(metadata.get(StripeSyncService.TALLY_INVOICE_METADATA), "POST", "/v1/invoices", idempotencyKey, params);
        return "in_local_" + Integer.toHexString(idempotencyKey.hashCode() & 0x7fffffff);
    }

    @Override
    public void createInvoiceItem(String customer, String invoice, long amountMinor, String currency,
                                  String description, Map<String, String> metadata, String idempotencyKey) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("customer", customer);
        params.put("invoice", invoice);
        params.put("amount", amountMinor);
        params.put("currency", currency);
        params.put("description", description);
        params.put("metadata", metadata);
        record(metadata.get(StripeSyncService.TALLY_INVOICE_METADATA), "POST", "/v1/invoiceitems", idempotencyKey, params);
    }

    @Override
    public void finalizeInvoice(String invoice, String idempotencyKey) {
        Map<String, Object> params = Map.of("auto_advance", true);
        String tallyInvoice = idempotencyKey.substring(StripeSyncService.KEY_PREFIX.length(), idempotencyKey.lastIndexOf(':'));
        record(tallyInvoice, "POST", "/v1/invoices/" + invoice + "/finalize", idempotencyKey, params);
    }

    private void record(String tallyInvoiceId, String method, String path, String key, Map<String, Object> params) {
        StripeSyncItem item = new StripeSyncItem();
        item.invoiceId = tallyInvoiceId;
        item.recordKey = StripeSyncItem.REQUEST_PREFIX + key;
        item.method = method;
        item.path = path;
        item.idempotencyKey = key;
        item.createdAt = clock.instant().getEpochSecond();
        try {
            item.params = JSON.writeValueAsString(params);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        tables.stripeSync.putItem(item);
    }
}
