package dev.tally.stripesync;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.config.Env;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceLine;
import dev.tally.invoice.LineType;
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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.tally.stripesync.SyncFixtures.ANCHOR;
import static dev.tally.stripesync.SyncFixtures.NOW;
import static dev.tally.stripesync.SyncFixtures.PERIOD_START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * {@link StripeSyncHandler} built with its real constructor on the template's environment (no Stripe key: the
 * recording gateway writes each request it would send to the stripe-sync table and answers the sync's reads from
 * them), driven with invoices-table stream records, and its resync. The same sync against Stripe's API (a local fake
 * of it) is {@link StripeSyncStripeIT}. Runs once per backend (subclasses); each test uses its own account and
 * invoice ids.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StripeSyncHandlerIT {

    /** SnapStart priming (beforeCheckpoint) only reads, needs no secret, and runs against the real tables. */
    @Test
    void primingRunsWithoutSecretsOrWrites() {
        assertThatCode(handler::prime).doesNotThrowAnyException();
    }
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
        Invoice invoice = storedInvoice(account, 700);
        String id = invoice.invoiceId();

        StreamsEventResponse response = handler.handleRequest(StreamEvents.batch(finalized(invoice)), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        StripeSyncItem state = state(id);
        assertThat(state.status).isEqualTo(RECORDED);
        assertThat(state.stripeInvoiceId).isEqualTo("in_local_" + id);
        assertThat(state.createdAt).isEqualTo(NOW.getEpochSecond());
        assertThat(state.attempts).isEqualTo(1L);
        assertThat(state.lastError).isNull();

        Map<String, StripeSyncItem> requests = requests(id);
        assertThat(requests.keySet()).containsExactlyInAnyOrder(
                "tally:" + id + ":invoice",
                "tally:" + id + ":line:usage:build_minutes",
                "tally:" + id + ":line:usage:image_pulls",
                "tally:" + id + ":line:credit:applied",
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
        assertThat(createParams.get("auto_advance").asBoolean()).isFalse();
        assertThat(createParams.path("metadata").get(StripeSyncService.TALLY_INVOICE_METADATA).asText()).isEqualTo(id);
        assertThat(createParams.path("metadata").get("tally_account_id").asText()).isEqualTo(account);

        for (InvoiceLine line : invoice.lines().stream().filter(l -> l.type() == LineType.USAGE).toList()) {
            StripeSyncItem item = requests.get("tally:" + id + ":line:usage:" + line.meter());
            assertThat(item.path).isEqualTo("/v1/invoiceitems");
            JsonNode p = params(item);
            assertThat(p.get("amount").asLong()).isEqualTo(line.amountMinor());
            assertThat(p.get("currency").asText()).isEqualTo("usd");
            assertThat(p.get("customer").asText()).isEqualTo("cus_" + account);
            assertThat(p.get("invoice").asText()).isEqualTo(state.stripeInvoiceId);
            assertThat(p.get("description").asText()).isEqualTo(line.description());
            assertThat(p.path("metadata").get("tally_meter").asText()).isEqualTo(line.meter());
            assertThat(p.path("metadata").get(StripeSyncService.TALLY_LINE_METADATA).asText()).isEqualTo("usage:" + line.meter());
            assertThat(p.path("metadata").get("tally_line_type").asText()).isEqualTo("usage");
        }
        StripeSyncItem creditItem = requests.get("tally:" + id + ":line:credit:applied");
        JsonNode credits = params(creditItem);
        assertThat(creditItem.path).isEqualTo("/v1/invoiceitems");
        assertThat(credits.get("amount").asLong()).isEqualTo(-700L);
        assertThat(credits.get("invoice").asText()).isEqualTo(state.stripeInvoiceId);
        assertThat(credits.get("description").asText()).isEqualTo("Prepaid credits applied (7.00 USD)");
        assertThat(credits.path("metadata").get("tally_line_type").asText()).isEqualTo("credit");

        StripeSyncItem finalize = requests.get("tally:" + id + ":finalize");
        assertThat(finalize.path).isEqualTo("/v1/invoices/" + state.stripeInvoiceId + "/finalize");

        // What Stripe will charge is exactly Tally's total.
        long stripeTotal = requests.values().stream().filter(r -> r.path.equals("/v1/invoiceitems"))
                .mapToLong(r -> params(r).get("amount").asLong()).sum();
        assertThat(stripeTotal).isEqualTo(invoice.totalMinor()).isEqualTo(2_500L - 700L);
    }

    @Test
    void invoiceWithoutCreditsSendsNoCreditItem() {
        Invoice invoice = storedInvoice(seededAccount(), 0);

        assertThat(handler.handleRequest(StreamEvents.batch(finalized(invoice)), null).getBatchItemFailures()).isEmpty();

        assertThat(requests(invoice.invoiceId()).keySet()).hasSize(4)
                .doesNotContain("tally:" + invoice.invoiceId() + ":line:credit:applied");
        assertThat(state(invoice.invoiceId()).status).isEqualTo(RECORDED);
    }

    @Test
    void redeliveredRecordSendsNothingAgain() {
        Invoice invoice = storedInvoice(seededAccount(), 700);
        DynamodbEvent.DynamodbStreamRecord record = finalized(invoice);
        assertThat(handler.handleRequest(StreamEvents.batch(record), null).getBatchItemFailures()).isEmpty();
        Map<String, Long> firstTimes = requests(invoice.invoiceId()).entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().createdAt));
        StripeSyncItem firstState = state(invoice.invoiceId());

        clock.advance(Duration.ofMinutes(3));
        StreamsEventResponse again = handler.handleRequest(StreamEvents.batch(record), null);

        assertThat(again.getBatchItemFailures()).isEmpty();
        Map<String, StripeSyncItem> requests = requests(invoice.invoiceId());
        assertThat(requests).hasSize(5);
        assertThat(requests.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().createdAt)))
                .as("no request was sent (recorded) again").isEqualTo(firstTimes);
        StripeSyncItem state = state(invoice.invoiceId());
        assertThat(state.status).isEqualTo(RECORDED);
        assertThat(state.stripeInvoiceId).isEqualTo(firstState.stripeInvoiceId);
        assertThat(state.createdAt).isEqualTo(firstState.createdAt);
    }

    @Test
    void zeroSubtotalInvoiceIsSkippedWithoutRequests() {
        String account = seededAccount();
        Invoice invoice = SyncFixtures.store(tables,
                SyncFixtures.invoice(account, List.of(SyncFixtures.line("build_minutes", "1200", "1500", "0", 0)), 0));

        StreamsEventResponse response = handler.handleRequest(StreamEvents.batch(finalized(invoice)), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        StripeSyncItem state = state(invoice.invoiceId());
        assertThat(state.status).isEqualTo("skipped");
        assertThat(state.stripeInvoiceId).isNull();
        assertThat(requests(invoice.invoiceId())).isEmpty();
    }

    @Test
    void recordsOtherThanAFinalizationAreIgnored() {
        Invoice invoice = storedInvoice(seededAccount(), 700);
        Map<String, AttributeValue> draft = SyncFixtures.draftImage(tables, invoice);
        // a draft written (or a draft's new attempt), and a removal: nothing to send
        DynamodbEvent.DynamodbStreamRecord insert = stream.record("INSERT", keys(invoice), draft, null,
                StreamViewType.NEW_AND_OLD_IMAGES, NOW);
        DynamodbEvent.DynamodbStreamRecord attempt = stream.record("MODIFY", keys(invoice), draft, draft,
                StreamViewType.NEW_AND_OLD_IMAGES, NOW);
        DynamodbEvent.DynamodbStreamRecord remove = stream.record("REMOVE", keys(invoice), null, draft,
                StreamViewType.NEW_AND_OLD_IMAGES, NOW);

        StreamsEventResponse response = handler.handleRequest(StreamEvents.batch(insert, attempt, remove), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        assertThat(syncRecords(invoice.invoiceId())).isEmpty();
    }

    @Test
    void invoiceOfAnAccountWithoutStripeCustomerIsSyncFailedTheBatchGoesOnAndResyncFinishesIt() {
        Invoice first = storedInvoice(seededAccount(), 0);
        String missingAccount = TallyFixtures.uniqueId("acct");
        Invoice orphan = storedInvoice(missingAccount, 0);
        Invoice after = storedInvoice(seededAccount(), 0);

        StreamsEventResponse response = handler.handleRequest(StreamEvents.batch(finalized(first), finalized(orphan), finalized(after)), null);

        assertThat(response.getBatchItemFailures()).as("a permanent failure does not hold the batch").isEmpty();
        assertThat(state(first.invoiceId()).status).isEqualTo(RECORDED);
        StripeSyncItem failed = state(orphan.invoiceId());
        assertThat(failed.status).isEqualTo("sync_failed");
        assertThat(failed.lastError).isEqualTo("account " + missingAccount + " has no Stripe customer (Tally has not "
                + "received its customer.created); once it has, resync the invoice");
        assertThat(failed.attempts).isEqualTo(1L);
        assertThat(requests(orphan.invoiceId())).isEmpty();
        assertThat(state(after.invoiceId()).status).isEqualTo(RECORDED);

        // A redelivery leaves it failed; once the customer exists, a resync sends it.
        assertThat(handler.handleRequest(StreamEvents.batch(finalized(orphan)), null).getBatchItemFailures()).isEmpty();
        assertThat(state(orphan.invoiceId()).status).isEqualTo("sync_failed");
        TallyFixtures.seedCustomer(tables, missingAccount, "team", ANCHOR, PERIOD_START);
        clock.advance(Duration.ofMinutes(5));

        SyncState resynced = handler.resync(orphan.invoiceId());

        assertThat(resynced.status()).isEqualTo(SyncStatus.RECORDED);
        assertThat(resynced.lastError()).isNull();
        assertThat(resynced.attempts()).isEqualTo(1);
        assertThat(state(orphan.invoiceId()).status).isEqualTo(RECORDED);
        assertThat(requests(orphan.invoiceId())).hasSize(4);
        assertThat(handler.resync(orphan.invoiceId())).as("done: a second resync sends nothing").isEqualTo(resynced);
        assertThat(requests(orphan.invoiceId())).hasSize(4);
    }

    // ------------------------------------------------------------------ helpers

    /** An account with a Stripe customer ({@code cus_<account>}) and a team subscription. */
    String seededAccount() {
        String account = TallyFixtures.uniqueId("acct");
        TallyFixtures.seedCustomer(tables, account, "team", ANCHOR, PERIOD_START);
        return account;
    }

    /** A team-plan invoice for November (build minutes 1500 + image pulls 1000 = 2500), finalized in the tables. */
    Invoice storedInvoice(String account, long creditsMinor) {
        return SyncFixtures.store(tables, SyncFixtures.teamInvoice(account, creditsMinor));
    }

    /** The stream record of the invoice's finalization: its header from draft to open (what the mapping's filter passes). */
    DynamodbEvent.DynamodbStreamRecord finalized(Invoice invoice) {
        return stream.record("MODIFY", keys(invoice), SyncFixtures.image(tables, invoice), SyncFixtures.draftImage(tables, invoice),
                StreamViewType.NEW_AND_OLD_IMAGES, NOW);
    }

    static Map<String, AttributeValue> keys(Invoice invoice) {
        return Map.of("invoiceId", AttributeValue.fromS(invoice.invoiceId()));
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
