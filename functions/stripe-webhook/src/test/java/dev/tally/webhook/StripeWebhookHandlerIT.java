package dev.tally.webhook;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.config.Env;
import dev.tally.local.stripe.StripeEvents;
import dev.tally.store.AccountItem;
import dev.tally.store.InvoiceItem;
import dev.tally.payment.InvoicePayment;
import dev.tally.payment.PaymentState;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.GrantSource;
import dev.tally.credit.LedgerEntry;
import dev.tally.store.Indexes;
import dev.tally.store.PhaseItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.subscription.Phase;
import dev.tally.store.TallyTables;
import dev.tally.store.WebhookEventItem;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.MutableClock;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.RecordingMetrics;
import dev.tally.testsupport.DynamoDbFault;
import dev.tally.testsupport.DynamoDbFaultInterceptor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.Select;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * {@link StripeWebhookHandler} built with its real constructor on the template's environment, driven with API Gateway
 * HTTP API (payload 2.0) events that carry Stripe webhooks made from Stripe's fixture objects and signed as Stripe
 * signs them. Runs once per backend (subclasses); tables are shared within the class, so each test uses its own ids.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class StripeWebhookHandlerIT {

    /** SnapStart priming (beforeCheckpoint) only reads, needs no secret, and runs against the real tables. */
    @Test
    void primingRunsWithoutSecretsOrWrites() {
        assertThatCode(handler::prime).doesNotThrowAnyException();
    }
    static final String SECRET = "whsec_test_tally_webhook_it";
    /** The secret being rotated out: configured after the current one ({@link SigningSecrets}). */
    static final String PREVIOUS_SECRET = "whsec_test_tally_webhook_previous";
    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    static final String TEAM_PRICE = "price_tally_team_monthly";
    /** Billing cycle anchor and start date of the test subscriptions. */
    static final long START = Instant.parse("2026-09-15T00:00:00Z").getEpochSecond();
    static final long P_NOV = Instant.parse("2026-11-15T00:00:00Z").getEpochSecond();
    static final long P_DEC = Instant.parse("2026-12-15T00:00:00Z").getEpochSecond();
    static final long P_JAN = Instant.parse("2027-01-15T00:00:00Z").getEpochSecond();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = MutableClock.at(NOW);
    private final RecordingMetrics metrics = new RecordingMetrics();
    private StripeWebhookHandler handler;
    private TallyTables tables;

    /** The backend to run against, a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        Map<String, String> env = backend().functionEnvironment("StripeWebhookFunction",
                Map.of("STRIPE_WEBHOOK_SECRET", SECRET + "," + PREVIOUS_SECRET));
        handler = new StripeWebhookHandler(env, clock, metrics);
        tables = new TallyTables(backend().dynamoDb(), Env.of(env));
    }

    /**
     * The customers these tests send have names and emails; no line the webhook logged (target/it-logs, see
     * log4j2-test.xml) may carry them, nor a signing secret. The log is checked to hold the applied events first, so
     * this cannot pass by reading nothing.
     */
    @AfterAll
    void close() throws IOException {
        backend().close();
        java.nio.file.Path log = java.nio.file.Path.of("target", "it-logs", "stripe-webhook.log");
        String logged = java.nio.file.Files.readString(log, StandardCharsets.UTF_8);
        assertThat(logged).as("the webhook's log lines, with their business keys")
                .contains("customer.created: applied").contains("stripe_event_id=evt_");
        for (String personal : List.of("Acme Builds", "billing@acme.test", "@x.test", "Original Name", "Zoë Ünïcode",
                "Leaving Co", "Ent Co", "Jenny Rosen", "example@example.com", SECRET, PREVIOUS_SECRET)) {
            assertThat(logged.lines().filter(l -> l.contains(personal)).toList()).as("log lines holding " + personal).isEmpty();
        }
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
    }

    @AfterEach
    void disarmFaults() {
        DynamoDbFaultInterceptor.disarmAll();
    }

    // ------------------------------------------------------------------ customers, dedup, order

    @Test
    void customerCreatedStoresTheAccountUnderItsTallyId() {
        Ids id = new Ids();
        Reply reply = post(customerEvent(id.evt(1), "customer.created", id, "Acme Builds", "billing@acme.test", t(-600)));

        assertThat(reply).isEqualTo(new Reply(200, "applied"));
        AccountItem account = account(id.account);
        assertThat(account.stripeCustomerId).isEqualTo(id.customer);
        assertThat(account.name).isEqualTo("Acme Builds");
        assertThat(account.email).isEqualTo("billing@acme.test");
        assertThat(account.currency).isEqualTo("usd");
        assertThat(account.stripeEventCreated).isEqualTo(t(-600));
        WebhookEventItem record = webhookEvent(id.evt(1));
        assertThat(record.type).isEqualTo("customer.created");
        assertThat(record.processedAt).isEqualTo(NOW.getEpochSecond());
        assertThat(record.expiresAt).isEqualTo(NOW.getEpochSecond() + StripeWebhookService.EVENT_RETENTION_SECONDS);
    }

    @Test
    void redeliveredEventIsADuplicateAndChangesNothing() {
        Ids id = new Ids();
        createCustomer(id, "Original Name", t(-600));
        Map<String, Long> before = counts();

        // Same event id, same created, but a different name: only deduplication can keep it out.
        clock.advance(Duration.ofMinutes(5));
        Reply replay = post(customerEvent(id.evt(1), "customer.created", id, "Changed Name", "b@x.test", t(-600)));

        assertThat(replay).isEqualTo(new Reply(200, "duplicate"));
        assertThat(account(id.account).name).isEqualTo("Original Name");
        assertThat(account(id.account).email).isEqualTo("billing@x.test");
        assertThat(webhookEvent(id.evt(1)).processedAt).isEqualTo(NOW.getEpochSecond());
        assertThat(counts()).isEqualTo(before);
    }

    @Test
    void olderCustomerUpdateIsStaleAndANewerOneIsApplied() {
        Ids id = new Ids();
        createCustomer(id, "v1", t(-1000));
        assertThat(post(customerEvent(id.evt(2), "customer.updated", id, "v3", "v3@x.test", t(-100))).outcome()).isEqualTo("applied");

        // Stripe does not guarantee order: an update created before the applied one arrives late.
        Reply late = post(customerEvent(id.evt(3), "customer.updated", id, "v2", "v2@x.test", t(-500)));

        assertThat(late).isEqualTo(new Reply(200, "stale"));
        assertThat(account(id.account).name).isEqualTo("v3");
        assertThat(account(id.account).stripeEventCreated).isEqualTo(t(-100));
        assertThat(webhookEvent(id.evt(3))).as("a stale event is recorded, so its redelivery is a duplicate").isNotNull();

        Reply newer = post(customerEvent(id.evt(4), "customer.updated", id, "v4", "v4@x.test", t(-10)));
        assertThat(newer).isEqualTo(new Reply(200, "applied"));
        assertThat(account(id.account).name).isEqualTo("v4");
        assertThat(account(id.account).email).isEqualTo("v4@x.test");
        assertThat(account(id.account).stripeEventCreated).isEqualTo(t(-10));
    }

    // ------------------------------------------------------------------ signature verification

    @Test
    void signatureWithTheWrongSecretIsRejectedAndNothingChanges() {
        Ids id = new Ids();
        String payload = customerEvent(id.evt(1), "customer.created", id, "Mallory", "m@x.test", t(-60));
        assertRejectedAndNothingChanged(request(payload, StripeEvents.sign(payload, "whsec_not_the_endpoint_secret", now())), id);
        assertAcceptedWhenSignedProperly(payload, id);
    }

    @Test
    void missingSignatureHeaderIsRejectedAndNothingChanges() {
        Ids id = new Ids();
        String payload = customerEvent(id.evt(1), "customer.created", id, "Mallory", "m@x.test", t(-60));
        APIGatewayV2HTTPEvent unsigned = request(payload, null);
        assertThat(unsigned.getHeaders()).doesNotContainKey("stripe-signature");
        assertRejectedAndNothingChanged(unsigned, id);
        assertAcceptedWhenSignedProperly(payload, id);
    }

    @Test
    void tamperedBodyIsRejectedAndNothingChanges() {
        Ids id = new Ids();
        String payload = customerEvent(id.evt(1), "customer.created", id, "Honest Ltd", "h@x.test", t(-60));
        String signature = StripeEvents.sign(payload, SECRET, now());
        String tampered = payload.replace("Honest Ltd", "Mallory Ltd");
        assertThat(tampered).isNotEqualTo(payload);
        assertRejectedAndNothingChanged(request(tampered, signature), id);
        assertAcceptedWhenSignedProperly(payload, id);
    }

    @Test
    void signatureOlderThanTheToleranceIsRejectedAndNothingChanges() {
        Ids id = new Ids();
        String payload = customerEvent(id.evt(1), "customer.created", id, "Replay Ltd", "r@x.test", t(-3600));
        String expired = StripeEvents.sign(payload, SECRET, now() - 301);
        assertRejectedAndNothingChanged(request(payload, expired), id);

        // Within the 300 s tolerance the same payload is accepted.
        Reply inTolerance = invoke(request(payload, StripeEvents.sign(payload, SECRET, now() - 299)));
        assertThat(inTolerance).isEqualTo(new Reply(200, "applied"));
    }

    private void assertRejectedAndNothingChanged(APIGatewayV2HTTPEvent request, Ids id) {
        Map<String, Long> before = counts();
        APIGatewayV2HTTPResponse response = handler.handleRequest(request, null);
        assertThat(response.getStatusCode()).isEqualTo(400);
        assertThat(body(response).get("outcome").asText()).isEqualTo("rejected");
        assertThat(counts()).isEqualTo(before);
        assertThat(tables.accounts.getItem(Key.builder().partitionValue(id.account).build())).isNull();
        assertThat(webhookEvent(id.evt(1))).isNull();
    }

    private void assertAcceptedWhenSignedProperly(String payload, Ids id) {
        assertThat(post(payload)).as("the payload itself is fine").isEqualTo(new Reply(200, "applied"));
        assertThat(account(id.account)).isNotNull();
    }

    // ------------------------------------------------------------------ subscriptions

    @Test
    void subscriptionBeforeItsCustomerIsRetriedLaterThenApplied() {
        Ids id = new Ids();
        String subscriptionCreated = StripeEvents.event(id.evt(2), "customer.subscription.created", t(-300),
                subscription(id, P_NOV, P_DEC));
        Map<String, Long> before = counts();

        Reply early = post(subscriptionCreated);

        assertThat(early).isEqualTo(new Reply(503, "retry"));
        assertThat(counts()).isEqualTo(before);
        assertThat(tables.subscriptions.getItem(Key.builder().partitionValue(id.subscription).build())).isNull();
        assertThat(webhookEvent(id.evt(2))).as("not recorded, so the redelivery is applied").isNull();

        createCustomer(id, "Late Customer", t(-400));
        clock.advance(Duration.ofMinutes(10));   // Stripe's retry, signed anew
        Reply redelivered = post(subscriptionCreated);

        assertThat(redelivered).isEqualTo(new Reply(200, "applied"));
        SubscriptionItem sub = subscription(id.subscription);
        assertThat(sub.accountId).isEqualTo(id.account);
        assertThat(sub.stripeCustomerId).isEqualTo(id.customer);
        assertThat(sub.status).isEqualTo("active");
        assertThat(sub.planId).isEqualTo("team");
        assertThat(sub.currency).isEqualTo("usd");
        assertThat(sub.stripePriceIds).contains(TEAM_PRICE);
        assertThat(sub.billingAnchor).isEqualTo(START);
        assertThat(sub.createdAt).isEqualTo(START);
        assertThat(sub.interval).isEqualTo("month");
        assertThat(sub.intervalCount).isEqualTo(1);
        // The period that contains current_period_start (the third one after the anchor), not the first.
        assertThat(sub.periodStart).isEqualTo(P_NOV);
        assertThat(sub.periodEnd).isEqualTo(P_DEC);
        assertThat(sub.billingState).isEqualTo(SubscriptionItem.activeState(sub.subscriptionId));
        assertThat(sub.endedAt).isNull();
        assertThat(sub.stripeEventCreated).isEqualTo(t(-300));
        assertThat(sub.version).isEqualTo(1L);
        assertThat(activeSubscriptionsEndingAt(P_DEC)).contains(id.subscription);
    }

    @Test
    void newerSubscriptionUpdateKeepsTallysBillingCursorAndAnOlderOneIsStale() {
        Ids id = new Ids();
        createCustomerAndSubscription(id, t(-1000));

        // Stripe moved on to the next period and the payment failed; Tally has not invoiced November yet.
        ObjectNode updated = subscription(id, P_DEC, P_JAN).put("status", "past_due");
        Reply applied = post(StripeEvents.event(id.evt(3), "customer.subscription.updated", t(-100), updated));

        assertThat(applied).isEqualTo(new Reply(200, "applied"));
        SubscriptionItem sub = subscription(id.subscription);
        assertThat(sub.status).isEqualTo("past_due");
        assertThat(sub.periodStart).isEqualTo(P_NOV);
        assertThat(sub.periodEnd).isEqualTo(P_DEC);
        assertThat(sub.billingAnchor).isEqualTo(START);
        assertThat(sub.billingState).isEqualTo(SubscriptionItem.activeState(sub.subscriptionId));
        assertThat(sub.stripeEventCreated).isEqualTo(t(-100));
        assertThat(sub.version).isEqualTo(2L);

        ObjectNode older = subscription(id, P_NOV, P_DEC).put("status", "active");
        Reply stale = post(StripeEvents.event(id.evt(4), "customer.subscription.updated", t(-500), older));

        assertThat(stale).isEqualTo(new Reply(200, "stale"));
        SubscriptionItem after = subscription(id.subscription);
        assertThat(after.status).isEqualTo("past_due");
        assertThat(after.stripeEventCreated).isEqualTo(t(-100));
        assertThat(after.version).isEqualTo(2L);
        assertThat(webhookEvent(id.evt(4))).isNotNull();
    }

    @Test
    void planAndSeatChangesAppendPhasesAndTheDeletionClosesTheLast() {
        Ids id = new Ids();
        createCustomerAndSubscription(id, t(-1000));
        long upgradeAt = t(-500);
        long seatsAt = t(-200);
        ObjectNode upgraded = subscription(id, P_NOV, P_DEC);
        ((ObjectNode) upgraded.path("items").path("data").get(0).get("price"))
                .put("id", "price_tally_business_monthly").put("lookup_key", "business_monthly");
        assertThat(post(StripeEvents.event(id.evt(3), "customer.subscription.updated", upgradeAt, upgraded)).outcome())
                .isEqualTo("applied");
        ((ObjectNode) upgraded.path("items").path("data").get(0)).put("quantity", 3);
        assertThat(post(StripeEvents.event(id.evt(4), "customer.subscription.updated", seatsAt, upgraded)).outcome())
                .isEqualTo("applied");
        long endedAt = t(-100);
        ObjectNode deleted = upgraded.deepCopy().put("status", "canceled").put("ended_at", endedAt).put("canceled_at", endedAt);
        assertThat(post(StripeEvents.event(id.evt(5), "customer.subscription.deleted", endedAt, deleted)).outcome())
                .isEqualTo("applied");
        // A redelivered older update changes nothing: phases are only ever appended by newer events.
        assertThat(post(StripeEvents.event(id.evt(6), "customer.subscription.updated", upgradeAt - 1, subscription(id, P_NOV, P_DEC))).outcome())
                .isEqualTo("stale");

        SubscriptionItem sub = subscription(id.subscription);
        assertThat(PhaseItem.toDomain(sub.phases)).containsExactly(
                new Phase("team", 1, START, upgradeAt),
                new Phase("business", 1, upgradeAt, seatsAt),
                new Phase("business", 3, seatsAt, endedAt));
        assertThat(sub.planId).isEqualTo("business");
    }

    @Test
    void deletionInsideTheCurrentPeriodCutsThePeriodAtEndedAt() {
        Ids id = new Ids();
        createCustomerAndSubscription(id, t(-1000));
        long endedAt = P_NOV + Duration.ofDays(5).toSeconds();

        ObjectNode deleted = subscription(id, P_NOV, P_DEC).put("status", "canceled").put("ended_at", endedAt).put("canceled_at", endedAt);
        Reply reply = post(StripeEvents.event(id.evt(3), "customer.subscription.deleted", t(-10), deleted));

        assertThat(reply).isEqualTo(new Reply(200, "applied"));
        SubscriptionItem sub = subscription(id.subscription);
        assertThat(sub.status).isEqualTo("canceled");
        assertThat(sub.endedAt).isEqualTo(endedAt);
        assertThat(sub.periodStart).isEqualTo(P_NOV);
        assertThat(sub.periodEnd).isEqualTo(endedAt);
        assertThat(sub.billingState).as("the partial last period is still invoiced").isEqualTo(SubscriptionItem.activeState(sub.subscriptionId));
        assertThat(sub.version).isEqualTo(2L);
        assertThat(activeSubscriptionsEndingAt(endedAt)).contains(id.subscription);
        assertThat(activeSubscriptionsEndingAt(P_DEC)).doesNotContain(id.subscription);
    }

    @Test
    void deletionBeforeTheUninvoicedPeriodLeavesNothingToBill() {
        Ids id = new Ids();
        createCustomerAndSubscription(id, t(-1000));
        // The invoice generator invoiced November and advanced the cursor to December (a versioned write).
        SubscriptionItem cursor = subscription(id.subscription);
        cursor.periodStart = P_DEC;
        cursor.periodEnd = P_JAN;
        cursor.version = cursor.version + 1;
        tables.subscriptions.putItem(cursor);

        // Canceled at period end: it ended exactly when the uninvoiced period starts.
        ObjectNode deleted = subscription(id, P_NOV, P_DEC).put("status", "canceled").put("ended_at", P_DEC).put("canceled_at", t(-2000));
        Reply reply = post(StripeEvents.event(id.evt(3), "customer.subscription.deleted", t(-10), deleted));

        assertThat(reply).isEqualTo(new Reply(200, "applied"));
        SubscriptionItem sub = subscription(id.subscription);
        assertThat(sub.status).isEqualTo("canceled");
        assertThat(sub.endedAt).isEqualTo(P_DEC);
        assertThat(sub.billingState).isNull();
        assertThat(sub.periodEnd).isNull();
        assertThat(sub.version).isEqualTo(3L);
        assertThat(activeSubscriptionsEndingAt(P_JAN)).doesNotContain(id.subscription);
    }

    @Test
    void anUpdateStampedTheSameSecondAsTheDeletionCannotReviveTheSubscription() {
        Ids id = new Ids();
        createCustomerAndSubscription(id, t(-1000));
        long endedAt = P_NOV + Duration.ofDays(5).toSeconds();
        ObjectNode deleted = subscription(id, P_NOV, P_DEC).put("status", "canceled").put("ended_at", endedAt).put("canceled_at", endedAt);
        assertThat(post(StripeEvents.event(id.evt(3), "customer.subscription.deleted", t(-10), deleted)).outcome()).isEqualTo("applied");

        // Stripe stamps events in whole seconds: an update from the same second may arrive after the deletion.
        ObjectNode stillActive = subscription(id, P_NOV, P_DEC).put("status", "active");
        assertThat(post(StripeEvents.event(id.evt(4), "customer.subscription.updated", t(-10), stillActive)).outcome()).isEqualTo("applied");

        SubscriptionItem sub = subscription(id.subscription);
        assertThat(sub.status).isEqualTo("canceled");
        assertThat(sub.endedAt).as("the end is kept").isEqualTo(endedAt);
        assertThat(sub.periodEnd).as("the last period stays cut at the end").isEqualTo(endedAt);
    }

    @Test
    void aSubscriptionOnAPriceOutsideTheCatalogIsStoredButNotBilledAndNotRefused() {
        Ids id = new Ids();
        createCustomer(id, "Weekly Co", t(-1000));
        // A weekly price of another product in the same Stripe account: Tally has no plan and no weekly periods.
        ObjectNode weekly = subscription(id, P_NOV, P_DEC);
        ObjectNode price = (ObjectNode) weekly.path("items").path("data").get(0).path("price");
        price.put("id", "price_other_weekly").put("lookup_key", "other_weekly");
        ((ObjectNode) price.get("recurring")).put("interval", "week");

        Reply reply = post(StripeEvents.event(id.evt(2), "customer.subscription.created", t(-900), weekly));

        assertThat(reply.status()).as("refusing it would make Stripe retry, then disable the endpoint").isEqualTo(200);
        SubscriptionItem sub = subscription(id.subscription);
        assertThat(sub.planId).isNull();
        assertThat(sub.billingState).isNull();
        assertThat(sub.periodStart).isNull();
    }

    /** Applies {@code customer.created} ({@code evt(1)}) for the test's customer. */
    private void createCustomer(Ids id, String name, long created) {
        assertThat(post(customerEvent(id.evt(1), "customer.created", id, name, "billing@x.test", created)).outcome()).isEqualTo("applied");
    }

    private void createCustomerAndSubscription(Ids id, long created) {
        assertThat(post(customerEvent(id.evt(1), "customer.created", id, "Sub Co", "s@x.test", created - 10)).outcome()).isEqualTo("applied");
        assertThat(post(StripeEvents.event(id.evt(2), "customer.subscription.created", created, subscription(id, P_NOV, P_DEC))).outcome())
                .isEqualTo("applied");
        SubscriptionItem sub = subscription(id.subscription);
        assertThat(sub.periodStart).isEqualTo(P_NOV);
        assertThat(sub.version).isEqualTo(1L);
    }

    // ------------------------------------------------------------------ prepaid credits

    @Test
    void paidCreditPurchaseGrantsOnceAcrossCompletedAndAsyncSucceeded() {
        Ids id = new Ids();
        createCustomer(id, "Credits Co", t(-1000));
        String session = "cs_test_" + id.uid;
        ObjectNode paid = StripeEvents.creditPurchase(session, id.customer, 25_000, "usd", t(-200));

        Reply completed = post(StripeEvents.event(id.evt(2), "checkout.session.completed", t(-100), paid));

        assertThat(completed).isEqualTo(new Reply(200, "applied"));
        String grantId = "cg_" + session;
        GrantBalance grant = credit(id.account, grantId);
        // A purchase: effective from the event's time, default priority, no expiry, recorded by Stripe's webhook.
        assertThat(grant.grant()).isEqualTo(new CreditGrant(grantId, id.account, "usd", 25_000, 50, t(-100), null,
                GrantSource.PURCHASE, session, "Prepaid credits bought in Checkout " + session, "stripe", NOW.getEpochSecond()));
        assertThat(grant.remainingMinor()).isEqualTo(25_000L);
        assertThat(tables.creditStore().entries(id.account)).containsExactly(new LedgerEntry(grantId + ":grant", id.account,
                grantId, "usd", LedgerEntry.Type.GRANT, 25_000, 25_000, null, null,
                "Prepaid credit " + grantId + " (Prepaid credits bought in Checkout " + session + ")", NOW.getEpochSecond()));
        assertThat(creditKeys(id.account)).containsExactlyInAnyOrder("GRANT#" + grantId, "LEDGER#" + grantId + ":grant");

        // The same session again through another event type (another event id): no second grant.
        Reply async = post(StripeEvents.event(id.evt(3), "checkout.session.async_payment_succeeded", t(-50), paid));

        assertThat(async).isEqualTo(new Reply(200, "duplicate"));
        assertThat(credit(id.account, grantId).remainingMinor()).isEqualTo(25_000L);
        assertThat(credit(id.account, grantId).grant().effectiveAt()).isEqualTo(t(-100));
        assertThat(creditKeys(id.account)).hasSize(2);
        assertThat(webhookEvent(id.evt(3))).isNotNull();
        // Stripe redelivers the first event: nothing new either.
        assertThat(post(StripeEvents.event(id.evt(2), "checkout.session.completed", t(-100), paid)))
                .isEqualTo(new Reply(200, "duplicate"));
        assertThat(creditKeys(id.account)).hasSize(2);
    }

    @Test
    void aPurchaseWhoseSessionSaysSoExpiresThatManyDaysAfterIt() {
        Ids id = new Ids();
        createCustomer(id, "Expiring Co", t(-1000));
        String session = "cs_test_" + id.uid;
        ObjectNode paid = StripeEvents.creditPurchase(session, id.customer, 4_000, "usd", t(-200));
        ((ObjectNode) paid.get("metadata")).put("tally_credit_expires_days", "30");

        assertThat(post(StripeEvents.event(id.evt(2), "checkout.session.completed", t(-100), paid))).isEqualTo(new Reply(200, "applied"));

        CreditGrant grant = credit(id.account, "cg_" + session).grant();
        assertThat(grant.effectiveAt()).isEqualTo(t(-100));
        assertThat(grant.expiresAt()).isEqualTo(t(-100) + 30 * 86_400L);
        assertThat(grant.priority()).isEqualTo(CreditGrant.DEFAULT_PRIORITY);
    }

    @Test
    void aPurchaseWithAnUnreadableExpiryIsRefusedAndGrantsNothing() {
        Ids id = new Ids();
        createCustomer(id, "Typo Co", t(-1000));
        ObjectNode paid = StripeEvents.creditPurchase("cs_test_" + id.uid, id.customer, 4_000, "usd", t(-200));
        ((ObjectNode) paid.get("metadata")).put("tally_credit_expires_days", "a month");

        Reply reply = post(StripeEvents.event(id.evt(2), "checkout.session.completed", t(-100), paid));

        assertThat(reply.status()).isEqualTo(400);
        assertThat(creditKeys(id.account)).isEmpty();
        assertThat(webhookEvent(id.evt(2))).isNull();
    }

    @Test
    void unpaidCreditPurchaseIsIgnoredUntilItsPaymentSucceeds() {
        Ids id = new Ids();
        createCustomer(id, "Slow Pay Co", t(-1000));
        String session = "cs_test_" + id.uid;
        ObjectNode unpaid = StripeEvents.creditPurchase(session, id.customer, 9_900, "usd", t(-200)).put("payment_status", "unpaid");

        Reply completed = post(StripeEvents.event(id.evt(2), "checkout.session.completed", t(-100), unpaid));

        assertThat(completed).isEqualTo(new Reply(200, "ignored"));
        assertThat(creditKeys(id.account)).isEmpty();
        assertThat(webhookEvent(id.evt(2))).isNotNull();

        ObjectNode paid = StripeEvents.creditPurchase(session, id.customer, 9_900, "usd", t(-200));
        assertThat(post(StripeEvents.event(id.evt(3), "checkout.session.async_payment_succeeded", t(-50), paid)))
                .isEqualTo(new Reply(200, "applied"));
        assertThat(credit(id.account, "cg_" + session).remainingMinor()).isEqualTo(9_900L);
    }

    @Test
    void paymentSessionWithoutTheCreditsMetadataIsIgnored() {
        Ids id = new Ids();
        createCustomer(id, "Shop Co", t(-1000));
        ObjectNode ordinary = StripeEvents.creditPurchase("cs_test_" + id.uid, id.customer, 4_200, "usd", t(-200));
        ordinary.putObject("metadata");
        Map<String, Long> before = counts();

        Reply reply = post(StripeEvents.event(id.evt(2), "checkout.session.completed", t(-100), ordinary));

        assertThat(reply).isEqualTo(new Reply(200, "ignored"));
        assertThat(creditKeys(id.account)).isEmpty();
        Map<String, Long> expected = new LinkedHashMap<>(before);
        expected.merge("webhookEvents", 1L, Long::sum);
        assertThat(counts()).isEqualTo(expected);
    }

    // ------------------------------------------------------------------ other event types, encodings

    @Test
    void eventTypeTallyDoesNotUseIsIgnoredButRecorded() {
        Ids id = new Ids();
        ObjectNode product = JSON.createObjectNode().put("id", "prod_" + id.uid).put("object", "product")
                .put("name", "Build minutes").put("active", true).put("created", t(-900));
        Map<String, Long> before = counts();

        Reply reply = post(StripeEvents.event(id.evt(1), "product.created", t(-60), product));

        assertThat(reply).isEqualTo(new Reply(200, "ignored"));
        assertThat(webhookEvent(id.evt(1)).type).isEqualTo("product.created");
        Map<String, Long> expected = new LinkedHashMap<>(before);
        expected.merge("webhookEvents", 1L, Long::sum);
        assertThat(counts()).isEqualTo(expected);
    }

    @Test
    void base64EncodedBodyIsVerifiedOnTheDecodedRawBody() {
        Ids id = new Ids();
        String payload = customerEvent(id.evt(1), "customer.created", id, "Zoë Ünïcode GmbH", "zoe@x.test", t(-60));
        APIGatewayV2HTTPEvent request = request(Base64.getEncoder().encodeToString(payload.getBytes(StandardCharsets.UTF_8)),
                StripeEvents.sign(payload, SECRET, now()));
        request.setIsBase64Encoded(true);

        Reply reply = invoke(request);

        assertThat(reply).isEqualTo(new Reply(200, "applied"));
        assertThat(account(id.account).name).isEqualTo("Zoë Ünïcode GmbH");
    }

    // ------------------------------------------------------------------ failures: transient answers 503, permanent 4xx

    @Test
    void aConflictingTransactionOnCustomerCreatedIsRetriedNotLost() {
        Ids id = new Ids();
        String created = customerEvent(id.evt(1), "customer.created", id, "Conflict Co", "c@x.test", t(-600));
        // The event record is fine; the account's update collides with a concurrent transaction.
        DynamoDbFault conflict = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems")
                .onTable(tables.accounts.tableName()).throwing(DynamoDbFault.cancelledWith("None", "TransactionConflict")));
        Map<String, Long> before = counts();
        Map<String, String> retried = Map.of("type", "customer.created", "outcome", "retry");
        long retriesBefore = metrics.total(MetricNames.WEBHOOK_EVENTS, retried);

        Reply first = post(created);

        assertThat(conflict.fired()).isEqualTo(1);
        assertThat(first).isEqualTo(new Reply(503, "retry"));
        assertThat(counts()).as("nothing recorded, so Stripe's retry applies it").isEqualTo(before);
        assertThat(webhookEvent(id.evt(1))).isNull();

        clock.advance(Duration.ofMinutes(1));
        assertThat(post(created)).isEqualTo(new Reply(200, "applied"));
        assertThat(account(id.account).stripeCustomerId).isEqualTo(id.customer);
        assertThat(metrics.total(MetricNames.WEBHOOK_EVENTS, retried)).isEqualTo(retriesBefore + 1);
    }

    @Test
    void throttlingAndTimeoutsAnswer503AndRecordNothing() {
        Ids id = new Ids();
        String created = customerEvent(id.evt(1), "customer.created", id, "Busy Co", "b@x.test", t(-600));
        DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems").onTable(tables.accounts.tableName())
                .throwing(DynamoDbFault.cancelledWith("ThrottlingError", "None")));
        assertThat(post(created)).isEqualTo(new Reply(503, "retry"));
        DynamoDbFaultInterceptor.disarmAll();
        // A timeout: the SDK's client-side failure, before the call reached DynamoDB.
        DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems").onTable(tables.accounts.tableName()));
        assertThat(post(created)).isEqualTo(new Reply(503, "retry"));
        DynamoDbFaultInterceptor.disarmAll();

        assertThat(webhookEvent(id.evt(1))).isNull();
        assertThat(post(created)).isEqualTo(new Reply(200, "applied"));
    }

    @Test
    void aCrashAfterTheTransactionIsRetriedAsADuplicateWithEverythingApplied() {
        Ids id = new Ids();
        createCustomer(id, "Crash Co", t(-1000));
        String session = "cs_test_" + id.uid;
        String purchase = StripeEvents.event(id.evt(2), "checkout.session.completed", t(-100),
                StripeEvents.creditPurchase(session, id.customer, 5_000, "usd", t(-200)));
        DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems").onTable(tables.creditsTable).afterCall());

        assertThat(post(purchase)).isEqualTo(new Reply(503, "retry"));
        // The transaction did commit: grant, its entry, the payment link and the event record, all or nothing.
        assertThat(credit(id.account, "cg_" + session).remainingMinor()).isEqualTo(5_000L);

        assertThat(post(purchase)).isEqualTo(new Reply(200, "duplicate"));
        assertThat(creditKeys(id.account)).containsExactlyInAnyOrder("GRANT#cg_" + session, "LEDGER#cg_" + session + ":grant");
        assertThat(tables.creditStore().purchasePayment(id.account, StripeEvents.paymentIntentOf(session))).isPresent();
    }

    @Test
    void aCustomerTooLargeForAnItemIsStoredCutToFit() {
        Ids id = new Ids();
        String longName = "N".repeat(300_000);
        String longEmail = "e".repeat(200_000) + "@x.test";
        Reply reply = post(customerEvent(id.evt(1), "customer.created", id, longName, longEmail, t(-600)));

        assertThat(reply).isEqualTo(new Reply(200, "applied"));
        assertThat(account(id.account).name).hasSize(StripeWebhookService.MAX_NAME_CHARS);
        assertThat(account(id.account).email).hasSize(StripeWebhookService.MAX_EMAIL_CHARS);
    }

    @Test
    void anItemDynamoDbRefusesIsABadRequestNotA500() {
        Ids id = new Ids();
        DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems").onTable(tables.accounts.tableName())
                .throwing(DynamoDbFault.cancelledWith("None", "ValidationError")));

        Reply reply = post(customerEvent(id.evt(1), "customer.created", id, "Refused Co", "r@x.test", t(-600)));

        assertThat(reply).isEqualTo(new Reply(400, "rejected"));
        assertThat(webhookEvent(id.evt(1))).isNull();
    }

    @Test
    void malformedJsonWithAValidSignatureIsRejected() {
        Map<String, Long> before = counts();
        assertThat(post("{\"id\": \"evt_broken\", \"object\": \"event\", \"type\": ")).isEqualTo(new Reply(400, "rejected"));
        assertThat(post("[1, 2, 3]")).isEqualTo(new Reply(400, "rejected"));
        assertThat(counts()).isEqualTo(before);
    }

    @Test
    void anOversizedBodyIsRefusedUnread() {
        Ids id = new Ids();
        ObjectNode customer = StripeEvents.customer(id.customer, id.account, "Big Co", "b@x.test", t(-600));
        customer.put("description", "x".repeat(StripeWebhookService.MAX_BODY_BYTES));
        Map<String, Long> before = counts();

        Reply reply = post(StripeEvents.event(id.evt(1), "customer.created", t(-60), customer));

        assertThat(reply).isEqualTo(new Reply(413, "rejected"));
        assertThat(counts()).isEqualTo(before);
    }

    @Test
    void theRotatedOutSecretStillVerifiesAndSignatureFailuresAreCounted() {
        Ids id = new Ids();
        String payload = customerEvent(id.evt(1), "customer.created", id, "Rotating Co", "r@x.test", t(-60));
        long failuresBefore = metrics.total(MetricNames.WEBHOOK_SIGNATURE_FAILURES);

        assertThat(invoke(request(payload, StripeEvents.sign(payload, "whsec_never_configured", now()))))
                .isEqualTo(new Reply(400, "rejected"));
        assertThat(invoke(request(payload, StripeEvents.sign(payload, PREVIOUS_SECRET, now() - 400))))
                .as("expired, even with a configured secret").isEqualTo(new Reply(400, "rejected"));
        assertThat(metrics.total(MetricNames.WEBHOOK_SIGNATURE_FAILURES)).isEqualTo(failuresBefore + 2);

        assertThat(invoke(request(payload, StripeEvents.sign(payload, PREVIOUS_SECRET, now())))).isEqualTo(new Reply(200, "applied"));
        assertThat(account(id.account).stripeCustomerId).isEqualTo(id.customer);
    }

    @Test
    void unknownTypesAreCountedAsIgnored() {
        Ids id = new Ids();
        long before = metrics.total(MetricNames.WEBHOOK_EVENTS, Map.of("type", "other", "outcome", "ignored"));
        ObjectNode product = JSON.createObjectNode().put("id", "prod_" + id.uid).put("object", "product").put("created", t(-900));

        assertThat(post(StripeEvents.event(id.evt(1), "product.updated", t(-60), product))).isEqualTo(new Reply(200, "ignored"));
        assertThat(metrics.total(MetricNames.WEBHOOK_EVENTS, Map.of("type", "other", "outcome", "ignored"))).isEqualTo(before + 1);
    }

    // ------------------------------------------------------------------ customers deleted, entitlements, subscriptions

    @Test
    void customerDeletedKeepsTheAccountAndItsEntitlementsWhileAnOlderUpdateIsStale() {
        Ids id = new Ids();
        createCustomer(id, "Leaving Co", t(-1000));
        assertThat(post(StripeEvents.event(id.evt(2), "entitlements.active_entitlement_summary.updated", t(-900),
                StripeEvents.entitlementSummary(id.customer, "sso", "audit_log")))).isEqualTo(new Reply(200, "applied"));

        assertThat(post(StripeEvents.event(id.evt(3), "customer.deleted", t(-100),
                StripeEvents.customer(id.customer, id.account, "Leaving Co", "l@x.test", t(-86_400))))).isEqualTo(new Reply(200, "applied"));
        assertThat(post(customerEvent(id.evt(4), "customer.updated", id, "Late Name", "late@x.test", t(-500))))
                .isEqualTo(new Reply(200, "stale"));

        AccountItem account = account(id.account);
        assertThat(account.stripeDeletedAt).isEqualTo(t(-100));
        assertThat(account.name).isEqualTo("Leaving Co");
        assertThat(account.stripeFeatures).containsExactly("sso", "audit_log");
    }

    @Test
    void entitlementSummariesAreStoredOrderSafeAndSurviveCustomerUpdates() {
        Ids id = new Ids();
        String summaryBeforeCustomer = StripeEvents.event(id.evt(2), "entitlements.active_entitlement_summary.updated", t(-500),
                StripeEvents.entitlementSummary(id.customer, "api_access"));
        assertThat(post(summaryBeforeCustomer)).as("customer not known yet").isEqualTo(new Reply(503, "retry"));
        createCustomer(id, "Ent Co", t(-1000));
        assertThat(post(summaryBeforeCustomer)).isEqualTo(new Reply(200, "applied"));

        assertThat(post(StripeEvents.event(id.evt(3), "entitlements.active_entitlement_summary.updated", t(-100),
                StripeEvents.entitlementSummary(id.customer, "api_access", "sso")))).isEqualTo(new Reply(200, "applied"));
        // An older summary arriving late changes nothing.
        assertThat(post(StripeEvents.event(id.evt(4), "entitlements.active_entitlement_summary.updated", t(-300),
                StripeEvents.entitlementSummary(id.customer)))).isEqualTo(new Reply(200, "stale"));
        assertThat(post(customerEvent(id.evt(5), "customer.updated", id, "Ent Co Renamed", "e@x.test", t(-50))).outcome()).isEqualTo("applied");

        AccountItem account = account(id.account);
        assertThat(account.stripeFeatures).containsExactly("api_access", "sso");
        assertThat(account.stripeFeaturesUpdatedAt).isEqualTo(t(-100));
        assertThat(account.name).isEqualTo("Ent Co Renamed");
    }

    @Test
    void pausedAndResumedSubscriptionsAreApplied() {
        Ids id = new Ids();
        createCustomerAndSubscription(id, t(-1000));
        ObjectNode paused = subscription(id, P_NOV, P_DEC).put("status", "paused");
        assertThat(post(StripeEvents.event(id.evt(3), "customer.subscription.paused", t(-500), paused))).isEqualTo(new Reply(200, "applied"));
        assertThat(subscription(id.subscription).status).isEqualTo("paused");

        ObjectNode resumed = subscription(id, P_NOV, P_DEC).put("status", "active");
        assertThat(post(StripeEvents.event(id.evt(4), "customer.subscription.resumed", t(-100), resumed))).isEqualTo(new Reply(200, "applied"));
        assertThat(subscription(id.subscription).status).isEqualTo("active");
        assertThat(subscription(id.subscription).version).isEqualTo(3L);
    }

    // ------------------------------------------------------------------ credits: amount paid, refunds

    @Test
    void creditsAreGrantedAtWhatWasPaidAfterDiscountsAndBeforeTax() {
        Ids id = new Ids();
        createCustomer(id, "Discount Co", t(-1000));
        String session = "cs_test_" + id.uid;
        // 100.00 of credits at 50 % off, plus 20 % tax on the 50.00 paid.
        ObjectNode paid = StripeEvents.creditPurchase(session, id.customer, 6_000, "usd", t(-200)).put("amount_subtotal", 10_000);
        ((ObjectNode) paid.get("total_details")).put("amount_discount", 5_000).put("amount_tax", 1_000);

        assertThat(post(StripeEvents.event(id.evt(2), "checkout.session.completed", t(-100), paid))).isEqualTo(new Reply(200, "applied"));

        assertThat(credit(id.account, "cg_" + session).grant().amountMinor()).isEqualTo(5_000L);
    }

    @Test
    void aFailedAsyncPaymentGrantsNothing() {
        Ids id = new Ids();
        createCustomer(id, "Bounce Co", t(-1000));
        ObjectNode failed = StripeEvents.creditPurchase("cs_test_" + id.uid, id.customer, 9_900, "usd", t(-200)).put("payment_status", "unpaid");

        assertThat(post(StripeEvents.event(id.evt(2), "checkout.session.async_payment_failed", t(-100), failed)))
                .isEqualTo(new Reply(200, "ignored"));
        assertThat(creditKeys(id.account)).isEmpty();
    }

    @Test
    void refundsRevokeUnusedCreditsAndReportWhatWasAlreadySpent() {
        Ids id = new Ids();
        createCustomer(id, "Refund Co", t(-1000));
        String session = "cs_test_" + id.uid;
        String grantId = "cg_" + session;
        String pi = StripeEvents.paymentIntentOf(session);
        String charge = "ch_" + id.uid;
        assertThat(post(StripeEvents.event(id.evt(2), "checkout.session.completed", t(-900),
                StripeEvents.creditPurchase(session, id.customer, 10_000, "usd", t(-950))))).isEqualTo(new Reply(200, "applied"));

        // A partial refund of 30.00: 30.00 of credits revoked.
        String partial = StripeEvents.event(id.evt(3), "charge.refunded", t(-800),
                StripeEvents.charge(charge, id.customer, pi, 10_000, 3_000, "usd", t(-950)));
        assertThat(post(partial)).isEqualTo(new Reply(200, "applied"));
        assertThat(credit(id.account, grantId).remainingMinor()).isEqualTo(7_000L);
        assertThat(post(partial)).as("redelivered").isEqualTo(new Reply(200, "duplicate"));

        // An invoice draws 60.00 of what is left.
        GrantBalance g = credit(id.account, grantId);
        tables.creditStore().commit(List.of(LedgerEntry.drawdown(g.grant(), 7_000, 6_000, "inv_" + id.uid, t(-700))));

        // Then the rest is refunded (cumulative 100.00): 10.00 left to revoke, 60.00 already spent.
        long unrecoveredBefore = metrics.total(MetricNames.CREDIT_REFUND_UNRECOVERED);
        Reply full = post(StripeEvents.event(id.evt(4), "charge.refunded", t(-600),
                StripeEvents.charge(charge, id.customer, pi, 10_000, 10_000, "usd", t(-950))));
        assertThat(full).isEqualTo(new Reply(200, "applied"));
        assertThat(credit(id.account, grantId).remainingMinor()).isZero();
        assertThat(tables.creditStore().purchasePayment(id.account, pi)).contains(new dev.tally.credit.CreditPurchasePayment(
                id.account, pi, grantId, "usd", 10_000, 10_000, 10_000, 4_000, 6_000));
        assertThat(metrics.total(MetricNames.CREDIT_REFUND_UNRECOVERED) - unrecoveredBefore).isEqualTo(6_000L);
        assertThat(tables.creditStore().entries(id.account).stream().filter(e -> e.type() == LedgerEntry.Type.REVOCATION)
                .map(e -> e.entryId() + "=" + e.amountMinor()).toList())
                .containsExactlyInAnyOrder(grantId + ":revocation:" + charge + "@3000=-3000", grantId + ":revocation:" + charge + "@10000=-1000");

        // The first refund's event, delivered again under a new id (an older cumulative amount), changes nothing.
        assertThat(post(StripeEvents.event(id.evt(5), "charge.refunded", t(-800),
                StripeEvents.charge(charge, id.customer, pi, 10_000, 3_000, "usd", t(-950))))).isEqualTo(new Reply(200, "stale"));
    }

    @Test
    void aRefundOfAChargeThatBoughtNoCreditsIsIgnored() {
        Ids id = new Ids();
        createCustomer(id, "Other Co", t(-1000));
        assertThat(post(StripeEvents.event(id.evt(2), "charge.refunded", t(-100),
                StripeEvents.charge("ch_" + id.uid, id.customer, "pi_other_" + id.uid, 2_000, 2_000, "usd", t(-500)))))
                .isEqualTo(new Reply(200, "ignored"));
    }

    // ------------------------------------------------------------------ invoice payments

    @Test
    void aFailedThenSucceededPaymentIsRecordedOnPaymentsAndTheTallyInvoice() {
        Ids id = new Ids();
        createCustomer(id, "Pay Co", t(-5000));
        String tallyInvoice = "inv_" + id.uid;
        openTallyInvoice(tallyInvoice, id.account);
        String stripeInvoice = "in_" + id.uid;

        ObjectNode failed = tallyInvoice(StripeEvents.invoice(stripeInvoice, id.customer, id.subscription, 4_900, "usd", false, t(-3000)), tallyInvoice);
        assertThat(post(StripeEvents.event(id.evt(2), "invoice.payment_failed", t(-2000), failed))).isEqualTo(new Reply(200, "applied"));

        InvoicePayment afterFailure = tables.paymentStore().find(stripeInvoice).orElseThrow();
        assertThat(afterFailure).isEqualTo(new InvoicePayment(stripeInvoice, id.account, tallyInvoice, id.subscription, "usd",
                4_900, 0, 0, PaymentState.PAYMENT_FAILED, 1, t(-3000) + 3 * 86_400, t(-2000), null, t(-2000),
                id.evt(2), "invoice.payment_failed"));
        InvoiceItem header = invoiceHeader(tallyInvoice);
        assertThat(header.status).isEqualTo("open");
        assertThat(header.paymentState).isEqualTo("payment_failed");
        assertThat(header.attemptCount).isEqualTo(1L);
        assertThat(header.nextPaymentAttemptAt).isEqualTo(t(-3000) + 3 * 86_400);

        ObjectNode paid = tallyInvoice(StripeEvents.invoice(stripeInvoice, id.customer, id.subscription, 4_900, "usd", true, t(-1000)), tallyInvoice)
                .put("attempt_count", 2);
        assertThat(post(StripeEvents.event(id.evt(3), "invoice.paid", t(-1000), paid))).isEqualTo(new Reply(200, "applied"));

        InvoicePayment afterPayment = tables.paymentStore().find(stripeInvoice).orElseThrow();
        assertThat(afterPayment).isEqualTo(new InvoicePayment(stripeInvoice, id.account, tallyInvoice, id.subscription, "usd",
                4_900, 4_900, 0, PaymentState.PAID, 2, null, t(-2000), t(-1000), t(-1000), id.evt(3), "invoice.paid"));
        header = invoiceHeader(tallyInvoice);
        assertThat(header.status).isEqualTo("paid");
        assertThat(header.paidAt).isEqualTo(t(-1000));
        assertThat(header.amountPaidMinor).isEqualTo(4_900L);
        assertThat(header.nextPaymentAttemptAt).isNull();
        assertThat(header.totalMinor).as("amounts never change").isEqualTo(4_900L);
        assertThat(tables.paymentStore().ofAccount(id.account)).containsExactly(afterPayment);
    }

    @Test
    void aPaymentFailureDeliveredAfterThePaymentIsStale() {
        Ids id = new Ids();
        createCustomer(id, "Order Co", t(-5000));
        String tallyInvoice = "inv_" + id.uid;
        openTallyInvoice(tallyInvoice, id.account);
        String stripeInvoice = "in_" + id.uid;
        ObjectNode paid = tallyInvoice(StripeEvents.invoice(stripeInvoice, id.customer, null, 4_900, "usd", true, t(-1000)), tallyInvoice);
        ObjectNode failed = tallyInvoice(StripeEvents.invoice(stripeInvoice, id.customer, null, 4_900, "usd", false, t(-3000)), tallyInvoice);

        assertThat(post(StripeEvents.event(id.evt(3), "invoice.paid", t(-1000), paid))).isEqualTo(new Reply(200, "applied"));
        assertThat(post(StripeEvents.event(id.evt(2), "invoice.payment_failed", t(-2000), failed))).isEqualTo(new Reply(200, "stale"));
        // Same second as the payment: the payment still wins.
        assertThat(post(StripeEvents.event(id.evt(4), "invoice.payment_failed", t(-1000), failed))).isEqualTo(new Reply(200, "stale"));

        assertThat(tables.paymentStore().find(stripeInvoice).orElseThrow().paymentState()).isEqualTo(PaymentState.PAID);
        assertThat(invoiceHeader(tallyInvoice).status).isEqualTo("paid");
        assertThat(webhookEvent(id.evt(2))).isNotNull();
    }

    @Test
    void voidedAndUncollectibleInvoicesAndOnesTallyDidNotIssue() {
        Ids id = new Ids();
        createCustomer(id, "Void Co", t(-5000));
        String tallyInvoice = "inv_" + id.uid;
        openTallyInvoice(tallyInvoice, id.account);
        ObjectNode finalized = tallyInvoice(StripeEvents.invoice("in_a" + id.uid, id.customer, null, 1_000, "usd", false, t(-3000)), tallyInvoice)
                .put("attempt_count", 0);
        assertThat(post(StripeEvents.event(id.evt(2), "invoice.finalized", t(-3000), finalized))).isEqualTo(new Reply(200, "applied"));
        assertThat(tables.paymentStore().find("in_a" + id.uid).orElseThrow().paymentState()).isEqualTo(PaymentState.OPEN);
        assertThat(post(StripeEvents.event(id.evt(3), "invoice.voided", t(-2000), finalized.put("status", "void"))))
                .isEqualTo(new Reply(200, "applied"));
        assertThat(invoiceHeader(tallyInvoice).status).isEqualTo("void");

        // An invoice Stripe made itself (no tally_invoice_id): payments only.
        ObjectNode foreign = StripeEvents.invoice("in_b" + id.uid, id.customer, null, 2_000, "usd", false, t(-3000)).put("status", "uncollectible");
        assertThat(post(StripeEvents.event(id.evt(4), "invoice.marked_uncollectible", t(-1000), foreign))).isEqualTo(new Reply(200, "applied"));
        InvoicePayment written = tables.paymentStore().find("in_b" + id.uid).orElseThrow();
        assertThat(written.paymentState()).isEqualTo(PaymentState.UNCOLLECTIBLE);
        assertThat(written.tallyInvoiceId()).isNull();
        assertThat(written.nextPaymentAttemptAt()).isNull();
    }

    @Test
    void anInvoiceEventForATallyInvoiceNotFoundStillRecordsThePayment() {
        Ids id = new Ids();
        createCustomer(id, "Gone Co", t(-5000));
        ObjectNode paid = tallyInvoice(StripeEvents.invoice("in_" + id.uid, id.customer, null, 1_500, "usd", true, t(-1000)), "inv_missing_" + id.uid);

        assertThat(post(StripeEvents.event(id.evt(2), "invoice.paid", t(-1000), paid))).isEqualTo(new Reply(200, "applied"));
        assertThat(tables.paymentStore().find("in_" + id.uid).orElseThrow().paymentState()).isEqualTo(PaymentState.PAID);
        assertThat(tables.invoices.getItem(r -> r.key(k -> k.partitionValue("inv_missing_" + id.uid)))).isNull();
    }

    @Test
    void aConflictOnTheInvoiceWriteIsRetriedAndAppliedOnce() {
        Ids id = new Ids();
        createCustomer(id, "Retry Co", t(-5000));
        String tallyInvoice = "inv_" + id.uid;
        openTallyInvoice(tallyInvoice, id.account);
        String paid = StripeEvents.event(id.evt(2), "invoice.paid", t(-1000),
                tallyInvoice(StripeEvents.invoice("in_" + id.uid, id.customer, null, 1_500, "usd", true, t(-1000)), tallyInvoice));
        DynamoDbFaultInterceptor.arm(DynamoDbFault.on("TransactWriteItems").onTable(tables.invoices.tableName())
                .throwing(DynamoDbFault.cancelledWith("None", "None", "TransactionConflict")));

        assertThat(post(paid)).isEqualTo(new Reply(503, "retry"));
        assertThat(tables.paymentStore().find("in_" + id.uid)).isEmpty();
        assertThat(post(paid)).isEqualTo(new Reply(200, "applied"));
        assertThat(post(paid)).isEqualTo(new Reply(200, "duplicate"));
        assertThat(invoiceHeader(tallyInvoice).status).isEqualTo("paid");
    }

    /** Puts a finalized ({@code open}) Tally invoice header of 49.00. */
    private void openTallyInvoice(String invoiceId, String accountId) {
        InvoiceItem item = new InvoiceItem();
        item.invoiceId = invoiceId;
        item.accountId = accountId;
        item.currency = "usd";
        item.status = "open";
        item.periodStart = P_NOV;
        item.periodEnd = P_DEC;
        item.totalMinor = 4_900L;
        item.subtotalMinor = 4_900L;
        item.createdAt = t(-4000);
        item.finalizedAt = t(-4000);
        tables.invoices.putItem(item);
    }

    private static ObjectNode tallyInvoice(ObjectNode stripeInvoice, String tallyInvoiceId) {
        stripeInvoice.putObject("metadata").put("tally_invoice_id", tallyInvoiceId);
        return stripeInvoice;
    }

    private InvoiceItem invoiceHeader(String invoiceId) {
        return tables.invoices.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(invoiceId)));
    }

    // ------------------------------------------------------------------ helpers

    /** Unique ids for one test. */
    static final class Ids {
        final String uid = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        final String account = "acct_" + uid;
        final String customer = "cus_" + uid;
        final String subscription = "sub_" + uid;

        String evt(int n) {
            return "evt_" + uid + "_" + n;
        }
    }

    /** Status and outcome of a webhook response. */
    record Reply(int status, String outcome) {
    }

    /** Seconds since the epoch, relative to the test's now. */
    static long t(long secondsFromNow) {
        return NOW.getEpochSecond() + secondsFromNow;
    }

    static String customerEvent(String eventId, String type, Ids id, String name, String email, long created) {
        return StripeEvents.event(eventId, type, created,
                StripeEvents.customer(id.customer, id.account, name, email, t(-86_400)));
    }

    /** A team-plan subscription anchored at {@link #START} whose item is in the period {@code [periodStart, periodEnd)}. */
    static ObjectNode subscription(Ids id, long periodStart, long periodEnd) {
        ObjectNode s = StripeEvents.subscription(id.subscription, id.customer, TEAM_PRICE, "usd", START, periodEnd);
        ((ObjectNode) s.path("items").path("data").get(0))
                .put("current_period_start", periodStart).put("current_period_end", periodEnd);
        return s;
    }

    /** An HTTP API request as API Gateway delivers it, from the recorded event with this body and signature. */
    static APIGatewayV2HTTPEvent request(String body, String signature) {
        APIGatewayV2HTTPEvent request = EventLoader.loadApiGatewayHttpEvent("events/stripe-webhook-request.json");
        Map<String, String> headers = new HashMap<>(request.getHeaders());
        headers.put("content-length", Integer.toString(body.getBytes(StandardCharsets.UTF_8).length));
        if (signature != null) {
            headers.put("stripe-signature", signature);
        }
        request.setHeaders(headers);
        request.setBody(body);
        request.setIsBase64Encoded(false);
        return request;
    }

    /** The clock's now, seconds since the epoch. */
    long now() {
        return clock.instant().getEpochSecond();
    }

    /** Signs the payload now with the endpoint secret and posts it. */
    Reply post(String payload) {
        return invoke(request(payload, StripeEvents.sign(payload, SECRET, now())));
    }

    Reply invoke(APIGatewayV2HTTPEvent request) {
        APIGatewayV2HTTPResponse response = handler.handleRequest(request, null);
        assertThat(response.getHeaders()).containsEntry("content-type", "application/json");
        return new Reply(response.getStatusCode(), body(response).get("outcome").asText());
    }

    static JsonNode body(APIGatewayV2HTTPResponse response) {
        try {
            return JSON.readTree(response.getBody());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    AccountItem account(String accountId) {
        AccountItem account = tables.accounts.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(accountId)));
        assertThat(account).as("account " + accountId).isNotNull();
        return account;
    }

    SubscriptionItem subscription(String subscriptionId) {
        SubscriptionItem sub = tables.subscriptions.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(subscriptionId)));
        assertThat(sub).as("subscription " + subscriptionId).isNotNull();
        return sub;
    }

    WebhookEventItem webhookEvent(String eventId) {
        return tables.webhookEvents.getItem(r -> r.consistentRead(true).key(k -> k.partitionValue(eventId)));
    }

    GrantBalance credit(String accountId, String grantId) {
        return tables.creditStore().grant(accountId, grantId)
                .orElseThrow(() -> new AssertionError("credit grant " + grantId + " of " + accountId));
    }

    List<String> creditKeys(String accountId) {
        List<String> keys = new java.util.ArrayList<>();
        tables.creditStore().grants(accountId).forEach(g -> keys.add("GRANT#" + g.grant().grantId()));
        tables.creditStore().entries(accountId).forEach(e -> keys.add("LEDGER#" + e.entryId()));
        return keys;
    }

    List<String> activeSubscriptionsEndingAt(long periodEnd) {
        return java.util.stream.IntStream.range(0, SubscriptionItem.WORK_LIST_SHARDS).boxed()
                .flatMap(shard -> tables.subscriptions.index(Indexes.BY_PERIOD_END)
                        .query(QueryConditional.keyEqualTo(k -> k.partitionValue(SubscriptionItem.activeShard(shard)).sortValue(periodEnd)))
                        .stream().flatMap(p -> p.items().stream()))
                .map(s -> s.subscriptionId).toList();
    }

    /** Item counts of every table the webhook may write. */
    Map<String, Long> counts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("accounts", count(tables.accounts.tableName()));
        counts.put("subscriptions", count(tables.subscriptions.tableName()));
        counts.put("webhookEvents", count(tables.webhookEvents.tableName()));
        counts.put("credits", count(tables.creditsTable));
        counts.put("payments", count(tables.paymentsTable));
        return counts;
    }

    private long count(String table) {
        return backend().dynamoDb().scanPaginator(r -> r.tableName(table).select(Select.COUNT).consistentRead(true))
                .stream().mapToLong(ScanResponse::count).sum();
    }
}
