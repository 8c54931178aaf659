package dev.tally.entitlement;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.alerts.AlertSchemas;
import dev.tally.alerts.DynamoDbAlertStore;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.dunning.DunningState;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.RecordingMetrics;
import dev.tally.store.AlertItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.DynamoDbFault;
import dev.tally.testsupport.DynamoDbFaultInterceptor;
import dev.tally.testsupport.MutableClock;
import dev.tally.testsupport.PaymentItems;
import dev.tally.testsupport.RecordingAlertPublisher;
import dev.tally.testsupport.StreamEvents;
import dev.tally.testsupport.TallyFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

/**
 * {@link EntitlementsHandler} built with its real constructor on the template's environment, driven with stream
 * records of the payments (contract attribute names, {@link PaymentItems}), subscriptions and credits tables; and the
 * {@link EntitlementService} on the same tables with a recording event publisher, for what goes on the bus (every
 * detail checked against its JSON Schema). Each test uses its own accounts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class EntitlementsHandlerIT {
    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");
    static final long T0 = NOW.getEpochSecond();
    static final long DAY = 86_400;
    static final long ANCHOR = Instant.parse("2026-09-15T00:00:00Z").getEpochSecond();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = MutableClock.at(NOW);
    private RecordingMetrics metrics;
    private Map<String, String> env;
    private RecordingAlertPublisher bus;
    /** How many of {@link #bus}'s events {@link #published()} skips. */
    private int seen;
    private EntitlementsHandler handler;
    private EntitlementService service;
    private DynamoDbEntitlementStore store;
    private TallyTables tables;
    private StreamEvents payments;
    private StreamEvents subscriptions;

    /** The backend to run against, a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
        env = backend().functionEnvironment("EntitlementsFunction");
        tables = new TallyTables(backend().dynamoDb(), Env.of(env));
        store = new DynamoDbEntitlementStore(backend().dynamoDb(), env.get("ENTITLEMENTS_TABLE"));
        payments = new StreamEvents("payments", backend().region().id());
        subscriptions = new StreamEvents(tables.subscriptions.tableName(), backend().region().id());
    }

    @AfterAll
    void close() {
        backend().close();
    }

    /** A handler and a service with fresh metrics; the service publishes to {@link #bus}. */
    @BeforeEach
    void reset() {
        clock.set(NOW);
        bus = new RecordingAlertPublisher();
        seen = 0;
        metrics = new RecordingMetrics();
        handler = new EntitlementsHandler(env, clock, metrics);
        service = new EntitlementService(store, new DynamoDbAlertStore(tables), new TallyEntitlementInputs(tables),
                CatalogLoader.fromClasspath(CatalogLoader.DEFAULT_RESOURCE), bus, metrics);
    }

    /** Every detail published validated against its detail-type's schema. */
    @AfterEach
    void disarm() {
        DynamoDbFaultInterceptor.disarmAll();
        assertThat(bus.schemaProblems()).isEmpty();
    }

    /** SnapStart priming only reads, and runs against the real tables. */
    @Test
    void primingRunsWithoutWrites() {
        assertThatCode(handler::prime).doesNotThrowAnyException();
    }

    @Test
    void aFailedPaymentMakesTheAccountPastDueOnceWithItsCauseAlertsAndMetric() {
        String account = customer("team");

        StreamsEventResponse response = handle(payment(account, "in_1", "payment_failed", 1, T0 - 60, T0 - 60));

        assertThat(response.getBatchItemFailures()).isEmpty();
        EntitlementRecord record = store.find(account).orElseThrow();
        assertThat(record.entitlements().dunningState()).isEqualTo(DunningState.PAST_DUE);
        assertThat(record.entitlements().dunningSince()).isEqualTo(T0);
        assertThat(record.entitlements().nextDunningStepAt()).as("restricted 7 days after the failure").isEqualTo(T0 - 60 + 7 * DAY);
        assertThat(record.entitlements().features()).containsExactly("ci_builds", "image_registry");
        assertThat(record.history()).containsExactly(new EntitlementRecord.HistoryEntry(T0, "active", "past_due", "payment_failed",
                "payment_failed:in_1:1", "payment failed for invoice in_1 (attempt 1)"));
        assertThat(record.outbox()).as("published and cleared").isEmpty();
        assertThat(alerts(account)).extracting(a -> a.alertId, a -> a.type, a -> a.status, a -> a.createdAt).containsExactlyInAnyOrder(
                tuple("dunning_step:" + account + ":payment_failed:in_1:1", "dunning.step_reached", "published", T0),
                tuple("payment_failed:" + account + ":in_1:1", "payment.failed", "published", T0 - 60));
        assertThat(alerts(account)).allSatisfy(a -> assertThat(AlertSchemas.problems(a.type, a.detail)).as(a.detail).isEmpty());
        assertThat(json(alert(account, "payment_failed:" + account + ":in_1:1").detail)).isEqualTo(json("""
                {"schema_version": 1, "alert_id": "payment_failed:%s:in_1:1", "type": "payment.failed", "account": "%s",
                 "raised_at": %d, "stripe_invoice_id": "in_1", "attempt": 1, "failed_at": %d}""".formatted(account, account, T0 - 60, T0 - 60)));
        assertThat(json(alert(account, "dunning_step:" + account + ":payment_failed:in_1:1").detail)).isEqualTo(json("""
                {"schema_version": 1, "alert_id": "dunning_step:%s:payment_failed:in_1:1", "type": "dunning.step_reached",
                 "account": "%s", "raised_at": %d, "from": "active", "to": "past_due", "cause": "payment_failed",
                 "cause_id": "payment_failed:in_1:1", "description": "payment failed for invoice in_1 (attempt 1)", "at": %d}"""
                .formatted(account, account, T0, T0)));
        assertThat(metrics.total(MetricNames.DUNNING_TRANSITIONS, Map.of("to", "past_due"))).isEqualTo(1);
        assertThat(metrics.total(MetricNames.ALERTS_RAISED, Map.of("type", "payment.failed"))).isEqualTo(1);
        assertThat(dueAccounts(T0 + 7 * DAY)).contains(account);
        assertThat(dueAccounts(T0 + 7 * DAY - 61)).doesNotContain(account);
    }

    @Test
    void redeliveredAndStaleRecordsChangeNothing() {
        String account = customer("team");
        DynamodbEvent.DynamodbStreamRecord failed = payment(account, "in_1", "payment_failed", 1, T0, T0);
        DynamodbEvent.DynamodbStreamRecord paid = payment(account, "in_1", "paid", 1, T0, T0 + 3_600);
        assertThat(handle(failed, paid).getBatchItemFailures()).isEmpty();
        EntitlementRecord after = store.find(account).orElseThrow();

        clock.advance(Duration.ofHours(2));
        assertThat(handle(failed, paid, failed).getBatchItemFailures()).isEmpty();

        EntitlementRecord again = store.find(account).orElseThrow();
        assertThat(again.version()).isEqualTo(after.version());
        assertThat(again.history()).extracting(EntitlementRecord.HistoryEntry::causeId)
                .containsExactly("payment_failed:in_1:1", "payment_received:in_1:" + (T0 + 3_600));
        assertThat(again.entitlements().dunningState()).isEqualTo(DunningState.ACTIVE);
        assertThat(alerts(account)).hasSize(2);
        assertThat(metrics.total(MetricNames.DUNNING_TRANSITIONS, Map.of("to", "active"))).isEqualTo(1);
    }

    @Test
    void theBillingClockRestrictsThenSuspendsAndAPaymentRestoresActive() {
        String account = customer("team");
        String paidUp = customer("team");
        service.recompute(paidUp, T0);
        service.onPayment(PaymentImages.fact(PaymentItems.item("in_7", account, "payment_failed", 1, T0, T0)).orElseThrow(), T0);
        clearPublished();

        assertThat(service.runClock(T0 + 7 * DAY - 1)).isEmpty();
        assertThat(state(account)).isEqualTo(DunningState.PAST_DUE);
        assertThat(service.runClock(T0 + 7 * DAY)).isEmpty();
        assertThat(state(account)).isEqualTo(DunningState.RESTRICTED);
        Entitlements restricted = store.find(account).orElseThrow().entitlements();
        assertThat(restricted.usageBeyondIncluded("build_minutes")).as("team: the catalog's policy refuses").isEqualTo(Entitlements.Beyond.REFUSED);
        assertThat(restricted.hasFeature("ci_builds")).isTrue();
        // (the clock also moves other tests' accounts whose step is due: only this one's events are compared)
        assertThat(published().stream().filter(e -> e.contains(":" + account + ":"))).containsExactly(
                "dunning.state_changed dunning:" + account + ":days_elapsed:restricted:" + T0,
                "dunning.step_reached dunning_step:" + account + ":days_elapsed:restricted:" + T0,
                "entitlements.changed entitlements:" + account + ":2");
        assertThat(state(paidUp)).isEqualTo(DunningState.ACTIVE);

        service.runClock(T0 + 21 * DAY);
        assertThat(state(account)).isEqualTo(DunningState.SUSPENDED);
        assertThat(store.find(account).orElseThrow().entitlements().hasFeature("ci_builds")).isFalse();
        assertThat(dueAccounts(Long.MAX_VALUE / 2)).as("no step ahead").doesNotContain(account);

        service.onPayment(PaymentImages.fact(PaymentItems.item("in_7", account, "paid", 2, T0, T0 + 22 * DAY)).orElseThrow(), T0 + 22 * DAY);
        EntitlementRecord back = store.find(account).orElseThrow();
        assertThat(back.entitlements().dunningState()).isEqualTo(DunningState.ACTIVE);
        assertThat(back.entitlements().usageBeyondIncluded("build_minutes")).isEqualTo(Entitlements.Beyond.ALLOWED);
        assertThat(back.history()).extracting(EntitlementRecord.HistoryEntry::from, EntitlementRecord.HistoryEntry::to,
                EntitlementRecord.HistoryEntry::cause).containsExactly(tuple("active", "past_due", "payment_failed"),
                tuple("past_due", "restricted", "days_elapsed"), tuple("restricted", "suspended", "days_elapsed"),
                tuple("suspended", "active", "payment_received"));
    }

    @Test
    void aBusinessAccountsRestrictedUsageIsFlaggedNotRefused() {
        String account = customer("business");
        service.onPayment(PaymentImages.fact(PaymentItems.item("in_b", account, "payment_failed", 1, T0, T0)).orElseThrow(), T0);
        service.runClock(T0 + 14 * DAY);
        Entitlements e = store.find(account).orElseThrow().entitlements();
        assertThat(e.dunningState()).isEqualTo(DunningState.RESTRICTED);
        assertThat(e.usageBeyondIncluded("build_minutes")).isEqualTo(Entitlements.Beyond.FLAGGED);
        assertThat(e.features()).contains("sso", "audit_log");
    }

    @Test
    void aCrashBeforeTheItemWriteLeavesNothingAndTheRetryAppliesOnce() {
        String account = customer("team");
        DynamoDbFault fault = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("PutItem")
                .onTable(env.get("ENTITLEMENTS_TABLE")).beforeCall().times(1));

        StreamsEventResponse crashed = handle(payment(account, "in_1", "payment_failed", 1, T0, T0));

        assertThat(fault.fired()).isEqualTo(1);
        assertThat(crashed.getBatchItemFailures()).hasSize(1);
        assertThat(store.find(account)).isEmpty();
        assertThat(alerts(account)).isEmpty();

        assertThat(handle(payment(account, "in_1", "payment_failed", 1, T0, T0)).getBatchItemFailures()).isEmpty();
        assertThat(store.find(account).orElseThrow().history()).hasSize(1);
        assertThat(alerts(account)).hasSize(2);
    }

    @Test
    void aCrashAfterAnAlertIsRecordedPendingPublishesItsRecordedDetailOnTheRetry() {
        String account = customer("team");
        PaymentItemsFact failed = new PaymentItemsFact(account);
        // The first alert is recorded pending, then the function dies before publishing it.
        DynamoDbFault fault = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("PutItem").onTable(tables.alerts.tableName())
                .afterCall().times(1));
        assertThatThrownBy(() -> service.onPayment(failed.fact(), T0)).hasMessageContaining(DynamoDbFault.MESSAGE);
        assertThat(fault.fired()).isEqualTo(1);
        EntitlementRecord halfway = store.find(account).orElseThrow();
        assertThat(halfway.outbox()).extracting(EntitlementRecord.OutboxEvent::detailType)
                .containsExactly("payment.failed", "dunning.state_changed", "dunning.step_reached", "entitlements.changed");
        assertThat(published()).isEmpty();
        assertThat(alerts(account)).extracting(a -> a.alertId, a -> a.status)
                .containsExactly(tuple("payment_failed:" + account + ":in_1:1", "pending"));
        String pending = alert(account, "payment_failed:" + account + ":in_1:1").detail;

        clock.advance(Duration.ofMinutes(5));
        service.onPayment(failed.fact(), T0 + 300);

        assertThat(published()).containsExactly(
                "payment.failed payment_failed:" + account + ":in_1:1",
                "dunning.state_changed dunning:" + account + ":payment_failed:in_1:1",
                "dunning.step_reached dunning_step:" + account + ":payment_failed:in_1:1",
                "entitlements.changed entitlements:" + account + ":1");
        assertThat(bus.published().get(0).detailJson()).as("the recorded detail, raised at the failure").isEqualTo(pending);
        assertThat(json(pending).get("raised_at").asLong()).isEqualTo(T0);
        assertThat(alerts(account)).extracting(a -> a.alertId, a -> a.status).containsExactlyInAnyOrder(
                tuple("payment_failed:" + account + ":in_1:1", "published"),
                tuple("dunning_step:" + account + ":payment_failed:in_1:1", "published"));
        assertThat(store.find(account).orElseThrow().outbox()).isEmpty();
        assertThat(metrics.total(MetricNames.ALERTS_RAISED, Map.of("type", "payment.failed"))).isEqualTo(1);
    }

    @Test
    void aCrashAfterTheItemWriteIsPublishedOnTheRetryAndAlertsStayOnce() {
        String account = customer("team");
        PaymentItemsFact failed = new PaymentItemsFact(account);
        // The first alert is published and marked, then the function dies: the item holds the rest in its outbox.
        DynamoDbFault fault = DynamoDbFaultInterceptor.arm(DynamoDbFault.on("UpdateItem").onTable(tables.alerts.tableName())
                .afterCall().times(1));
        assertThatThrownBy(() -> service.onPayment(failed.fact(), T0)).hasMessageContaining(DynamoDbFault.MESSAGE);
        assertThat(fault.fired()).isEqualTo(1);
        EntitlementRecord halfway = store.find(account).orElseThrow();
        assertThat(halfway.history()).hasSize(1);
        assertThat(halfway.outbox()).extracting(EntitlementRecord.OutboxEvent::detailType)
                .containsExactly("payment.failed", "dunning.state_changed", "dunning.step_reached", "entitlements.changed");
        assertThat(published()).containsExactly("payment.failed payment_failed:" + account + ":in_1:1");

        service.onPayment(failed.fact(), T0 + 60);

        EntitlementRecord done = store.find(account).orElseThrow();
        assertThat(done.version()).isEqualTo(halfway.version());
        assertThat(done.history()).hasSize(1);
        assertThat(done.outbox()).isEmpty();
        assertThat(published()).as("the published alert is not published again").containsExactly(
                "payment.failed payment_failed:" + account + ":in_1:1",
                "dunning.state_changed dunning:" + account + ":payment_failed:in_1:1",
                "dunning.step_reached dunning_step:" + account + ":payment_failed:in_1:1",
                "entitlements.changed entitlements:" + account + ":1");
        assertThat(alerts(account)).extracting(a -> a.alertId, a -> a.status).containsExactlyInAnyOrder(
                tuple("payment_failed:" + account + ":in_1:1", "published"),
                tuple("dunning_step:" + account + ":payment_failed:in_1:1", "published"));
        assertThat(metrics.total(MetricNames.DUNNING_TRANSITIONS, Map.of("to", "past_due"))).isEqualTo(1);
    }

    @Test
    void aPlanChangeOnTheSubscriptionsStreamChangesFeaturesAndLimits() {
        String account = customer("team");
        service.recompute(account, T0);
        clearPublished();
        SubscriptionItem sub = tables.subscriptions.getItem(r -> r.key(k -> k.partitionValue("sub_" + account)));
        sub.planId = "business";
        tables.subscriptions.putItem(sub);

        Map<String, AttributeValue> image = SubscriptionItem.SCHEMA.itemToMap(sub, true);
        assertThat(handle(subscriptions.record("MODIFY", Map.of("subscriptionId", image.get("subscriptionId")), image, image,
                StreamViewType.NEW_AND_OLD_IMAGES, NOW)).getBatchItemFailures()).isEmpty();

        Entitlements e = store.find(account).orElseThrow().entitlements();
        assertThat(e.planId()).isEqualTo("business");
        assertThat(e.version()).isEqualTo(2);
        assertThat(e.features()).containsExactly("audit_log", "ci_builds", "image_registry", "sso");
        assertThat(e.limit("storage_gb_hours").orElseThrow().quantityPerPeriod()).isEqualByComparingTo("100000");
    }

    @Test
    void prepaidCreditAndStripeFeaturesAreEntitlementsToo() {
        String account = customer("pro_jpy");
        service.recompute(account, T0);
        Entitlements before = store.find(account).orElseThrow().entitlements();
        assertThat(before.usageBeyondIncluded("build_minutes")).as("no overage, no credit").isEqualTo(Entitlements.Beyond.FLAGGED);

        TallyFixtures.seedGrant(tables, TallyFixtures.creditGrant("cg_jpy", account, "jpy", 5_000, 50, T0 - 60, null));
        tables.client.updateItem(r -> r.tableName(tables.accounts.tableName())
                .key(Map.of("accountId", AttributeValue.fromS(account)))
                .updateExpression("SET stripeFeatures = :f, stripeFeaturesUpdatedAt = :t")
                .expressionAttributeValues(Map.of(":f", AttributeValue.fromL(List.of(AttributeValue.fromS("gpu_runners"))),
                        ":t", AttributeValue.fromN(Long.toString(T0)))));
        service.recompute(account, T0);

        Entitlements after = store.find(account).orElseThrow().entitlements();
        assertThat(after.prepaidMinor()).containsExactly(Map.entry("jpy", 5_000L));
        assertThat(after.usageBeyondIncluded("build_minutes")).isEqualTo(Entitlements.Beyond.ALLOWED);
        assertThat(after.features()).containsExactly("ci_builds", "gpu_runners");
        assertThat(EntitlementsJson.fromJson(EntitlementsJson.toJson(after))).isEqualTo(after);
    }

    @Test
    void anUnknownAccountHasNoEntitlementsAndAKnownOneIsDerivedWithoutAWrite() {
        assertThat(service.current("org_nobody_" + System.nanoTime(), T0)).isEmpty();
        String account = customer("team");
        Entitlements derived = service.current(account, T0).orElseThrow();
        assertThat(derived.planId()).isEqualTo("team");
        assertThat(derived.version()).isZero();
        assertThat(store.find(account)).isEmpty();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** The fact of a first failed attempt of in_1 at T0. */
    private record PaymentItemsFact(String account) {
        dev.tally.dunning.PaymentFact fact() {
            return PaymentImages.fact(PaymentItems.item("in_1", account, "payment_failed", 1, T0, T0)).orElseThrow();
        }
    }

    private String customer(String plan) {
        String account = TallyFixtures.uniqueId("org_" + plan);
        TallyFixtures.seedCustomer(tables, account, plan, ANCHOR, T0);
        return account;
    }

    private DynamodbEvent.DynamodbStreamRecord payment(String account, String invoice, String state, int attempt, Long failedAt,
                                                       long updatedAt) {
        Map<String, AttributeValue> item = PaymentItems.item(invoice, account, state, attempt, failedAt, updatedAt);
        return payments.record("MODIFY", Map.of("stripeInvoiceId", item.get("stripeInvoiceId")), item, null,
                StreamViewType.NEW_AND_OLD_IMAGES, NOW);
    }

    private StreamsEventResponse handle(DynamodbEvent.DynamodbStreamRecord... records) {
        return handler.handleRequest(StreamEvents.batch(records), null);
    }

    private DunningState state(String account) {
        return store.find(account).orElseThrow().entitlements().dunningState();
    }

    private List<String> dueAccounts(long now) {
        return store.dueBy(now);
    }

    /** Forgets the events published so far ({@link #published()} starts after them). */
    private void clearPublished() {
        seen = bus.published().size();
    }

    /** @return {@code "<detail-type> <event_id or alert_id>"} of each event published since {@link #clearPublished()} */
    private List<String> published() {
        List<RecordingAlertPublisher.Published> all = bus.published();
        return all.subList(seen, all.size()).stream().map(p -> {
            JsonNode d = json(p.detailJson());
            return p.detailType() + " " + (d.has("alert_id") ? d.get("alert_id") : d.get("event_id")).asText();
        }).toList();
    }

    private AlertItem alert(String account, String alertId) {
        return alerts(account).stream().filter(a -> a.alertId.equals(alertId)).findFirst().orElseThrow();
    }

    private List<AlertItem> alerts(String account) {
        List<AlertItem> out = new ArrayList<>();
        tables.alerts.scan().items().forEach(a -> {
            if (account.equals(a.accountId)) {
                out.add(a);
            }
        });
        return out;
    }

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
