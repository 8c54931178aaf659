package dev.tally.stripesync;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.config.Env;
import dev.tally.store.InvoiceItem;
import dev.tally.store.InvoiceLineItem;
import dev.tally.store.StripeSyncItem;
import dev.tally.store.TallyTables;
import dev.tally.testsupport.StreamEvents;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.MutableClock;
import dev.tally.testsupport.TallyFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link StripeSyncHandler} built with its real constructor on the template's environment (no Stripe key: the
 * recording gateway writes each request it would send to the stripe-sync table), driven with invoices-table stream
 * records. Runs once per backend (subclasses); each test uses its own account and invoice ids.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StripeSyncHandlerIT {

    /** SnapStart priming (beforeCheckpoint) only reads, needs no secret, and runs against the real tables. */
    @Test
    void primingRunsWithoutSecretsOrWrites() {
        assertThatCode(handler::prime).doesNotThrowAnyException();
    }
    static final Instant NOW = Instant.parse("2026-12-15T02:00:00Z");
    static final long ANCHOR = Instant.parse("2026-09-15T00:00:00Z").getEpochSecond();
    static final long PERIOD_START = Instant.parse("2026-11-15T00:00:00Z").getEpochSecond();
    static final long PERIOD_END = Instant.parse("2026-12-15T00:00:00Z").getEpochSecond();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = MutableClock.at(NOW);
    private StripeSyncHandler handler;
    private TallyTables tables;
    private StreamEvents stream;

    /** The backend to run against, a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        Map<String, String> env = backend().functionEnvironment("StripeSyncFunction");
        assertThat(Env.of(env).optional("STRIPE_API_KEY")).as("no Stripe key: requests are recorded").isEmpty();
        assertThat(Env.of(env).optional("STRIPE_API_KEY_SECRET_ARN")).isEmpty();
        handler = new StripeSyncHandler(env, clock);
        tables = new TallyTables(backend().dynamoDb(), Env.of(env));
        stream = new StreamEvents(tables.invoices.tableName(), backend().region().id());
    }

    @AfterAll
    void close() {
        backend().close();
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
    }

    /** Sync state with the recording gateway (no API key): never "synced", which would claim Stripe has it. */
    static final String RECORDED = "recorded";

    // ------------------------------------------------------------------ through the handler

    @Test
    void newInvoiceIsPushedAsInvoiceItemsCreditsAndFinalizeWithIdempotencyKeys() {
        String account = seededAccount();
        InvoiceItem invoice = storedInvoice(account, 700);
        String id = invoice.invoiceId;

        StreamsEventResponse response = handler.handleRequest(StreamEvents.batch(insert(invoice)), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        StripeSyncItem state = state(id);
        assertThat(state.status).isEqualTo(RECORDED);
        assertThat(state.stripeInvoiceId).startsWith("in_");
        assertThat(state.createdAt).isEqualTo(NOW.getEpochSecond());

        Map<String, StripeSyncItem> requests = requests(id);
        assertThat(requests.keySet()).containsExactlyInAnyOrder(
                "tally:" + id + ":invoice",
                "tally:" + id + ":line:build_minutes",
                "tally:" + id + ":line:image_pulls",
                "tally:" + id + ":credits",
                "tally:" + id + ":finalize");
        requests.forEach((key, r) -> {
            assertThat(r.method).isEqualTo("POST");
            assertThat(r.recordKey).isEqualTo(StripeSyncItem.REQUEST_PREFIX + key);
        });

        StripeSyncItem create = requests.get("tally:" + id + ":invoice");
        assertThat(create.path).isEqualTo("/v1/invoices");
        JsonNode createParams = params(create);
        assertThat(createParams.get("customer").asText()).isEqualTo("cus_" + account);
        assertThat(createParams.get("currency").asText()).isEqualTo("usd");
        assertThat(createParams.get("pending_invoice_items_behavior").asText()).isEqualTo("exclude");
        assertThat(createParams.path("metadata").get(StripeSyncService.TALLY_INVOICE_METADATA).asText()).isEqualTo(id);
        assertThat(createParams.path("metadata").get("tally_account_id").asText()).isEqualTo(account);

        for (InvoiceLineItem line : invoice.lines) {
            StripeSyncItem item = requests.get("tally:" + id + ":line:" + line.meter);
            assertThat(item.path).isEqualTo("/v1/invoiceitems");
            JsonNode p = params(item);
            assertThat(p.get("amount").asLong()).isEqualTo(line.amountMinor);
            assertThat(p.get("currency").asText()).isEqualTo("usd");
            assertThat(p.get("customer").asText()).isEqualTo("cus_" + account);
            assertThat(p.get("invoice").asText()).isEqualTo(state.stripeInvoiceId);
            assertThat(p.get("description").asText()).isEqualTo(line.description);
            assertThat(p.path("metadata").get("tally_meter").asText()).isEqualTo(line.meter);
        }
        JsonNode credits = params(requests.get("tally:" + id + ":credits"));
        assertThat(requests.get("tally:" + id + ":credits").path).isEqualTo("/v1/invoiceitems");
        assertThat(credits.get("amount").asLong()).isEqualTo(-700L);
        assertThat(credits.get("invoice").asText()).isEqualTo(state.stripeInvoiceId);

        StripeSyncItem finalize = requests.get("tally:" + id + ":finalize");
        assertThat(finalize.path).isEqualTo("/v1/invoices/" + state.stripeInvoiceId + "/finalize");

        // What Stripe will charge is exactly Tally's total.
        long stripeTotal = requests.values().stream().filter(r -> r.path.equals("/v1/invoiceitems"))
                .mapToLong(r -> params(r).get("amount").asLong()).sum();
        assertThat(stripeTotal).isEqualTo(invoice.totalMinor).isEqualTo(2_500L - 700L);
    }

    @Test
    void invoiceWithoutCreditsSendsNoCreditItem() {
        InvoiceItem invoice = storedInvoice(seededAccount(), 0);

        assertThat(handler.handleRequest(StreamEvents.batch(insert(invoice)), null).getBatchItemFailures()).isEmpty();

        assertThat(requests(invoice.invoiceId).keySet()).hasSize(4)
                .doesNotContain("tally:" + invoice.invoiceId + ":credits");
        assertThat(state(invoice.invoiceId).status).isEqualTo(RECORDED);
    }

    @Test
    void redeliveredRecordSendsNothingAgain() {
        InvoiceItem invoice = storedInvoice(seededAccount(), 700);
        DynamodbEvent.DynamodbStreamRecord record = insert(invoice);
        assertThat(handler.handleRequest(StreamEvents.batch(record), null).getBatchItemFailures()).isEmpty();
        Map<String, Long> firstTimes = requests(invoice.invoiceId).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().createdAt));
        StripeSyncItem firstState = state(invoice.invoiceId);

        clock.advance(Duration.ofMinutes(3));
        StreamsEventResponse again = handler.handleRequest(StreamEvents.batch(record), null);

        assertThat(again.getBatchItemFailures()).isEmpty();
        Map<String, StripeSyncItem> requests = requests(invoice.invoiceId);
        assertThat(requests).hasSize(5);
        assertThat(requests.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().createdAt)))
                .as("no request was sent (recorded) again").isEqualTo(firstTimes);
        StripeSyncItem state = state(invoice.invoiceId);
        assertThat(state.status).isEqualTo(RECORDED);
        assertThat(state.stripeInvoiceId).isEqualTo(firstState.stripeInvoiceId);
        assertThat(state.createdAt).isEqualTo(firstState.createdAt);
    }

    @Test
    void zeroSubtotalInvoiceIsSkippedWithoutRequests() {
        String account = seededAccount();
        InvoiceItem invoice = invoice(account, List.of(line("build_minutes", "1200", "1500", "0", 0)), 0);
        tables.invoices.putItem(invoice);

        StreamsEventResponse response = handler.handleRequest(StreamEvents.batch(insert(invoice)), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        StripeSyncItem state = state(invoice.invoiceId);
        assertThat(state.status).isEqualTo("skipped");
        assertThat(state.stripeInvoiceId).isNull();
        assertThat(requests(invoice.invoiceId)).isEmpty();
    }

    @Test
    void modifyAndRemoveRecordsAreIgnored() {
        InvoiceItem invoice = storedInvoice(seededAccount(), 700);
        Map<String, AttributeValue> image = InvoiceItem.SCHEMA.itemToMap(invoice, true);
        DynamodbEvent.DynamodbStreamRecord modify = stream.record("MODIFY", keys(invoice), image, null, StreamViewType.NEW_IMAGE, NOW);
        DynamodbEvent.DynamodbStreamRecord remove = stream.record("REMOVE", keys(invoice), null, null, StreamViewType.NEW_IMAGE, NOW);

        StreamsEventResponse response = handler.handleRequest(StreamEvents.batch(modify, remove), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(syncRecords(invoice.invoiceId)).isEmpty();
    }

    @Test
    void invoiceOfAnUnknownAccountFailsFromItsRecordOn() {
        InvoiceItem first = storedInvoice(seededAccount(), 0);
        String missingAccount = TallyFixtures.uniqueId("acct");
        InvoiceItem orphan = storedInvoice(missingAccount, 0);
        InvoiceItem after = storedInvoice(seededAccount(), 0);
        DynamodbEvent.DynamodbStreamRecord orphanRecord = insert(orphan);
        DynamodbEvent.DynamodbStreamRecord afterRecord = insert(after);

        StreamsEventResponse response = handler.handleRequest(StreamEvents.batch(insert(first), orphanRecord, afterRecord), null);

        assertThat(response.getBatchItemFailures())
                .extracting(StreamsEventResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly(orphanRecord.getDynamodb().getSequenceNumber());
        assertThat(state(first.invoiceId).status).isEqualTo(RECORDED);
        assertThat(syncRecords(orphan.invoiceId)).isEmpty();
        assertThat(syncRecords(after.invoiceId)).as("records after the failed one are left for the retry").isEmpty();

        // Lambda retries from the failed record; once the customer exists, both go through.
        TallyFixtures.seedCustomer(tables, missingAccount, "team", ANCHOR, PERIOD_START);
        StreamsEventResponse retry = handler.handleRequest(StreamEvents.batch(orphanRecord, afterRecord), null);

        assertThat(retry.getBatchItemFailures()).isEmpty();
        assertThat(state(orphan.invoiceId).status).isEqualTo(RECORDED);
        assertThat(state(after.invoiceId).status).isEqualTo(RECORDED);
        assertThat(requests(orphan.invoiceId)).hasSize(4);
    }

    // ------------------------------------------------------------------ the service, with a gateway that fails once

    @Test
    void serviceRetryAfterACrashMidSyncRepeatsTheSameCallsWithTheSameKeys() {
        InvoiceItem invoice = storedInvoice(seededAccount(), 700);
        String prefix = "tally:" + invoice.invoiceId + ":";
        FlakyStripe stripe = new FlakyStripe(tables, invoice.invoiceId);
        StripeSyncService service = new StripeSyncService(tables, stripe, clock);

        assertThatThrownBy(() -> service.sync(invoice)).hasMessageContaining("connection reset");
        StripeSyncItem afterCrash = state(invoice.invoiceId);
        assertThat(afterCrash.status).as("the draft is remembered as soon as it exists").isEqualTo(StripeSyncService.DRAFT);
        assertThat(afterCrash.stripeInvoiceId).isEqualTo(stripe.stripeInvoiceId());

        clock.advance(Duration.ofSeconds(30));
        StripeSyncItem state = service.sync(invoice);

        // The retry adds to the remembered draft (no second invoice, even past Stripe's 24-hour key window) and
        // repeats the item calls with the same keys.
        assertThat(stripe.keys).containsExactly(
                prefix + "invoice", prefix + "line:build_minutes", prefix + "line:image_pulls",
                prefix + "line:build_minutes", prefix + "line:image_pulls", prefix + "credits", prefix + "finalize");
        assertThat(stripe.invoicesUsed).as("every item went on the one Stripe invoice the key designates").containsOnly(stripe.stripeInvoiceId());
        assertThat(stripe.statusAtFinalize).as("synced is written only after finalize").isEqualTo(StripeSyncService.DRAFT);
        assertThat(state.status).isEqualTo("synced");
        assertThat(state.stripeInvoiceId).isEqualTo(stripe.stripeInvoiceId());
        assertThat(state(invoice.invoiceId).stripeInvoiceId).isEqualTo(stripe.stripeInvoiceId());
        assertThat(state(invoice.invoiceId).createdAt).as("the state dates from the first attempt").isEqualTo(NOW.getEpochSecond());

        // Once synced, another delivery calls Stripe no more.
        service.sync(invoice);
        assertThat(stripe.keys).hasSize(7);
    }

    /**
     * A Stripe that answers an idempotency key with the same object every time, and whose connection drops on the
     * second invoice item, once.
     */
    static final class FlakyStripe implements StripeGateway {
        final List<String> keys = new ArrayList<>();
        final List<String> invoicesUsed = new ArrayList<>();
        String statusAtFinalize;
        private final TallyTables tables;
        private final String tallyInvoiceId;
        private int itemCalls;
        private boolean failed;

        FlakyStripe(TallyTables tables, String tallyInvoiceId) {
            this.tables = tables;
            this.tallyInvoiceId = tallyInvoiceId;
        }

        String stripeInvoiceId() {
            return "in_" + Integer.toHexString(("tally:" + tallyInvoiceId + ":invoice").hashCode());
        }

        @Override
        public String createInvoice(String customer, String currency, String description, Map<String, String> metadata,
                                    String idempotencyKey) {
            keys.add(idempotencyKey);
            return "in_" + Integer.toHexString(idempotencyKey.hashCode());
        }

        @Override
        public void createInvoiceItem(String customer, String invoice, long amountMinor, String currency, String description,
                                      Map<String, String> metadata, String idempotencyKey) {
            keys.add(idempotencyKey);
            invoicesUsed.add(invoice);
            if (++itemCalls == 2 && !failed) {
                failed = true;
                throw new IllegalStateException("connection reset while creating " + idempotencyKey);
            }
        }

        @Override
        public void finalizeInvoice(String invoice, String idempotencyKey) {
            keys.add(idempotencyKey);
            invoicesUsed.add(invoice);
            StripeSyncItem state = tables.stripeSync.getItem(r -> r.consistentRead(true)
                    .key(k -> k.partitionValue(tallyInvoiceId).sortValue(StripeSyncItem.STATE)));
            statusAtFinalize = state == null ? null : state.status;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** An account with a Stripe customer ({@code cus_<account>}) and a team subscription. */
    String seededAccount() {
        String account = TallyFixtures.uniqueId("acct");
        TallyFixtures.seedCustomer(tables, account, "team", ANCHOR, PERIOD_START);
        return account;
    }

    /** A team-plan invoice for November (build minutes 1500 + image pulls 1000 = 2500), written to the invoices table. */
    InvoiceItem storedInvoice(String account, long creditsMinor) {
        InvoiceItem invoice = invoice(account, List.of(
                line("build_minutes", "2500", "1500", "1000", 1_500),
                line("image_pulls", "15000", "5000", "10000", 1_000)), creditsMinor);
        tables.invoices.putItem(invoice);
        return invoice;
    }

    static InvoiceItem invoice(String account, List<InvoiceLineItem> lines, long creditsMinor) {
        InvoiceItem invoice = new InvoiceItem();
        invoice.invoiceId = InvoiceItem.invoiceId(account, PERIOD_START);
        invoice.accountId = account;
        invoice.subscriptionId = "sub_" + account;
        invoice.planId = "team";
        invoice.periodStart = PERIOD_START;
        invoice.periodEnd = PERIOD_END;
        invoice.currency = "usd";
        invoice.lines = lines;
        invoice.subtotalMinor = lines.stream().mapToLong(l -> l.amountMinor).sum();
        invoice.creditsAppliedMinor = creditsMinor;
        invoice.totalMinor = invoice.subtotalMinor - creditsMinor;
        invoice.catalogVersion = "2026-11-01";
        invoice.createdAt = NOW.getEpochSecond() - 60;
        return invoice;
    }

    static InvoiceLineItem line(String meter, String quantity, String included, String billable, long amountMinor) {
        InvoiceLineItem line = new InvoiceLineItem();
        line.meter = meter;
        line.description = meter + ": " + quantity + " (" + included + " included)";
        line.quantity = new BigDecimal(quantity);
        line.includedQuantity = new BigDecimal(included);
        line.billableQuantity = new BigDecimal(billable);
        line.amountMinor = amountMinor;
        line.usageEventCount = 3L;
        line.seriesKey = "x#" + meter;
        return line;
    }

    DynamodbEvent.DynamodbStreamRecord insert(InvoiceItem invoice) {
        return stream.record("INSERT", keys(invoice), InvoiceItem.SCHEMA.itemToMap(invoice, true), null,
                StreamViewType.NEW_IMAGE, NOW);
    }

    static Map<String, AttributeValue> keys(InvoiceItem invoice) {
        return Map.of("invoiceId", AttributeValue.fromS(invoice.invoiceId));
    }

    StripeSyncItem state(String invoiceId) {
        return tables.stripeSync.getItem(r -> r.consistentRead(true)
                .key(k -> k.partitionValue(invoiceId).sortValue(StripeSyncItem.STATE)));
    }

    List<StripeSyncItem> syncRecords(String invoiceId) {
        return tables.stripeSync.query(r -> r.consistentRead(true)
                .queryConditional(QueryConditional.keyEqualTo(k -> k.partitionValue(invoiceId)))).items().stream().toList();
    }

    /** The recorded requests of an invoice by idempotency key. */
    Map<String, StripeSyncItem> requests(String invoiceId) {
        Map<String, StripeSyncItem> out = new LinkedHashMap<>();
        for (StripeSyncItem item : syncRecords(invoiceId)) {
            if (item.recordKey.startsWith(StripeSyncItem.REQUEST_PREFIX)) {
                out.put(item.idempotencyKey, item);
            }
        }
        return out;
    }

    static JsonNode params(StripeSyncItem request) {
        try {
            return JSON.readTree(request.params);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
