package dev.tally.webhook;

import com.stripe.exception.EventDataObjectDeserializationException;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.model.Charge;
import com.stripe.model.Customer;
import com.stripe.model.Event;
import com.stripe.model.EventDataObjectDeserializer;
import com.stripe.model.Invoice;
import com.stripe.model.Price;
import com.stripe.model.StripeObject;
import com.stripe.model.Subscription;
import com.stripe.model.checkout.Session;
import com.stripe.model.entitlements.ActiveEntitlement;
import com.stripe.model.entitlements.ActiveEntitlementSummary;
import com.stripe.net.Webhook;
import dev.tally.account.AccountDirectory;
import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Plan;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditPurchasePayment;
import dev.tally.credit.DynamoDbCreditStore;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.GrantSource;
import dev.tally.credit.LedgerEntry;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.Metrics;
import dev.tally.money.Currencies;
import dev.tally.payment.DynamoDbPaymentStore;
import dev.tally.payment.InvoicePayment;
import dev.tally.payment.PaymentState;
import dev.tally.store.AccountItem;
import dev.tally.store.DynamoDbFailures;
import dev.tally.store.PhaseItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.store.Transactions;
import dev.tally.store.WebhookEventItem;
import dev.tally.subscription.Phase;
import dev.tally.subscription.Phases;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Applies Stripe webhooks to Tally's state: verified, applied once, order-safe, and classified so that Stripe retries
 * exactly what may succeed later. docs/design.md ("Stripe webhooks") has the table of event types and the state each
 * changes.
 *
 * <ul>
 *   <li><b>Verified</b>: the {@code Stripe-Signature} header is checked on the raw body (HMAC-SHA256, 300 s tolerance,
 *       https://docs.stripe.com/webhooks#verify-events) against each of the endpoint's signing secrets
 *       ({@link SigningSecrets}: several during a rotation). A bad, expired or missing signature gets 400 and counts
 *       in {@link MetricNames#WEBHOOK_SIGNATURE_FAILURES}; nothing is read or written.</li>
 *   <li><b>Applied once</b>: the event id is written in the same DynamoDB transaction as all of the event's effects, on
 *       condition it is new; a redelivery changes nothing and gets 200 {@code duplicate}. One transaction per event,
 *       so an attempt that dies half way wrote nothing and its retry applies it whole.</li>
 *   <li><b>Order-safe</b>: Stripe does not guarantee delivery order (https://docs.stripe.com/webhooks#event-ordering).
 *       Accounts, subscriptions, payments and entitlement summaries remember the {@code created} time of the last
 *       event applied; an older event is recorded without effect (200 {@code stale}). An event about a customer Tally
 *       has not seen yet gets 503, so Stripe retries it after {@code customer.created}.</li>
 *   <li><b>Classified</b>: throttling, transaction conflicts, DynamoDB 5xx and timeouts answer 503 (Stripe retries, for
 *       up to three days: https://docs.stripe.com/webhooks#retries) and record nothing; a body over
 *       {@link #MAX_BODY_BYTES} gets 413, an unreadable object or an item DynamoDB refuses gets 400; oversized
 *       customer fields are cut to fit.</li>
 * </ul>
 * Every answer counts in {@link MetricNames#WEBHOOK_EVENTS} (dimensions {@code type}, {@code outcome}). Logs carry
 * {@code stripe_event_id}, {@code account} and {@code invoice_id} in the MDC and never a customer's name, email,
 * address or phone, nor a secret.
 */
public final class StripeWebhookService {
    private static final Logger LOG = LoggerFactory.getLogger(StripeWebhookService.class);

    /** Customer or subscription metadata key naming the Tally account; without it the customer id is the account. */
    public static final String ACCOUNT_METADATA = "tally_account_id";
    /** Stripe invoice metadata naming the Tally invoice (set by stripe-sync, {@code StripeSyncService.TALLY_INVOICE_METADATA}). */
    public static final String INVOICE_METADATA = "tally_invoice_id";
    /** Checkout Session metadata marking a prepaid-credit purchase: {@code tally_purpose=prepaid_credits}. */
    public static final String PURPOSE_METADATA = "tally_purpose";
    /**
     * Optional Checkout Session metadata: credits granted in minor units. Without it the grant is what was paid after
     * discounts and before tax: {@code amount_total - total_details.amount_tax}.
     */
    public static final String CREDIT_AMOUNT_METADATA = "tally_credit_amount_minor";
    /**
     * Optional Checkout Session metadata: the credits bought expire this many whole days (positive) after the purchase
     * event's {@code created} time. Without it they never expire.
     */
    public static final String CREDIT_EXPIRES_DAYS_METADATA = "tally_credit_expires_days";
    /** {@code createdBy} of the grants purchases make. */
    public static final String PURCHASE_GRANTED_BY = "stripe";
    /** How long a processed event id is remembered, seconds (Stripe retries for up to 3 days). */
    public static final long EVENT_RETENTION_SECONDS = 30L * 24 * 3600;
    /** Largest body read, bytes (Stripe's events are far smaller); a larger one gets 413 unread. */
    public static final int MAX_BODY_BYTES = 512 * 1024;
    /** Longest customer name stored, characters (Stripe allows 256); a longer one is cut. */
    public static final int MAX_NAME_CHARS = 256;
    /** Longest customer email stored, characters (Stripe allows 512); a longer one is cut. */
    public static final int MAX_EMAIL_CHARS = 512;
    /** Event types Tally applies; any other is acknowledged, recorded and counted as {@code ignored}. */
    public static final Set<String> HANDLED_TYPES = Set.of("customer.created", "customer.updated", "customer.deleted",
            "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
            "customer.subscription.paused", "customer.subscription.resumed", "customer.subscription.trial_will_end",
            "checkout.session.completed", "checkout.session.async_payment_succeeded",
            "checkout.session.async_payment_failed", "invoice.finalized", "invoice.paid", "invoice.payment_failed",
            "invoice.voided", "invoice.marked_uncollectible", "charge.refunded",
            "entitlements.active_entitlement_summary.updated");

    private static final Set<String> BILLABLE_STATUSES = Set.of("active", "trialing", "past_due", "unpaid", "incomplete");
    private static final int VERSION_RETRIES = 5;

    private final TallyTables tables;
    private final AccountDirectory directory;
    private final DynamoDbCreditStore credits;
    private final DynamoDbPaymentStore payments;
    private final DynamoDbInvoiceStore invoices;
    private final Catalog catalog;
    private final Supplier<List<String>> signingSecrets;
    private final Metrics metrics;
    private final Clock clock;

    /**
     * @param tables bound tables
     * @param catalog validated catalog (maps subscription prices to plans)
     * @param signingSecret the endpoint's signing secret(s) as {@link SigningSecrets#parse} reads them
     * @param clock clock for the signature tolerance and processing times
     */
    public StripeWebhookService(TallyTables tables, Catalog catalog, String signingSecret, Clock clock) {
        this(tables, catalog, () -> SigningSecrets.parse(signingSecret), Metrics.NONE, clock);
    }

    /**
     * @param tables bound tables
     * @param catalog validated catalog (maps subscription prices to plans)
     * @param signingSecrets the endpoint's signing secrets, asked for on each signed request (in AWS, read through
     *     {@link dev.tally.aws.ManagedSecret} after a SnapStart restore and cached for its TTL); a failure to read
     *     them answers 503
     * @param metrics where counts go
     * @param clock clock for the signature tolerance and processing times
     */
    public StripeWebhookService(TallyTables tables, Catalog catalog, Supplier<List<String>> signingSecrets,
                                Metrics metrics, Clock clock) {
        this.tables = tables;
        this.directory = new AccountDirectory(tables);
        this.credits = tables.creditStore();
        this.payments = tables.paymentStore();
        this.invoices = new DynamoDbInvoiceStore(tables);
        this.catalog = catalog;
        this.signingSecrets = signingSecrets;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * @param rawBody the request body exactly as received (the signature covers these bytes)
     * @param signatureHeader the {@code Stripe-Signature} header, may be null
     * @return the response for Stripe: 200 (applied, duplicate, stale, ignored), 400 (rejected: bad signature or
     *     object), 413 (body too large), 503 (retry: not applicable yet, or a transient failure)
     */
    public WebhookResponse handle(String rawBody, String signatureHeader) {
        String type = "unknown";
        WebhookResponse response;
        try {
            Event event = null;
            if (rawBody != null && rawBody.length() > MAX_BODY_BYTES / 4
                    && rawBody.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
                response = WebhookResponse.tooLarge("body exceeds " + MAX_BODY_BYTES + " bytes");
            } else if (signatureHeader == null || signatureHeader.isBlank()) {
                metrics.increment(MetricNames.WEBHOOK_SIGNATURE_FAILURES);
                response = WebhookResponse.badRequest("missing Stripe-Signature header");
            } else if (rawBody == null || rawBody.isEmpty()) {
                response = WebhookResponse.badRequest("empty body");
            } else {
                Verified verified = verify(rawBody, signatureHeader);
                response = verified.response();
                event = verified.event();
            }
            if (event != null) {
                type = HANDLED_TYPES.contains(event.getType()) ? event.getType() : "other";
                MDC.put("stripe_event_id", event.getId());
                response = applyClassified(event);
            }
        } finally {
            MDC.remove("stripe_event_id");
            MDC.remove("account");
            MDC.remove("invoice_id");
        }
        metrics.add(MetricNames.WEBHOOK_EVENTS, 1, Map.of("type", type, "outcome", response.outcome()));
        return response;
    }

    /** A verified event, or the answer when there is none. */
    private record Verified(Event event, WebhookResponse response) {
    }

    private Verified verify(String rawBody, String signatureHeader) {
        List<String> secrets;
        try {
            secrets = signingSecrets.get();
        } catch (RuntimeException e) {
            // Secrets Manager unreachable or throttled: Stripe retries. The secret's value is never in the message.
            LOG.error("webhook signing secrets unavailable: {}", e.getClass().getSimpleName());
            return new Verified(null, WebhookResponse.retryLater("signing secrets unavailable"));
        }
        String matched = null;
        String reason = "no signing secret configured";
        for (String secret : secrets) {
            try {
                Webhook.Signature.verifyHeader(rawBody, signatureHeader, secret, Webhook.DEFAULT_TOLERANCE, clock);
                matched = secret;
                break;
            } catch (SignatureVerificationException e) {
                reason = e.getMessage();
            }
        }
        if (matched == null) {
            metrics.increment(MetricNames.WEBHOOK_SIGNATURE_FAILURES);
            LOG.warn("webhook signature rejected: {}", reason);
            return new Verified(null, WebhookResponse.badRequest("signature verification failed: " + reason));
        }
        Event event;
        try {
            event = Webhook.constructEvent(rawBody, signatureHeader, matched, Webhook.DEFAULT_TOLERANCE, clock);
        } catch (SignatureVerificationException | RuntimeException e) {
            // Gson's syntax errors and the like: the signed body is not an event.
            return new Verified(null, WebhookResponse.badRequest("payload is not a Stripe event"));
        }
        if (event == null || event.getId() == null || event.getType() == null || event.getCreated() == null) {
            return new Verified(null, WebhookResponse.badRequest("event lacks id, type or created"));
        }
        return new Verified(event, null);
    }

    private WebhookResponse applyClassified(Event event) {
        try {
            return apply(event);
        } catch (RetryLaterException e) {
            LOG.info("event {} ({}) not applicable yet: {}", event.getId(), event.getType(), e.getMessage());
            return WebhookResponse.retryLater(e.getMessage());
        } catch (EventDataObjectDeserializationException | IllegalArgumentException | ClassCastException e) {
            LOG.warn("event {} ({}) rejected: {}", event.getId(), event.getType(), e.getMessage());
            return WebhookResponse.badRequest("cannot apply the event's object: " + e.getMessage());
        } catch (RuntimeException e) {
            if (DynamoDbFailures.isTransient(e)) {
                LOG.warn("event {} ({}) hit a transient failure, Stripe will retry: {}", event.getId(), event.getType(),
                        e.toString());
                return WebhookResponse.retryLater("transient failure: " + e.getClass().getSimpleName());
            }
            if (DynamoDbFailures.isPermanent(e)) {
                LOG.error("event {} ({}) cannot be stored: {}", event.getId(), event.getType(), e.getMessage());
                return WebhookResponse.badRequest("cannot store the event's effects: " + e.getClass().getSimpleName());
            }
            throw e;
        }
    }

    private WebhookResponse apply(Event event) throws RetryLaterException, EventDataObjectDeserializationException {
        return switch (event.getType()) {
            case "customer.created", "customer.updated" -> applyCustomer(event, (Customer) object(event));
            case "customer.deleted" -> applyCustomerDeleted(event, (Customer) object(event));
            case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
                 "customer.subscription.paused", "customer.subscription.resumed",
                 "customer.subscription.trial_will_end" -> applySubscription(event, (Subscription) object(event));
            case "checkout.session.completed", "checkout.session.async_payment_succeeded" ->
                    applyCheckout(event, (Session) object(event));
            case "checkout.session.async_payment_failed" -> commit(event, List.of(), "ignored",
                    "the payment of checkout session " + ((Session) object(event)).getId() + " failed; no credits granted");
            case "invoice.finalized", "invoice.paid", "invoice.payment_failed", "invoice.voided",
                 "invoice.marked_uncollectible" -> applyInvoice(event, (Invoice) object(event));
            case "charge.refunded" -> applyRefund(event, (Charge) object(event));
            case "entitlements.active_entitlement_summary.updated" ->
                    applyEntitlements(event, (ActiveEntitlementSummary) object(event));
            default -> commit(event, List.of(), "ignored", "event type " + event.getType() + " is not used by Tally");
        };
    }

    /**
     * The event's object. Stripe sends it in the endpoint's API version; stripe-java maps it safely only when that
     * equals {@code Stripe.API_VERSION}. Otherwise it is read anyway ({@code deserializeUnsafe}): the fields Tally
     * reads exist in every version since 2025-03-31.
     */
    private static StripeObject object(Event event) throws EventDataObjectDeserializationException {
        EventDataObjectDeserializer deserializer = event.getDataObjectDeserializer();
        Optional<StripeObject> safe = deserializer.getObject();
        if (safe.isPresent()) {
            return safe.get();
        }
        LOG.warn("event {} has API version {}, not the library's; reading it anyway", event.getId(), event.getApiVersion());
        StripeObject object = deserializer.deserializeUnsafe();
        if (object == null) {
            throw new IllegalArgumentException("event " + event.getId() + " has no object");
        }
        return object;
    }

    // ------------------------------------------------------------------ customers

    /**
     * Sets the customer's fields on its account, keeping what other events wrote (entitlement features, the payer):
     * an update, not a replacement. Name and email are cut to {@link #MAX_NAME_CHARS} and {@link #MAX_EMAIL_CHARS},
     * so that no customer, however large, fails to fit in an item.
     */
    private WebhookResponse applyCustomer(Event event, Customer customer) {
        String accountId = accountIdOf(customer.getMetadata(), customer.getId());
        MDC.put("account", accountId);
        Map<String, AttributeValue> values = new HashMap<>();
        StringBuilder set = new StringBuilder("SET stripeCustomerId = :cus, stripeEventCreated = :created");
        values.put(":cus", AttributeValue.fromS(customer.getId()));
        values.put(":created", AttributeValue.fromN(event.getCreated().toString()));
        Map<String, String> names = new HashMap<>();
        StringBuilder remove = new StringBuilder();
        setOrRemove(set, remove, values, names, "name", cut(customer.getName(), MAX_NAME_CHARS));
        setOrRemove(set, remove, values, names, "email", cut(customer.getEmail(), MAX_EMAIL_CHARS));
        setOrRemove(set, remove, values, names, "currency",
                customer.getCurrency() == null ? null : Currencies.normalise(customer.getCurrency()));
        if (customer.getCreated() != null) {
            set.append(", createdAt = :createdAt");
            values.put(":createdAt", AttributeValue.fromN(customer.getCreated().toString()));
        }
        Update.Builder update = Update.builder().tableName(tables.accounts.tableName())
                .key(Map.of("accountId", AttributeValue.fromS(accountId)))
                .updateExpression(set + (remove.isEmpty() ? "" : " REMOVE " + remove))
                .conditionExpression("attribute_not_exists(accountId) OR stripeEventCreated <= :created")
                .expressionAttributeValues(values);
        if (!names.isEmpty()) {
            update.expressionAttributeNames(names);
        }
        return commit(event, List.of(TransactWriteItem.builder().update(update.build()).build()), "applied",
                "account " + accountId);
    }

    private static void setOrRemove(StringBuilder set, StringBuilder remove, Map<String, AttributeValue> values,
                                    Map<String, String> names, String attribute, String value) {
        String alias = "#" + attribute;
        names.put(alias, attribute);
        if (value == null) {
            remove.append(remove.isEmpty() ? "" : ", ").append(alias);
        } else {
            set.append(", ").append(alias).append(" = :").append(attribute);
            values.put(":" + attribute, AttributeValue.fromS(value));
        }
    }

    private static String cut(String value, int maxChars) {
        return value == null || value.length() <= maxChars ? value : value.substring(0, maxChars);
    }

    /** Marks the account's customer deleted in Stripe; the account and its history stay. */
    private WebhookResponse applyCustomerDeleted(Event event, Customer customer) {
        String accountId = accountIdOf(customer.getMetadata(), customer.getId());
        MDC.put("account", accountId);
        AttributeValue created = AttributeValue.fromN(event.getCreated().toString());
        TransactWriteItem update = TransactWriteItem.builder().update(Update.builder()
                .tableName(tables.accounts.tableName())
                .key(Map.of("accountId", AttributeValue.fromS(accountId)))
                .updateExpression("SET stripeCustomerId = :cus, stripeDeletedAt = :created, stripeEventCreated = :created")
                .conditionExpression("attribute_not_exists(accountId) OR stripeEventCreated <= :created")
                .expressionAttributeValues(Map.of(":cus", AttributeValue.fromS(customer.getId()), ":created", created))
                .build()).build();
        return commit(event, List.of(update), "applied", "account " + accountId + " lost its Stripe customer");
    }

    // ------------------------------------------------------------------ entitlements

    /**
     * Stores the lookup keys of the customer's active entitlements on its account ({@code stripeFeatures}), order-safe
     * on {@code stripeFeaturesUpdatedAt}. The summary lists the entitlements Stripe includes in the event
     * (https://docs.stripe.com/billing/entitlements#webhooks).
     */
    private WebhookResponse applyEntitlements(Event event, ActiveEntitlementSummary summary) throws RetryLaterException {
        String accountId = resolveAccount(Map.of(), summary.getCustomer());
        List<String> features = new ArrayList<>();
        if (summary.getEntitlements() != null && summary.getEntitlements().getData() != null) {
            for (ActiveEntitlement e : summary.getEntitlements().getData()) {
                if (e.getLookupKey() != null && !features.contains(e.getLookupKey())) {
                    features.add(e.getLookupKey());
                }
            }
        }
        AttributeValue created = AttributeValue.fromN(event.getCreated().toString());
        TransactWriteItem update = TransactWriteItem.builder().update(Update.builder()
                .tableName(tables.accounts.tableName())
                .key(Map.of("accountId", AttributeValue.fromS(accountId)))
                .updateExpression("SET stripeFeatures = :features, stripeFeaturesUpdatedAt = :created")
                .conditionExpression("attribute_exists(accountId) AND (attribute_not_exists(stripeFeaturesUpdatedAt) "
                        + "OR stripeFeaturesUpdatedAt <= :created)")
                .expressionAttributeValues(Map.of(":features", AttributeValue.fromL(features.stream()
                        .map(AttributeValue::fromS).toList()), ":created", created))
                .build()).build();
        return commit(event, List.of(update), "applied", "account " + accountId + " has " + features.size() + " Stripe features");
    }

    // ------------------------------------------------------------------ subscriptions

    private WebhookResponse applySubscription(Event event, Subscription s) throws RetryLaterException {
        String accountId = resolveAccount(s.getMetadata(), s.getCustomer());
        for (int attempt = 1; ; attempt++) {
            SubscriptionItem current = directory.subscription(s.getId()).orElse(null);
            if (current != null && current.stripeEventCreated != null && current.stripeEventCreated > event.getCreated()) {
                return commit(event, List.of(), "stale", "a newer event for " + s.getId() + " was already applied");
            }
            // Optimistic lock on what was read; computed before merge(), which updates current in place.
            Put.Builder guarded = Put.builder().tableName(tables.subscriptions.tableName());
            if (current == null) {
                guarded.conditionExpression("attribute_not_exists(subscriptionId)");
            } else if (current.version == null) {
                guarded.conditionExpression("attribute_exists(subscriptionId) AND attribute_not_exists(version)");
            } else {
                guarded.conditionExpression("version = :v")
                        .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(current.version.toString())));
            }
            SubscriptionItem next = merge(current, s, accountId, event);
            TransactWriteItem put = TransactWriteItem.builder()
                    .put(guarded.item(SubscriptionItem.SCHEMA.itemToMap(next, true)).build()).build();
            try {
                return commitOrThrow(event, List.of(put), "applied", "subscription " + s.getId() + " (" + s.getStatus() + ")");
            } catch (TransactionCanceledException e) {
                if (Transactions.conditionFailed(e, 0)) {
                    return duplicate(event);
                }
                if ((Transactions.conditionFailed(e, 1) || Transactions.conflict(e)) && attempt < VERSION_RETRIES) {
                    continue;
                }
                throw e;
            }
        }
    }

    private SubscriptionItem merge(SubscriptionItem current, Subscription s, String accountId, Event event) {
        SubscriptionItem next = current == null ? new SubscriptionItem() : current;
        List<String> priceKeys = new ArrayList<>();
        Long itemPeriodStart = null;
        List<com.stripe.model.SubscriptionItem> items = s.getItems() == null || s.getItems().getData() == null
                ? List.of() : s.getItems().getData();
        for (com.stripe.model.SubscriptionItem item : items) {
            Price price = item.getPrice();
            if (price != null) {
                if (price.getId() != null) {
                    priceKeys.add(price.getId());
                }
                if (price.getLookupKey() != null) {
                    priceKeys.add(price.getLookupKey());
                }
                if (itemPeriodStart == null) {
                    itemPeriodStart = item.getCurrentPeriodStart();
                }
            }
        }
        Optional<Plan> matched = catalog.planForStripePrices(priceKeys);
        // Seats: the quantity of the subscription item whose price selected the plan (Stripe's default is 1).
        long seats = matched.map(p -> items.stream()
                .filter(i -> i.getPrice() != null && (p.stripePriceIds().contains(i.getPrice().getId())
                        || p.stripePriceIds().contains(i.getPrice().getLookupKey())))
                .map(com.stripe.model.SubscriptionItem::getQuantity)
                .filter(q -> q != null && q > 0)
                .findFirst().orElse(1L)).orElse(1L);
        // A subscription that moves to prices outside the catalog keeps the plan its open period was running on, so
        // the usage already counted in that period is still invoiced.
        Optional<Plan> plan = matched.isPresent() || current == null || current.planId == null
                ? matched : catalog.plan(current.planId);
        if (matched.isEmpty()) {
            LOG.warn("subscription {} has no price from the catalog ({}); {}", s.getId(), priceKeys,
                    plan.isPresent() ? "its open period stays on plan " + plan.get().id() : "Tally does not bill it");
        }
        boolean wasCanceled = current != null && "canceled".equals(current.status);
        next.subscriptionId = s.getId();
        next.accountId = current != null ? current.accountId : accountId;
        next.stripeCustomerId = s.getCustomer();
        // Canceled is final in Stripe: an update stamped the same second as the deletion cannot revive it.
        next.status = wasCanceled ? "canceled" : s.getStatus();
        next.stripePriceIds = priceKeys;
        next.planId = plan.map(Plan::id).orElse(null);
        next.currency = plan.map(Plan::currency).orElse(s.getCurrency());
        next.createdAt = s.getStartDate() != null ? s.getStartDate() : s.getCreated();
        next.endedAt = s.getEndedAt() != null ? s.getEndedAt() : current == null ? null : current.endedAt;
        next.stripeEventCreated = event.getCreated();
        next.version = (current == null || current.version == null ? 0L : current.version) + 1;
        boolean billable = plan.isPresent() && !wasCanceled && BILLABLE_STATUSES.contains(next.status);
        if (plan.isPresent() && (current == null || current.billingAnchor == null)) {
            // Tally's billing cursor starts at the period the subscription is in when Tally first sees it on a plan.
            Plan p = plan.get();
            next.billingAnchor = s.getBillingCycleAnchor() != null ? s.getBillingCycleAnchor() : next.createdAt;
            next.interval = p.interval();
            next.intervalCount = p.intervalCount();
            long in = itemPeriodStart != null ? itemPeriodStart : next.createdAt;
            BillingPeriod period = BillingPeriod.containing(next.billingAnchor, next.interval, next.intervalCount, in);
            next.periodStart = period.start();
            next.periodEnd = period.end();
            next.billingState = billable ? SubscriptionItem.activeState(next.subscriptionId) : null;
        } else if (billable && next.billingState == null && next.endedAt == null && next.billingAnchor != null) {
            next.billingState = SubscriptionItem.activeState(next.subscriptionId);
        }
        next.cancelAt = s.getCancelAt();
        List<Phase> phases = PhaseItem.toDomain(next.phases);
        if (plan.isPresent() && !wasCanceled) {
            // A change takes effect when Stripe made it (the event's time); the first phase starts with the subscription.
            Phase open = phases.isEmpty() ? null : phases.get(phases.size() - 1);
            long at = phases.isEmpty() ? next.createdAt
                    : Math.max(event.getCreated(), open.open() ? open.from() : open.to());
            long quantity = matched.isPresent() ? seats : open != null ? open.quantity() : 1;
            phases = Phases.change(phases, plan.get().id(), quantity, at);
        }
        if (next.endedAt != null) {
            phases = Phases.end(phases, next.endedAt);
        }
        next.phases = PhaseItem.fromDomain(phases);
        if (next.endedAt != null && next.periodStart != null) {
            if (next.endedAt <= next.periodStart) {
                next.billingState = null;       // nothing left to bill
                next.periodEnd = null;
            } else if (next.periodEnd != null && next.endedAt < next.periodEnd) {
                next.periodEnd = next.endedAt;  // the last period is cut at the end of the subscription
            }
        }
        return next;
    }


    // ------------------------------------------------------------------ prepaid credits

    private WebhookResponse applyCheckout(Event event, Session session) throws RetryLaterException {
        Map<String, String> metadata = session.getMetadata() == null ? Map.of() : session.getMetadata();
        if (!"payment".equals(session.getMode()) || !"prepaid_credits".equals(metadata.get(PURPOSE_METADATA))) {
            return commit(event, List.of(), "ignored", "checkout session " + session.getId() + " is not a prepaid-credit purchase");
        }
        if (!"paid".equals(session.getPaymentStatus())) {
            return commit(event, List.of(), "ignored", "checkout session " + session.getId() + " is not paid yet ("
                    + session.getPaymentStatus() + "); credits are granted on payment");
        }
        String accountId = resolveAccount(metadata, session.getCustomer());
        long paid = paidBeforeTax(session);
        long amount;
        try {
            amount = metadata.containsKey(CREDIT_AMOUNT_METADATA) ? Long.parseLong(metadata.get(CREDIT_AMOUNT_METADATA).trim()) : paid;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(CREDIT_AMOUNT_METADATA + " is not a whole number of minor units");
        }
        if (amount <= 0) {
            throw new IllegalArgumentException("prepaid-credit purchase " + session.getId() + " has no positive amount");
        }
        String currency = Currencies.normalise(session.getCurrency());
        // Effective from the purchase event's time, so every redelivery computes the same grant; a session grants once
        // (its grant id derives from the session).
        long effectiveAt = event.getCreated();
        Long expiresAt = null;
        if (metadata.containsKey(CREDIT_EXPIRES_DAYS_METADATA)) {
            long days;
            try {
                days = Long.parseLong(metadata.get(CREDIT_EXPIRES_DAYS_METADATA).trim());
            } catch (NumberFormatException e) {
                days = 0;
            }
            if (days <= 0 || days > 36_500) {
                throw new IllegalArgumentException(CREDIT_EXPIRES_DAYS_METADATA + " must be a whole number of days from 1 to 36500, was "
                        + metadata.get(CREDIT_EXPIRES_DAYS_METADATA));
            }
            expiresAt = effectiveAt + days * 86_400;
        }
        CreditGrant grant = new CreditGrant(CreditGrant.purchaseGrantId(session.getId()), accountId, currency, amount,
                CreditGrant.DEFAULT_PRIORITY, effectiveAt, expiresAt, GrantSource.PURCHASE, session.getId(),
                "Prepaid credits bought in Checkout " + session.getId(), PURCHASE_GRANTED_BY, clock.instant().getEpochSecond());
        List<TransactWriteItem> items = new ArrayList<>(credits.grantItems(grant));
        if (session.getPaymentIntent() != null && paid > 0) {
            // The link charge.refunded follows from the charge's payment intent to this grant.
            items.add(credits.purchasePaymentItem(new CreditPurchasePayment(accountId, session.getPaymentIntent(),
                    grant.grantId(), currency, paid, amount, 0, 0, 0)));
        }
        try {
            return commitOrThrow(event, items, "applied", "granted " + Currencies.format(amount, currency) + " to " + accountId);
        } catch (TransactionCanceledException e) {
            if (Transactions.conditionFailed(e, 0)) {
                return duplicate(event);
            }
            if (Transactions.conditionFailed(e, 1)) {
                // Another event for the same session (completed, then async_payment_succeeded) granted it already.
                return commit(event, List.of(), "duplicate", "credits for " + session.getId() + " were already granted");
            }
            throw e;
        }
    }

    /**
     * What a Checkout Session was paid after discounts and before tax: {@code amount_total - total_details.amount_tax}
     * (https://docs.stripe.com/api/checkout/sessions/object#checkout_session_object-total_details).
     */
    static long paidBeforeTax(Session session) {
        long total = session.getAmountTotal() == null ? 0L : session.getAmountTotal();
        long tax = session.getTotalDetails() == null || session.getTotalDetails().getAmountTax() == null
                ? 0L : session.getTotalDetails().getAmountTax();
        return total - tax;
    }

    /**
     * A refund of a credit purchase's charge revokes the refunded share of its credits, up to what the grant has left
     * (a {@link LedgerEntry.Type#REVOCATION} entry); the rest had already been drawn by invoices and is recorded as
     * unrecovered on the purchase's payment link, counted in {@link MetricNames#CREDIT_REFUND_UNRECOVERED} and named
     * in the answer and the log. Stripe's {@code amount_refunded} is cumulative, so each step applies the difference to
     * what was applied before, and an older event (a smaller cumulative amount) is stale.
     */
    private WebhookResponse applyRefund(Event event, Charge charge) {
        if (charge.getPaymentIntent() == null) {
            return commit(event, List.of(), "ignored", "charge " + charge.getId() + " has no payment intent");
        }
        Optional<String> account = charge.getMetadata() != null && charge.getMetadata().get(ACCOUNT_METADATA) != null
                ? Optional.of(charge.getMetadata().get(ACCOUNT_METADATA))
                : charge.getCustomer() == null ? Optional.empty()
                : directory.accountByStripeCustomer(charge.getCustomer()).map(a -> a.accountId);
        Optional<CreditPurchasePayment> link = account.flatMap(a -> credits.purchasePayment(a, charge.getPaymentIntent()));
        if (link.isEmpty()) {
            return commit(event, List.of(), "ignored", "charge " + charge.getId() + " did not pay for a credit purchase Tally knows");
        }
        MDC.put("account", link.get().accountId());
        long refunded = charge.getAmountRefunded() == null ? 0L : charge.getAmountRefunded();
        for (int attempt = 1; ; attempt++) {
            CreditPurchasePayment before = credits.purchasePayment(link.get().accountId(), charge.getPaymentIntent()).orElseThrow();
            if (refunded <= before.refundedMinor()) {
                return commit(event, List.of(), "stale", "refunds of " + charge.getId() + " up to "
                        + Currencies.format(refunded, before.currency()) + " were already applied");
            }
            long due = before.revocationTarget(refunded) - before.revokedMinor() - before.unrecoveredMinor();
            GrantBalance grant = credits.grant(before.accountId(), before.grantId()).orElseThrow(() ->
                    new IllegalStateException("grant " + before.grantId() + " of a linked purchase is missing"));
            long revoke = Math.max(0, Math.min(due, grant.remainingMinor()));
            long unrecovered = Math.max(0, due - revoke);
            CreditPurchasePayment after = new CreditPurchasePayment(before.accountId(), before.paymentIntentId(),
                    before.grantId(), before.currency(), before.paidMinor(), before.grantedMinor(), refunded,
                    before.revokedMinor() + revoke, before.unrecoveredMinor() + unrecovered);
            List<TransactWriteItem> items = new ArrayList<>();
            items.add(credits.refundItem(after, before.refundedMinor()));
            if (revoke > 0) {
                items.addAll(credits.entryItems(List.of(LedgerEntry.revocation(grant.grant(), grant.remainingMinor(), revoke,
                        charge.getId() + "@" + refunded, "Refund of " + charge.getId() + " (Checkout " + grant.grant().sourceRef() + ")",
                        // when Tally took it back, like the grant entry's time: after the grant, whatever the event says
                        Math.max(clock.instant().getEpochSecond(), grant.grant().createdAt())))));
            }
            String message = "revoked " + Currencies.format(revoke, before.currency()) + " of " + before.grantId()
                    + (unrecovered > 0 ? "; " + Currencies.format(unrecovered, before.currency())
                    + " refunded had already been spent (unrecovered)" : "");
            try {
                WebhookResponse response = commitOrThrow(event, items, "applied", message);
                if (unrecovered > 0) {
                    metrics.add(MetricNames.CREDIT_REFUND_UNRECOVERED, unrecovered, Map.of("currency", before.currency()));
                    LOG.warn("refund of {} exceeds the unused credits of {}: {} unrecovered", charge.getId(),
                            before.grantId(), Currencies.format(unrecovered, before.currency()));
                }
                return response;
            } catch (TransactionCanceledException e) {
                if (Transactions.conditionFailed(e, 0)) {
                    return duplicate(event);
                }
                // The link or the grant changed since read (another refund event, an invoice's drawdown): read again.
                if ((Transactions.conditionFailedFrom(e, 1) || Transactions.conflict(e)) && attempt < VERSION_RETRIES) {
                    continue;
                }
                throw e;
            }
        }
    }

    // ------------------------------------------------------------------ invoice payments

    /**
     * Records the Stripe invoice's payment state in the payments table and, for an invoice Tally issued
     * ({@link #INVOICE_METADATA}), on Tally's invoice header, in one transaction; both order-safe on the event's
     * {@code created}. A Tally invoice that is absent or still a draft is left alone (the payments item is written).
     */
    private WebhookResponse applyInvoice(Event event, Invoice invoice) throws RetryLaterException {
        if (invoice.getId() == null || invoice.getCurrency() == null) {
            throw new IllegalArgumentException("invoice lacks id or currency");
        }
        Map<String, String> metadata = invoice.getMetadata() == null ? Map.of() : invoice.getMetadata();
        String subscriptionId = invoice.getParent() == null || invoice.getParent().getSubscriptionDetails() == null
                ? null : invoice.getParent().getSubscriptionDetails().getSubscription();
        Map<String, String> subscriptionMetadata = invoice.getParent() == null || invoice.getParent().getSubscriptionDetails() == null
                || invoice.getParent().getSubscriptionDetails().getMetadata() == null
                ? Map.of() : invoice.getParent().getSubscriptionDetails().getMetadata();
        String accountId = resolveAccount(metadata.containsKey(ACCOUNT_METADATA) ? metadata : subscriptionMetadata,
                invoice.getCustomer());
        String tallyInvoiceId = metadata.get(INVOICE_METADATA);
        if (tallyInvoiceId != null) {
            MDC.put("invoice_id", tallyInvoiceId);
        }
        PaymentState state = switch (event.getType()) {
            case "invoice.paid" -> PaymentState.PAID;
            case "invoice.payment_failed" -> PaymentState.PAYMENT_FAILED;
            case "invoice.voided" -> PaymentState.VOID;
            case "invoice.marked_uncollectible" -> PaymentState.UNCOLLECTIBLE;
            default -> PaymentState.OPEN;
        };
        Long paidAt = state != PaymentState.PAID ? null
                : invoice.getStatusTransitions() != null && invoice.getStatusTransitions().getPaidAt() != null
                ? invoice.getStatusTransitions().getPaidAt() : event.getCreated();
        InvoicePayment payment = new InvoicePayment(invoice.getId(), accountId, tallyInvoiceId, subscriptionId,
                Currencies.normalise(invoice.getCurrency()), orZero(invoice.getAmountDue()), orZero(invoice.getAmountPaid()),
                0L, state, orZero(invoice.getAttemptCount()),
                state == PaymentState.PAYMENT_FAILED || state == PaymentState.OPEN ? invoice.getNextPaymentAttempt() : null,
                state == PaymentState.PAYMENT_FAILED ? event.getCreated() : null, paidAt, event.getCreated(),
                event.getId(), event.getType());
        List<TransactWriteItem> items = new ArrayList<>();
        items.add(payments.recordItem(payment));
        if (tallyInvoiceId != null) {
            items.add(invoices.paymentItem(tallyInvoiceId, payment));
        }
        String message = "invoice " + invoice.getId() + " " + state.wire() + " (attempt " + payment.attemptCount() + ")";
        try {
            return commitOrThrow(event, items, "applied", message);
        } catch (TransactionCanceledException e) {
            if (Transactions.conditionFailed(e, 0)) {
                return duplicate(event);
            }
            if (Transactions.conditionFailed(e, 1)) {
                return commit(event, List.of(), "stale", "a newer event for invoice " + invoice.getId() + " was already applied");
            }
            if (Transactions.conditionFailed(e, 2)) {
                LOG.warn("Tally invoice {} is absent, a draft, or has a newer payment state; recording {} in payments only",
                        tallyInvoiceId, invoice.getId());
                return commit(event, List.of(items.get(0)), "applied", message + "; Tally invoice " + tallyInvoiceId + " unchanged");
            }
            throw e;
        }
    }

    private static long orZero(Long v) {
        return v == null ? 0L : v;
    }

    // ------------------------------------------------------------------ accounts, commits

    private String resolveAccount(Map<String, String> metadata, String stripeCustomerId) throws RetryLaterException {
        String accountId;
        if (metadata != null && metadata.get(ACCOUNT_METADATA) != null) {
            accountId = metadata.get(ACCOUNT_METADATA);
        } else if (stripeCustomerId == null) {
            throw new IllegalArgumentException("object has neither customer nor " + ACCOUNT_METADATA + " metadata");
        } else {
            accountId = directory.accountByStripeCustomer(stripeCustomerId).map(a -> a.accountId)
                    .orElseThrow(() -> new RetryLaterException("customer " + stripeCustomerId + " is not known yet"));
        }
        MDC.put("account", accountId);
        return accountId;
    }

    private static String accountIdOf(Map<String, String> metadata, String customerId) {
        return metadata != null && metadata.get(ACCOUNT_METADATA) != null ? metadata.get(ACCOUNT_METADATA) : customerId;
    }

    /**
     * Commits effects with the event record. A failed condition on the record: a duplicate; on an effect: a stale
     * event (recorded without effect). Anything else (a conflict, throttling) is thrown: transient, Stripe retries.
     */
    private WebhookResponse commit(Event event, List<TransactWriteItem> effects, String outcome, String message) {
        try {
            return commitOrThrow(event, effects, outcome, message);
        } catch (TransactionCanceledException e) {
            if (Transactions.conditionFailed(e, 0)) {
                return duplicate(event);
            }
            if (!effects.isEmpty() && Transactions.conditionFailedFrom(e, 1)) {
                return commit(event, List.of(), "stale", "a newer event was already applied; " + event.getId() + " changes nothing");
            }
            throw e;
        }
    }

    /** The answer to an event whose id was recorded already (the first condition of every commit). */
    private static WebhookResponse duplicate(Event event) {
        return WebhookResponse.ok("duplicate", "event " + event.getId() + " was already applied");
    }

    private WebhookResponse commitOrThrow(Event event, List<TransactWriteItem> effects, String outcome, String message) {
        long now = clock.instant().getEpochSecond();
        WebhookEventItem record = new WebhookEventItem();
        record.eventId = event.getId();
        record.type = event.getType();
        record.created = event.getCreated();
        record.processedAt = now;
        record.expiresAt = now + EVENT_RETENTION_SECONDS;
        List<TransactWriteItem> items = new ArrayList<>();
        items.add(TransactWriteItem.builder().put(Put.builder()
                .tableName(tables.webhookEvents.tableName())
                .item(WebhookEventItem.SCHEMA.itemToMap(record, true))
                .conditionExpression("attribute_not_exists(eventId)").build()).build());
        items.addAll(effects);
        tables.client.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(items).build());
        LOG.info("stripe event {} {}: {} ({})", event.getId(), event.getType(), outcome, message);
        return WebhookResponse.ok(outcome, message);
    }
}
