package dev.tally.stripesync;

import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.stripe.StripeClient;
import dev.tally.invoice.Invoice;
import dev.tally.store.TallyTables;
import dev.tally.metrics.RecordingMetrics;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.MutableClock;
import dev.tally.testsupport.StreamEvents;
import dev.tally.testsupport.TallyFixtures;
import dev.tally.testsupport.stripe.FakeStripe;
import dev.tally.testsupport.stripe.FakeStripe.Endpoint;
import dev.tally.testsupport.stripe.FakeStripe.Fault;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.tally.stripesync.SyncFixtures.ANCHOR;
import static dev.tally.stripesync.SyncFixtures.NOW;
import static dev.tally.stripesync.SyncFixtures.PERIOD_START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * {@link StripeSyncService} with the real {@link StripeApiGateway} (stripe-java) against {@link FakeStripe}, which
 * keeps Stripe's idempotency rules (answers saved for 24 hours, then forgotten), and the real
 * {@link DynamoDbStripeSyncStore} on the backend: a crash after any call and a retry within or after 24 hours, 5xx
 * answers saved under a key, 429s, timeouts, lost answers, permanent errors in a batch, mismatches, resync. Every test
 * checks what users rely on: one Stripe invoice per Tally invoice, each line once, Stripe's total equal to Tally's.
 * Runs once per backend (subclasses); each test uses its own account, customer and invoice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StripeSyncStripeIT {
    private static final String API_KEY = "sk_test_tally";
    /** Team invoice lines (build minutes 1500, image pulls 1000) and credits of 700: total 1800. */
    private static final long CREDITS = 700;
    private static final List<String> LINE_IDS = List.of("usage:build_minutes", "usage:image_pulls", "credit:applied");

    private final MutableClock clock = MutableClock.at(NOW);
    private final RecordingMetrics metrics = new RecordingMetrics();
    private final List<Duration> gatewaySleeps = new ArrayList<>();
    private final List<Duration> serviceSleeps = new ArrayList<>();
    private FakeStripe stripe;
    private TallyTables tables;
    private DynamoDbStripeSyncStore store;

    /** The backend to run against, a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void start() {
        backend().provision();
        tables = TallyFixtures.tables(backend(), "StripeSyncFunction");
        store = new DynamoDbStripeSyncStore(tables);
        stripe = FakeStripe.start(clock);
    }

    @AfterAll
    void stop() {
        stripe.close();
        backend().close();
    }

    @BeforeEach
    void reset() {
        clock.set(NOW);
        gatewaySleeps.clear();
        serviceSleeps.clear();
    }

    // ------------------------------------------------------------------ the whole sync

    @Test
    void createsTheInvoiceEachLineOnceThenFinalizesWithTallysTotal() {
        Invoice invoice = invoiceOfNewCustomer();

        SyncState state = service(gateway()).sync(invoice).orElseThrow();

        ObjectNode created = onlyStripeInvoice(invoice);
        assertThat(created.get("status").asText()).isEqualTo("open");
        assertThat(created.get("auto_advance").asBoolean()).isTrue();
        assertThat(created.get("collection_method").asText()).isEqualTo("charge_automatically");
        assertThat(created.get("customer").asText()).isEqualTo("cus_" + invoice.accountId());
        assertThat(created.get("total").asLong()).isEqualTo(invoice.totalMinor()).isEqualTo(2_500L - CREDITS);
        assertThat(created.path("metadata").get("tally_account_id").asText()).isEqualTo(invoice.accountId());
        Map<String, Long> items = itemsByLine(created);
        assertThat(items).containsExactlyInAnyOrderEntriesOf(Map.of("usage:build_minutes", 1_500L,
                "usage:image_pulls", 1_000L, "credit:applied", -CREDITS));
        String prefix = "tally:" + invoice.invoiceId() + ":";
        assertThat(executedKeys(invoice)).containsExactly(prefix + "invoice", prefix + "line:usage:build_minutes",
                prefix + "line:usage:image_pulls", prefix + "line:credit:applied", prefix + "finalize");
        assertThat(state.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(state.stripeInvoiceId()).isEqualTo(created.get("id").asText());
        assertThat(state.attempts()).isEqualTo(1);
        assertThat(state.lastError()).isNull();
        assertThat(state.attemptOpenSince()).isNull();
        assertThat(store.find(invoice.invoiceId())).contains(state);

        // Synced: a redelivery sends nothing.
        int requests = stripe.requests().size();
        assertThat(service(gateway()).sync(invoice)).contains(state);
        assertThat(stripe.requests()).hasSize(requests);
    }

    /** Port calls of one clean sync: find, create invoice, list items, three items, retrieve, finalize. */
    static Stream<Arguments> crashPoints() {
        return IntStream.rangeClosed(1, 8).boxed().flatMap(call -> Stream.of(
                Arguments.of(call, Duration.ofMinutes(1)), Arguments.of(call, Duration.ofHours(25))));
    }

    @ParameterizedTest(name = "crash after call {0}, retry after {1}")
    @MethodSource("crashPoints")
    void aCrashAfterAnyCallThenARetryWithinOrAfter24HoursNeverDuplicates(int call, Duration retryAfter) {
        Invoice invoice = invoiceOfNewCustomer();

        assertThatThrownBy(() -> service(crashingAfter(gateway(), call)).sync(invoice)).isInstanceOf(SimulatedCrash.class);
        SyncState afterCrash = store.find(invoice.invoiceId()).orElseThrow();
        assertThat(afterCrash.attemptOpenSince()).as("the crash left its attempt open").isEqualTo(NOW.getEpochSecond());
        clock.advance(retryAfter);
        SyncState state = service(gateway()).sync(invoice).orElseThrow();

        assertThat(state.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(state.attempts()).isEqualTo(2);
        ObjectNode created = onlyStripeInvoice(invoice);
        assertThat(created.get("status").asText()).isEqualTo("open");
        assertThat(created.get("total").asLong()).isEqualTo(invoice.totalMinor());
        assertThat(itemsByLine(created)).containsOnlyKeys(LINE_IDS);
        assertThat(stripe.itemsOf(created.get("id").asText())).hasSize(3);
        String prefix = "tally:" + invoice.invoiceId() + ":";
        assertThat(executedKeys(invoice)).as("each creating request executed once; a retry within 24 h is a replay")
                .containsExactlyInAnyOrder(prefix + "invoice", prefix + "line:usage:build_minutes",
                        prefix + "line:usage:image_pulls", prefix + "line:credit:applied", prefix + "finalize");
    }

    @ParameterizedTest(name = "retry after {0} s")
    @ValueSource(longs = {10, 25 * 3600})
    void a500OnFinalizeIsNotReplayedToTheNextAttempt(long retryAfterSeconds) {
        Invoice invoice = invoiceOfNewCustomer();
        stripe.failNth(Endpoint.FINALIZE_INVOICE, 1, Fault.SERVER_ERROR);
        StripeSyncService service = service(gateway());

        assertThatThrownBy(() -> service.sync(invoice)).isInstanceOf(StripeSyncService.SyncRetryException.class)
                .hasMessageContaining("attempt 1 of 5").hasMessageContaining("An unknown error occurred");
        String prefix = "tally:" + invoice.invoiceId() + ":";
        assertThat(stripe.requests()).filteredOn(r -> (prefix + "finalize").equals(r.idempotencyKey()))
                .as("stripe-java retried the 500 twice with the same key; Stripe replayed the saved 500")
                .extracting(FakeStripe.Request::status, FakeStripe.Request::replayed)
                .containsExactly(tuple(500, false), tuple(500, true),
                        tuple(500, true));
        SyncState failed = store.find(invoice.invoiceId()).orElseThrow();
        assertThat(failed.status()).isEqualTo(SyncStatus.DRAFT);
        assertThat(failed.attempts()).isEqualTo(1);
        assertThat(failed.keyGeneration()).as("Stripe answered: its answer may be saved, the next keys differ").isEqualTo(1);
        assertThat(failed.lastError()).contains("finalize invoice").contains("An unknown error occurred");
        assertThat(failed.nextAttemptAt()).isBetween(NOW.getEpochSecond() + 1, NOW.getEpochSecond() + 2);

        clock.advance(Duration.ofSeconds(retryAfterSeconds));
        SyncState state = service.sync(invoice).orElseThrow();

        assertThat(state.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(state.attempts()).isEqualTo(2);
        assertThat(state.lastError()).isNull();
        assertThat(serviceSleeps).as("10 s is past the not-before time: no wait").isEmpty();
        ObjectNode created = onlyStripeInvoice(invoice);
        assertThat(created.get("status").asText()).isEqualTo("open");
        assertThat(created.get("total").asLong()).isEqualTo(invoice.totalMinor());
        assertThat(executedKeys(invoice)).containsExactly(prefix + "invoice", prefix + "line:usage:build_minutes",
                prefix + "line:usage:image_pulls", prefix + "line:credit:applied", prefix + "finalize",
                prefix + "finalize:g1");
    }

    @Test
    void aFinalizeThatTookEffectBehindA500IsNotSentAgain() {
        Invoice invoice = invoiceOfNewCustomer();
        stripe.failNth(Endpoint.FINALIZE_INVOICE, 1, Fault.SERVER_ERROR_AFTER_EFFECT);
        StripeSyncService service = service(gateway());

        assertThatThrownBy(() -> service.sync(invoice)).isInstanceOf(StripeSyncService.SyncRetryException.class);
        int finalizes = stripe.executions(Endpoint.FINALIZE_INVOICE);
        SyncState state = service.sync(invoice).orElseThrow();

        assertThat(state.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(stripe.executions(Endpoint.FINALIZE_INVOICE)).as("found open: no second finalize").isEqualTo(finalizes);
        assertThat(serviceSleeps).as("the retry came before its not-before time and waited for it").hasSize(1);
        assertThat(serviceSleeps.getFirst()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(2));
        assertThat(onlyStripeInvoice(invoice).get("total").asLong()).isEqualTo(invoice.totalMinor());
    }

    @Test
    void rateLimitedCallsBackOffWithJitterAndSucceedInTheSameAttempt() {
        Invoice invoice = invoiceOfNewCustomer();
        stripe.failNth(Endpoint.CREATE_ITEM, 1, Fault.RATE_LIMITED);
        stripe.failNth(Endpoint.CREATE_ITEM, 2, Fault.RATE_LIMITED);

        SyncState state = service(gateway()).sync(invoice).orElseThrow();

        assertThat(state.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(state.attempts()).isEqualTo(1);
        assertThat(gatewaySleeps).hasSize(2);
        assertThat(gatewaySleeps.get(0)).isBetween(Duration.ofMillis(500), Duration.ofMillis(1000));
        assertThat(gatewaySleeps.get(1)).isBetween(Duration.ofMillis(1000), Duration.ofMillis(2000));
        String firstItem = "tally:" + invoice.invoiceId() + ":line:usage:build_minutes";
        assertThat(stripe.requests()).filteredOn(r -> firstItem.equals(r.idempotencyKey()))
                .as("429s are not saved: the third try executed").extracting(FakeStripe.Request::status)
                .containsExactly(429, 429, 200);
        assertThat(itemsByLine(onlyStripeInvoice(invoice))).containsOnlyKeys(LINE_IDS);
    }

    @Test
    void aTimeoutIsRetriedInTheCallWithTheSameKeyAndExecutesOnce() {
        Invoice invoice = invoiceOfNewCustomer();
        stripe.timeoutDelay(Duration.ofMillis(1500));
        stripe.failNth(Endpoint.CREATE_ITEM, 1, Fault.TIMEOUT);

        SyncState state = service(gateway(500)).sync(invoice).orElseThrow();

        assertThat(state.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(state.attempts()).isEqualTo(1);
        String firstItem = "tally:" + invoice.invoiceId() + ":line:usage:build_minutes";
        List<FakeStripe.Request> tries = stripe.requests().stream().filter(r -> firstItem.equals(r.idempotencyKey())).toList();
        // Timed out after 0.5 s; stripe-java's retries 0.5 s and 0.75-1 s later: 409 while the first still executes
        // (1.5 s), then its saved answer.
        assertThat(tries).hasSizeBetween(2, 3);
        assertThat(tries.getFirst().executed()).isTrue();
        assertThat(tries.getLast().replayed()).isTrue();
        assertThat(tries.getLast().status()).isEqualTo(200);
        assertThat(tries.subList(1, tries.size() - 1)).extracting(FakeStripe.Request::status).containsOnly(409);
        assertThat(itemsByLine(onlyStripeInvoice(invoice))).containsOnlyKeys(LINE_IDS);
        assertThat(stripe.itemsOf(state.stripeInvoiceId())).hasSize(3);
    }

    @Test
    void aLostAnswerIsFoundByTheNextAttemptAfterStripeForgotTheKey() {
        Invoice invoice = invoiceOfNewCustomer();
        stripe.failNth(Endpoint.CREATE_INVOICE, 1, Fault.DROP);
        StripeSyncService service = service(gateway());

        assertThatThrownBy(() -> service.sync(invoice)).isInstanceOf(StripeSyncService.SyncRetryException.class);
        SyncState failed = store.find(invoice.invoiceId()).orElseThrow();
        assertThat(failed.status()).isEqualTo(SyncStatus.PENDING);
        assertThat(failed.keyGeneration()).as("no answer: the request may still run, keep the keys").isZero();
        assertThat(stripe.invoicesWithMetadata(StripeSyncService.TALLY_INVOICE_METADATA, invoice.invoiceId())).hasSize(1);

        clock.advance(Duration.ofHours(25));
        SyncState state = service.sync(invoice).orElseThrow();

        assertThat(state.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(onlyStripeInvoice(invoice).get("total").asLong()).isEqualTo(invoice.totalMinor());
        assertThat(executedKeys(invoice)).filteredOn(k -> k.endsWith(":invoice")).hasSize(1);
    }

    @Test
    void transientFailuresOnEveryAttemptEndInSyncFailedThenResyncFinishes() {
        Invoice invoice = invoiceOfNewCustomer();
        for (int call = 1; call <= 4 * StripeSyncService.MAX_ATTEMPTS; call++) {
            stripe.failNth(Endpoint.SEARCH_INVOICES, call, Fault.RATE_LIMITED);
        }
        StripeSyncService service = service(gateway());

        for (int attempt = 1; attempt < StripeSyncService.MAX_ATTEMPTS; attempt++) {
            assertThatThrownBy(() -> service.sync(invoice)).isInstanceOf(StripeSyncService.SyncRetryException.class);
        }
        SyncState failed = service.sync(invoice).orElseThrow();

        assertThat(failed.status()).isEqualTo(SyncStatus.SYNC_FAILED);
        assertThat(failed.attempts()).isEqualTo(5);
        assertThat(failed.lastError()).startsWith("gave up after 5 attempts: search invoices").contains("rate limit");
        assertThat(failed.nextAttemptAt()).isNull();
        assertThat(serviceSleeps).as("each retry waited for its jittered backoff").hasSize(4);
        for (int i = 0; i < 4; i++) {
            long cap = Math.min(16, 2L << i);
            assertThat(serviceSleeps.get(i)).isBetween(Duration.ofSeconds(cap / 2), Duration.ofSeconds(cap));
        }
        assertThat(gatewaySleeps).as("3 retries of each 429 in the call").hasSize(4 * 5 - 5);
        assertThat(stripe.invoicesWithMetadata(StripeSyncService.TALLY_INVOICE_METADATA, invoice.invoiceId())).isEmpty();
        assertThat(service.sync(invoice)).as("the stream gives up on it").contains(failed);
        assertThat(store.withStatus(SyncStatus.SYNC_FAILED)).extracting(SyncState::invoiceId).contains(invoice.invoiceId());

        SyncState resynced = service.resync(invoice);

        assertThat(resynced.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(resynced.attempts()).as("a resync opens a new round").isEqualTo(1);
        assertThat(onlyStripeInvoice(invoice).get("total").asLong()).isEqualTo(invoice.totalMinor());
    }

    @Test
    void aPermanent400MarksItsInvoiceSyncFailedTheBatchGoesOnAndResyncFinishesIt() {
        String orphan = TallyFixtures.uniqueId("acct");
        TallyFixtures.seedCustomer(tables, orphan, "team", ANCHOR, PERIOD_START); // Tally knows it, Stripe does not
        String account = newCustomer();
        Invoice failing = stored(orphan);
        Invoice next = stored(account);
        Map<String, String> env = new HashMap<>(backend().functionEnvironment("StripeSyncFunction"));
        env.put("STRIPE_API_KEY", API_KEY);
        env.put("STRIPE_API_BASE", stripe.apiBase());
        StripeSyncHandler handler = new StripeSyncHandler(env, clock);
        StreamEvents stream = new StreamEvents(tables.invoices.tableName(), backend().region().id());

        StreamsEventResponse response = handler.handleRequest(StreamEvents.batch(finalized(stream, failing), finalized(stream, next)), null);

        assertThat(response.getBatchItemFailures()).isEmpty();
        SyncState failed = store.find(failing.invoiceId()).orElseThrow();
        assertThat(failed.status()).isEqualTo(SyncStatus.SYNC_FAILED);
        assertThat(failed.lastError()).contains("create invoice").contains("No such customer: 'cus_" + orphan + "'");
        assertThat(failed.attempts()).isEqualTo(1);
        assertThat(failed.keyGeneration()).as("the 400 is saved under the key for 24 hours").isEqualTo(1);
        assertThat(store.find(next.invoiceId()).orElseThrow().status()).isEqualTo(SyncStatus.SYNCED);

        // The customer is created in Stripe; an hour later (inside the key's 24 hours) the operator resyncs.
        stripe.addCustomer("cus_" + orphan);
        clock.advance(Duration.ofHours(1));
        SyncState resynced = handler.resync(failing.invoiceId());

        assertThat(resynced.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(resynced.lastError()).isNull();
        Invoice invoice = failing;
        ObjectNode created = onlyStripeInvoice(invoice);
        assertThat(created.get("total").asLong()).isEqualTo(invoice.totalMinor());
        String prefix = "tally:" + failing.invoiceId() + ":";
        assertThat(executedKeys(invoice)).startsWith(prefix + "invoice", prefix + "invoice:g1");
        assertThatThrownBy(() -> handler.resync("tin_nope")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no invoice tin_nope (ids are listed by `tally invoices`)");
    }

    @Test
    void aDraftWithAnItemTallyDidNotCreateIsNeverFinalized() {
        Invoice invoice = invoiceOfNewCustomer();
        assertThatThrownBy(() -> service(crashingAfter(gateway(), 2)).sync(invoice)).isInstanceOf(SimulatedCrash.class);
        String draft = onlyStripeInvoice(invoice).get("id").asText();
        String stray = stripe.addItemDirectly(draft, 999, Map.of());

        SyncState state = service(gateway()).sync(invoice).orElseThrow();

        assertThat(state.status()).isEqualTo(SyncStatus.SYNC_FAILED);
        assertThat(state.lastError()).isEqualTo("Stripe draft " + draft + " does not match invoice " + invoice.invoiceId()
                + ": item " + stray + " (999 usd (9.99 USD), tally_line_id null) is not a line of the invoice; it was not finalized");
        assertThat(onlyStripeInvoice(invoice).get("status").asText()).isEqualTo("draft");
        assertThat(stripe.itemsOf(draft)).hasSize(1);
    }

    @Test
    void twoStripeInvoicesForOneTallyInvoiceAreRefused() {
        Invoice invoice = invoiceOfNewCustomer();
        StripeApiGateway gateway = gateway();
        Map<String, String> metadata = Map.of(StripeSyncService.TALLY_INVOICE_METADATA, invoice.invoiceId());
        String first = gateway.createInvoice("cus_" + invoice.accountId(), "usd", "by hand", metadata, "manual-1").id();
        String second = gateway.createInvoice("cus_" + invoice.accountId(), "usd", "by hand", metadata, "manual-2").id();

        SyncState state = service(gateway).sync(invoice).orElseThrow();

        assertThat(state.status()).isEqualTo(SyncStatus.SYNC_FAILED);
        assertThat(state.lastError()).startsWith("2 Stripe invoices carry tally_invoice_id " + invoice.invoiceId() + ": ")
                .contains(first + " (draft)").contains(second + " (draft)").endsWith("; void or delete all but one, then resync");
        assertThat(executedKeys(invoice)).isEmpty();
    }

    @Test
    void aVoidedStripeInvoiceIsNotInvoicedAgain() {
        Invoice invoice = invoiceOfNewCustomer();
        assertThatThrownBy(() -> service(crashingAfter(gateway(), 2)).sync(invoice)).isInstanceOf(SimulatedCrash.class);
        String voided = onlyStripeInvoice(invoice).get("id").asText();
        stripe.voidInvoice(voided);

        SyncState state = service(gateway()).sync(invoice).orElseThrow();

        assertThat(state.status()).isEqualTo(SyncStatus.SYNC_FAILED);
        assertThat(state.lastError()).startsWith("Stripe invoice " + voided + " of " + invoice.invoiceId() + " is void");
        assertThat(stripe.invoicesWithMetadata(StripeSyncService.TALLY_INVOICE_METADATA, invoice.invoiceId())).hasSize(1);
    }

    @Test
    void aDeletedDraftIsReplacedOnce() {
        Invoice invoice = invoiceOfNewCustomer();
        stripe.failNth(Endpoint.CREATE_ITEM, 1, Fault.SERVER_ERROR);
        StripeSyncService service = service(gateway());
        assertThatThrownBy(() -> service.sync(invoice)).isInstanceOf(StripeSyncService.SyncRetryException.class);
        String deleted = store.find(invoice.invoiceId()).orElseThrow().stripeInvoiceId();
        stripe.deleteDraft(deleted);

        SyncState state = service.sync(invoice).orElseThrow();

        assertThat(state.status()).isEqualTo(SyncStatus.SYNCED);
        assertThat(state.stripeInvoiceId()).isNotEqualTo(deleted);
        assertThat(onlyStripeInvoice(invoice).get("total").asLong()).isEqualTo(invoice.totalMinor());
    }

    // ------------------------------------------------------------------ helpers

    /** Thrown after a gateway call returned: the process died there (not a RuntimeException: nothing catches it). */
    static final class SimulatedCrash extends Error {
        SimulatedCrash(String after) {
            super("crashed after " + after);
        }
    }

    /** The gateway, but the process dies right after its {@code n}th call returned. */
    static StripeGateway crashingAfter(StripeGateway real, int n) {
        AtomicInteger calls = new AtomicInteger();
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("sendsRequests")) {
                return real.sendsRequests();
            }
            Object result;
            try {
                result = method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (calls.incrementAndGet() == n) {
                throw new SimulatedCrash(method.getName());
            }
            return result;
        };
        return (StripeGateway) Proxy.newProxyInstance(StripeGateway.class.getClassLoader(), new Class<?>[]{StripeGateway.class}, handler);
    }

    private StripeApiGateway gateway() {
        return gateway(StripeApiGateway.READ_TIMEOUT_MILLIS);
    }

    private StripeApiGateway gateway(int readTimeoutMillis) {
        StripeClient client = StripeApiGateway.clientBuilder(API_KEY).setApiBase(stripe.apiBase())
                .setReadTimeout(readTimeoutMillis).build();
        return new StripeApiGateway(client, d -> {
            gatewaySleeps.add(d);
            clock.advance(d);
        }, new SplittableRandom(7));
    }

    private StripeSyncService service(StripeGateway gateway) {
        return new StripeSyncService(store, gateway, clock, d -> {
            serviceSleeps.add(d);
            clock.advance(d);
        }, new SplittableRandom(11), metrics);
    }

    private String newCustomer() {
        String account = TallyFixtures.uniqueId("acct");
        TallyFixtures.seedCustomer(tables, account, "team", ANCHOR, PERIOD_START);
        stripe.addCustomer("cus_" + account);
        return account;
    }

    private Invoice invoiceOfNewCustomer() {
        return SyncFixtures.teamInvoice(newCustomer(), CREDITS);
    }

    private Invoice stored(String account) {
        return SyncFixtures.store(tables, SyncFixtures.teamInvoice(account, CREDITS));
    }

    /** The stream record of the invoice's finalization: its header from draft to open. */
    private com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord finalized(StreamEvents stream, Invoice invoice) {
        return stream.record("MODIFY", Map.of("invoiceId", AttributeValue.fromS(invoice.invoiceId())),
                SyncFixtures.image(tables, invoice), SyncFixtures.draftImage(tables, invoice), StreamViewType.NEW_AND_OLD_IMAGES, NOW);
    }

    private ObjectNode onlyStripeInvoice(Invoice invoice) {
        List<ObjectNode> found = stripe.invoicesWithMetadata(StripeSyncService.TALLY_INVOICE_METADATA, invoice.invoiceId());
        assertThat(found).as("Stripe invoices of " + invoice.invoiceId()).hasSize(1);
        return found.getFirst();
    }

    private Map<String, Long> itemsByLine(ObjectNode stripeInvoice) {
        Map<String, Long> byLine = new HashMap<>();
        for (ObjectNode item : stripe.itemsOf(stripeInvoice.get("id").asText())) {
            Long previous = byLine.put(item.path("metadata").path(StripeSyncService.TALLY_LINE_METADATA).asText(),
                    item.get("amount").asLong());
            assertThat(previous).as("one item per line").isNull();
        }
        return byLine;
    }

    /** Idempotency keys of the invoice's creating requests that executed (not replays), in order. */
    private List<String> executedKeys(Invoice invoice) {
        return stripe.requests().stream().filter(r -> r.executed() && r.idempotencyKey() != null
                && r.idempotencyKey().startsWith("tally:" + invoice.invoiceId() + ":")).map(FakeStripe.Request::idempotencyKey).toList();
    }
}
