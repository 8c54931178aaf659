package dev.tally.stripesync;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.store.StripeSyncItem;
import dev.tally.store.TallyTables;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@link StripeGateway} for when no Stripe API key is configured (the local default): instead of sending, it
 * records each creating request it would send (method, path, idempotency key, form parameters) in the stripe-sync
 * table under the Tally invoice it belongs to ({@code REQUEST#<idempotency key>}), and answers the reads from those
 * records as Stripe would answer them had the requests been sent: the invoice ({@code in_local_<Tally invoice id>})
 * is a draft until a finalize is recorded, its total is the sum of its recorded items. The record key is the
 * request's idempotency key, so a retried request overwrites its own record, as Stripe would answer it once.
 */
public final class RecordingStripeGateway implements StripeGateway {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Prefix of the made-up Stripe invoice ids; the rest is the Tally invoice id. */
    static final String INVOICE_PREFIX = "in_local_";
    private static final String INVOICES = "/v1/invoices";
    private static final String ITEMS = "/v1/invoiceitems";

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
    public List<StripeInvoice> findInvoices(String tallyInvoiceId, String customer, long createdSince) {
        return retrieveInvoice(INVOICE_PREFIX + tallyInvoiceId).stream().toList();
    }

    @Override
    public Optional<StripeInvoice> retrieveInvoice(String stripeInvoiceId) {
        if (!stripeInvoiceId.startsWith(INVOICE_PREFIX)) {
            return Optional.empty();
        }
        List<StripeSyncItem> requests = requests(stripeInvoiceId.substring(INVOICE_PREFIX.length()));
        JsonNode create = requests.stream().filter(r -> r.path.equals(INVOICES)).findFirst().map(r -> params(r)).orElse(null);
        if (create == null) {
            return Optional.empty();
        }
        boolean finalized = requests.stream().anyMatch(r -> r.path.equals(INVOICES + "/" + stripeInvoiceId + "/finalize"));
        long total = requests.stream().filter(r -> r.path.equals(ITEMS)).mapToLong(r -> params(r).get("amount").asLong()).sum();
        return Optional.of(new StripeInvoice(stripeInvoiceId, create.get("customer").asText(), create.get("currency").asText(),
                finalized ? "open" : StripeInvoice.DRAFT, total, metadata(create)));
    }

    @Override
    public StripeInvoice createInvoice(String customer, String currency, String description, Map<String, String> metadata,
                                       String idempotencyKey) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("customer", customer);
        params.put("currency", currency);
        params.put("description", description);
        params.put("collection_method", "charge_automatically");
        params.put("pending_invoice_items_behavior", "exclude");
        params.put("auto_advance", false);
        params.put("metadata", metadata);
        String tallyInvoiceId = metadata.get(StripeSyncService.TALLY_INVOICE_METADATA);
        record(tallyInvoiceId, INVOICES, idempotencyKey, params);
        return new StripeInvoice(INVOICE_PREFIX + tallyInvoiceId, customer, currency, StripeInvoice.DRAFT, 0, metadata);
    }

    @Override
    public List<StripeInvoiceItem> listItems(String stripeInvoiceId) {
        return requests(stripeInvoiceId.substring(INVOICE_PREFIX.length())).stream().filter(r -> r.path.equals(ITEMS))
                .map(r -> {
                    JsonNode p = params(r);
                    return new StripeInvoiceItem(itemId(r.idempotencyKey), stripeInvoiceId, p.get("amount").asLong(),
                            p.get("currency").asText(), metadata(p));
                }).toList();
    }

    @Override
    public StripeInvoiceItem createInvoiceItem(String customer, String stripeInvoiceId, long amountMinor, String currency,
                                               String description, Map<String, String> metadata, String idempotencyKey) {
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("customer", customer);
        params.put("invoice", stripeInvoiceId);
        params.put("amount", amountMinor);
        params.put("currency", currency);
        params.put("description", description);
        params.put("metadata", metadata);
        record(stripeInvoiceId.substring(INVOICE_PREFIX.length()), ITEMS, idempotencyKey, params);
        return new StripeInvoiceItem(itemId(idempotencyKey), stripeInvoiceId, amountMinor, currency, metadata);
    }

    @Override
    public StripeInvoice finalizeInvoice(String stripeInvoiceId, String idempotencyKey) {
        record(stripeInvoiceId.substring(INVOICE_PREFIX.length()), INVOICES + "/" + stripeInvoiceId + "/finalize",
                idempotencyKey, Map.of("auto_advance", true));
        return retrieveInvoice(stripeInvoiceId).orElseThrow();
    }

    private static String itemId(String idempotencyKey) {
        return "ii_local_" + Integer.toHexString(idempotencyKey.hashCode() & 0x7fffffff);
    }

    private List<StripeSyncItem> requests(String tallyInvoiceId) {
        return tables.stripeSync.query(r -> r.consistentRead(true)
                        .queryConditional(QueryConditional.keyEqualTo(k -> k.partitionValue(tallyInvoiceId))))
                .items().stream().filter(i -> i.recordKey.startsWith(StripeSyncItem.REQUEST_PREFIX)).toList();
    }

    private void record(String tallyInvoiceId, String path, String key, Map<String, Object> params) {
        StripeSyncItem item = new StripeSyncItem();
        item.invoiceId = tallyInvoiceId;
        item.recordKey = StripeSyncItem.REQUEST_PREFIX + key;
        item.method = "POST";
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

    private static JsonNode params(StripeSyncItem request) {
        try {
            return JSON.readTree(request.params);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("recorded request " + request.recordKey + " holds no JSON", e);
        }
    }

    private static Map<String, String> metadata(JsonNode params) {
        Map<String, String> m = new LinkedHashMap<>();
        params.path("metadata").fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }
}
