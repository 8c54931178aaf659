package dev.tally.webhook;

import com.stripe.exception.EventDataObjectDeserializationException;
import com.stripe.exception.SignatureVerificationException;
import com.stripe.model.Customer;
import com.stripe.model.Event;
import com.stripe.model.EventDataObjectDeserializer;
import com.stripe.model.Price;
import com.stripe.model.StripeObject;
import com.stripe.model.Subscription;
import com.stripe.model.checkout.Session;
import com.stripe.net.Webhook;
import dev.tally.logging.LogContext;
import dev.tally.account.AccountDirectory;
import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Plan;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.DynamoDbCreditStore;
import dev.tally.credit.GrantSource;
import dev.tally.money.Currencies;
import dev.tally.store.AccountItem;
import dev.tally.store.PhaseItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.subscription.Phase;
import dev.tally.subscription.Phases;
import dev.tally.store.TallyTables;
import dev.tally.store.Transactions;
import dev.tally.store.WebhookEventItem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Applies Stripe webhooks to Tally's state: verified, deduplicated and order-safe.
 *
 * <ul>
 *   <li><b>Verified</b>: the {@code Stripe-Signature} header is checked on the raw body with stripe-java's
 *       {@link Webhook#constructEvent} (HMAC-SHA256, 300 s tolerance, https://docs.stripe.com/webhooks#verify-events).
 *       A bad or missing signature gets 400 and nothing is read or written.</li>
 *   <li><b>Deduplicated</b>: the event id is written in the same DynamoDB transaction as the event's effects, on
 *       condition it is new; a redelivery changes nothing and gets 200.</li>
 *   <li><b>Order-safe</b>: Stripe does not guarantee delivery order (https://docs.stripe.com/webhooks#event-ordering).
 *       Accounts and subscriptions remember the {@code created} time of the last event applied and ignore older
 *       ones; a subscription event for a customer Tally has not seen yet gets 503, so Stripe retries it after the
 *       {@code customer.created} event has arrived.</li>
 * </ul>
 *
 * Handled types: {@code customer.created}, {@code customer.updated}, {@code customer.subscription.created},
 * {@code customer.subscription.updated}, {@code customer.subscription.deleted}, {@code checkout.session.completed}
 * and {@code checkout.session.async_payment_succeeded} (prepaid-credit purchases). Others are recorded and ignored.
 */
public final class StripeWebhookService {
    private static final Logger LOG = LoggerFactory.getLogger(StripeWebhookService.class);

    /** Customer or subscription metadata key naming the Tally account; without it the customer id is the account. */
    public static final String ACCOUNT_METADATA = "tally_account_id";
    /** Checkout Session metadata marking a prepaid-credit purchase: {@code tally_purpose=prepaid_credits}. */
    public static final String PURPOSE_METADATA = "tally_purpose";
    /**
     * Optional Checkout Session metadata: credits granted in minor units. Without it the grant is the session's
     * {@code amount_subtotal} (before discounts and tax).
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

    private static final Set<String> BILLABLE_STATUSES = Set.of("active", "trialing", "past_due", "unpaid", "incomplete");
    private static final int VERSION_RETRIES = 5;

    private final TallyTables tables;
    private final AccountDirectory directory;
    private final DynamoDbCreditStore credits;
    private final Catalog catalog;
    private final Supplier<String> signingSecret;
    private final Clock clock;

    /**
     * @param tables bound tables
     * @param catalog validated catalog (maps subscription prices to plans)
     * @param signingSecret the endpoint's signing secret, {@code whsec_...}
     * @param clock clock for the signature tolerance and processing times
     */
    public StripeWebhookService(TallyTables tables, Catalog catalog, String signingSecret, Clock clock) {
        this(tables, catalog, () -> signingSecret, clock);
    }

    /**
     * @param tables bound tables
     * @param catalog validated catalog (maps subscription prices to plans)
     * @param signingSecret the endpoint's signing secret, {@code whsec_...}, asked for on each signed request (a
     *     {@link dev.tally.aws.CachedSecret} reads it after a SnapStart restore and keeps it for its TTL)
     * @param clock clock for the signature tolerance and processing times
     */
    public StripeWebhookService(TallyTables tables, Catalog catalog, Supplier<String> signingSecret, Clock clock) {
        this.tables = tables;
        this.directory = new AccountDirectory(tables);
        this.credits = tables.creditStore();
        this.catalog = catalog;
        this.signingSecret = signingSecret;
        this.clock = clock;
    }

    /**
     * @param rawBody the request body exactly as received (the signature covers these bytes)
     * @param signatureHeader the {@code Stripe-Signature} header, may be null
     * @return the response for Stripe
     */
    public WebhookResponse handle(String rawBody, String signatureHeader) {
        if (signatureHeader == null || signatureHeader.isBlank()) {
            return WebhookResponse.badRequest("missing Stripe-Signature header");
        }
        if (rawBody == null || rawBody.isEmpty()) {
            return WebhookResponse.badRequest("empty body");
        }
        Event event;
        try {
            event = Webhook.constructEvent(rawBody, signatureHeader, signingSecret.get(), Webhook.DEFAULT_TOLERANCE, clock);
        } catch (SignatureVerificationException e) {
            LOG.warn("webhook signature rejected: {}", e.getMessage());
            return WebhookResponse.badRequest("signature verification failed: " + e.getMessage());
        } catch (RuntimeException e) {
            return WebhookResponse.badRequest("payload is not a Stripe event: " + e.getMessage());
        }
        if (event.getId() == null || event.getType() == null || event.getCreated() == null) {
            return WebhookResponse.badRequest("event lacks id, type or created");
        }
        try (LogContext.Scope ignored = LogContext.with(LogContext.STRIPE_EVENT_ID, event.getId())) {
            return apply(event);
        } catch (RetryLaterException e) {
            LOG.info("event {} ({}) not applicable yet: {}", event.getId(), event.getType(), e.getMessage());
            return WebhookResponse.retryLater(e.getMessage());
        } catch (EventDataObjectDeserializationException | IllegalArgumentException e) {
            return WebhookResponse.badRequest("cannot read the event's object: " + e.getMessage());
        }
    }

    private WebhookResponse apply(Event event) throws RetryLaterException, EventDataObjectDeserializationException {
        return switch (event.getType()) {
            case "customer.created", "customer.updated" -> applyCustomer(event, (Customer) object(event));
            case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted" ->
                    applySubscription(event, (Subscription) object(event));
            case "checkout.session.completed", "checkout.session.async_payment_succeeded" ->
                    applyCheckout(event, (Session) object(event));
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
        return deserializer.deserializeUnsafe();
    }

    private WebhookResponse applyCustomer(Event event, Customer customer) {
        AccountItem account = new AccountItem();
        account.accountId = accountIdOf(customer.getMetadata(), customer.getId());
        account.stripeCustomerId = customer.getId();
        account.name = customer.getName();
        account.email = customer.getEmail();
        account.currency = customer.getCurrency() == null ? null : Currencies.normalise(customer.getCurrency());
        account.createdAt = customer.getCreated();
        account.stripeEventCreated = event.getCreated();
        TransactWriteItem put = TransactWriteItem.builder().put(Put.builder()
                .tableName(tables.accounts.tableName())
                .item(AccountItem.SCHEMA.itemToMap(account, true))
                .conditionExpression("attribute_not_exists(accountId) OR stripeEventCreated <= :created")
                .expressionAttributeValues(Map.of(":created", AttributeValue.fromN(event.getCreated().toString())))
                .build()).build();
        return commit(event, List.of(put), "applied", "account " + account.accountId);
    }

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
                    return WebhookResponse.ok("duplicate", "event " + event.getId() + " was already applied");
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
        long amount;
        try {
            // The face value bought: before discounts and tax (amount_total would credit the tax paid too).
            amount = metadata.containsKey(CREDIT_AMOUNT_METADATA) ? Long.parseLong(metadata.get(CREDIT_AMOUNT_METADATA))
                    : session.getAmountSubtotal() != null ? session.getAmountSubtotal()
                    : session.getAmountTotal() == null ? 0L : session.getAmountTotal();
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
        List<TransactWriteItem> items = credits.grantItems(grant);
        try {
            return commitOrThrow(event, items, "applied", "granted " + Currencies.format(amount, currency) + " to " + accountId);
        } catch (TransactionCanceledException e) {
            if (Transactions.conditionFailed(e, 0)) {
                return WebhookResponse.ok("duplicate", "event " + event.getId() + " was already applied");
            }
            if (Transactions.conditionFailed(e, 1)) {
                // Another event for the same session (completed, then async_payment_succeeded) granted it already.
                return commit(event, List.of(), "duplicate", "credits for " + session.getId() + " were already granted");
            }
            throw e;
        }
    }

    private String resolveAccount(Map<String, String> metadata, String stripeCustomerId) throws RetryLaterException {
        if (metadata != null && metadata.get(ACCOUNT_METADATA) != null) {
            return metadata.get(ACCOUNT_METADATA);
        }
        if (stripeCustomerId == null) {
            throw new IllegalArgumentException("object has neither customer nor " + ACCOUNT_METADATA + " metadata");
        }
        return directory.accountByStripeCustomer(stripeCustomerId).map(a -> a.accountId)
                .orElseThrow(() -> new RetryLaterException("customer " + stripeCustomerId + " is not known yet"));
    }

    private static String accountIdOf(Map<String, String> metadata, String customerId) {
        return metadata != null && metadata.get(ACCOUNT_METADATA) != null ? metadata.get(ACCOUNT_METADATA) : customerId;
    }

    /** Commits effects with the event record; an effect's failed condition means a stale event. */
    private WebhookResponse commit(Event event, List<TransactWriteItem> effects, String outcome, String message) {
        try {
            return commitOrThrow(event, effects, outcome, message);
        } catch (TransactionCanceledException e) {
            if (Transactions.conditionFailed(e, 0)) {
                return WebhookResponse.ok("duplicate", "event " + event.getId() + " was already applied");
            }
            if (!effects.isEmpty()) {
                return commit(event, List.of(), "stale", "a newer event was already applied; " + event.getId() + " changes nothing");
            }
            throw e;
        }
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
