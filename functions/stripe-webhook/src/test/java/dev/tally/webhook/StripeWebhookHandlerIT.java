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
import org.junit.jupiter.api.AfterAll;
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
    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    static final String TEAM_PRICE = "price_tally_team_monthly";
    /** Billing cycle anchor and start date of the test subscriptions. */
    static final long START = Instant.parse("2026-09-15T00:00:00Z").getEpochSecond();
    static final long P_NOV = Instant.parse("2026-11-15T00:00:00Z").getEpochSecond();
    static final long P_DEC = Instant.parse("2026-12-15T00:00:00Z").getEpochSecond();
    static final long P_JAN = Instant.parse("2027-01-15T00:00:00Z").getEpochSecond();

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = MutableClock.at(NOW);
    private StripeWebhookHandler handler;
    private TallyTables tables;

    /** The backend to run against, a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        Map<String, String> env = backend().functionEnvironment("StripeWebhookFunction", Map.of("STRIPE_WEBHOOK_SECRET", SECRET));
        handler = new StripeWebhookHandler(env, clock);
        tables = new TallyTables(backend().dynamoDb(), Env.of(env));
    }

    @AfterAll
    void close() {
        backend().close();
    }

    @BeforeEach
    void resetClock() {
        clock.set(NOW);
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
        assertThat(post(customerEvent(id.evt(1), "customer.created", id, "Original Name", "a@x.test", t(-600))).outcome()).isEqualTo("applied");
        Map<String, Long> before = counts();

        // Same event id, same created, but a different name: only deduplication can keep it out.
        clock.advance(Duration.ofMinutes(5));
        Reply replay = post(customerEvent(id.evt(1), "customer.created", id, "Changed Name", "b@x.test", t(-600)));

        assertThat(replay).isEqualTo(new Reply(200, "duplicate"));
        assertThat(account(id.account).name).isEqualTo("Original Name");
        assertThat(account(id.account).email).isEqualTo("a@x.test");
        assertThat(webhookEvent(id.evt(1)).processedAt).isEqualTo(NOW.getEpochSecond());
        assertThat(counts()).isEqualTo(before);
    }

    @Test
    void olderCustomerUpdateIsStaleAndANewerOneIsApplied() {
        Ids id = new Ids();
        assertThat(post(customerEvent(id.evt(1), "customer.created", id, "v1", "v1@x.test", t(-1000))).outcome()).isEqualTo("applied");
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

        assertThat(post(customerEvent(id.evt(1), "customer.created", id, "Late Customer", "l@x.test", t(-400))).outcome()).isEqualTo("applied");
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
        assertThat(post(customerEvent(id.evt(1), "customer.created", id, "Weekly Co", "w@x.test", t(-1000))).outcome()).isEqualTo("applied");
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
        assertThat(post(customerEvent(id.evt(1), "customer.created", id, "Credits Co", "c@x.test", t(-1000))).outcome()).isEqualTo("applied");
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
        assertThat(post(customerEvent(id.evt(1), "customer.created", id, "Expiring Co", "e@x.test", t(-1000))).outcome()).isEqualTo("applied");
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
        assertThat(post(customerEvent(id.evt(1), "customer.created", id, "Typo Co", "t@x.test", t(-1000))).outcome()).isEqualTo("applied");
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
        assertThat(post(customerEvent(id.evt(1), "customer.created", id, "Slow Pay Co", "sp@x.test", t(-1000))).outcome()).isEqualTo("applied");
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
        assertThat(post(customerEvent(id.evt(1), "customer.created", id, "Shop Co", "shop@x.test", t(-1000))).outcome()).isEqualTo("applied");
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
        return counts;
    }

    private long count(String table) {
        return backend().dynamoDb().scanPaginator(r -> r.tableName(table).select(Select.COUNT).consistentRead(true))
                .stream().mapToLong(ScanResponse::count).sum();
    }
}
