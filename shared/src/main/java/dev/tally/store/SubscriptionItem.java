package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.EnhancedType;
import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import java.util.List;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondarySortKey;

/**
 * A subscription in the subscriptions table, from Stripe's {@code customer.subscription.*} events.
 *
 * <p>Stripe owns status, items and cancellation; Tally owns the billing cursor: {@code periodStart}/{@code periodEnd}
 * is the earliest period not yet invoiced, advanced only by the invoice generator. {@code billingState} is
 * {@code "active#<shard>"} while a period remains to be invoiced and absent afterwards, so the {@code by-period-end}
 * index holds exactly the billing run's work, in {@link #WORK_LIST_SHARDS} partitions. Times are seconds since the epoch.
 */
public final class SubscriptionItem {
    /** Prefix of {@link #billingState} while the subscription has periods left to invoice. */
    public static final String BILLING_ACTIVE = "active";
    /**
     * Shards of the billing run's work list: a DynamoDB partition takes at most 1,000 write units a second
     * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html), and every invoice
     * moves a cursor, which rewrites the index entry; 16 shards keep a run of tens of thousands of subscriptions that
     * share an anchor from throttling on one index partition.
     */
    public static final int WORK_LIST_SHARDS = 16;

    /**
     * @param subscriptionId a subscription id
     * @return its {@link #billingState} while it has periods to invoice: {@code active#<shard>}, the shard fixed by the id
     */
    public static String activeState(String subscriptionId) {
        return BILLING_ACTIVE + "#" + Math.floorMod(subscriptionId.hashCode(), WORK_LIST_SHARDS);
    }

    /**
     * @param shard 0 to {@link #WORK_LIST_SHARDS} - 1
     * @return the work list's index partition key for that shard
     */
    public static String activeShard(int shard) {
        return BILLING_ACTIVE + "#" + shard;
    }

    /** @return true while the subscription has periods left to invoice */
    public boolean billing() {
        return billingState != null && billingState.startsWith(BILLING_ACTIVE);
    }

    public String subscriptionId;
    public String accountId;
    public String stripeCustomerId;
    /** Stripe status: active, trialing, past_due, canceled, ... */
    public String status;
    /** Catalog plan id matched from the item prices: the plan of the open phase. */
    public String planId;
    /**
     * The phases, oldest first, appended by Stripe's events and never rewritten ({@link dev.tally.subscription.Phases}):
     * what the invoice generator prices.
     */
    public List<PhaseItem> phases;
    /** Stripe {@code cancel_at}: when a subscription set to cancel (at period end or a date) will end; null otherwise. */
    public Long cancelAt;
    /** Stripe price ids and lookup keys of the subscription items. */
    public List<String> stripePriceIds;
    public String currency;
    /** Stripe {@code billing_cycle_anchor}: periods are anchor + n intervals. */
    public Long billingAnchor;
    /** {@code month} or {@code year}. */
    public String interval;
    public Integer intervalCount;
    /** Start of the earliest period not yet invoiced (inclusive). */
    public Long periodStart;
    /** End of that period (exclusive). */
    public Long periodEnd;
    public String billingState;
    /** When the subscription ended (Stripe {@code ended_at}); the last period is cut there. */
    public Long endedAt;
    /** Stripe {@code start_date}: usage before it is not billed on this subscription. */
    public Long createdAt;
    /** {@code created} of the last Stripe event applied, so an older event never overwrites a newer one. */
    public Long stripeEventCreated;
    /** Optimistic-lock version, incremented by every write. */
    public Long version;

    public static final StaticTableSchema<SubscriptionItem> SCHEMA = StaticTableSchema.builder(SubscriptionItem.class)
            .newItemSupplier(SubscriptionItem::new)
            .addAttribute(String.class, a -> a.name("subscriptionId").getter(i -> i.subscriptionId)
                    .setter((i, v) -> i.subscriptionId = v).tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v)
                    .tags(secondaryPartitionKey(Indexes.BY_ACCOUNT)))
            .addAttribute(String.class, a -> a.name("stripeCustomerId").getter(i -> i.stripeCustomerId).setter((i, v) -> i.stripeCustomerId = v))
            .addAttribute(String.class, a -> a.name("status").getter(i -> i.status).setter((i, v) -> i.status = v))
            .addAttribute(String.class, a -> a.name("planId").getter(i -> i.planId).setter((i, v) -> i.planId = v))
            .addAttribute(EnhancedType.listOf(EnhancedType.documentOf(PhaseItem.class, PhaseItem.SCHEMA)),
                    a -> a.name("phases").getter(i -> i.phases).setter((i, v) -> i.phases = v))
            .addAttribute(Long.class, a -> a.name("cancelAt").getter(i -> i.cancelAt).setter((i, v) -> i.cancelAt = v))
            .addAttribute(EnhancedType.listOf(String.class), a -> a.name("stripePriceIds").getter(i -> i.stripePriceIds)
                    .setter((i, v) -> i.stripePriceIds = v))
            .addAttribute(String.class, a -> a.name("currency").getter(i -> i.currency).setter((i, v) -> i.currency = v))
            .addAttribute(Long.class, a -> a.name("billingAnchor").getter(i -> i.billingAnchor).setter((i, v) -> i.billingAnchor = v))
            .addAttribute(String.class, a -> a.name("interval").getter(i -> i.interval).setter((i, v) -> i.interval = v))
            .addAttribute(Integer.class, a -> a.name("intervalCount").getter(i -> i.intervalCount).setter((i, v) -> i.intervalCount = v))
            .addAttribute(Long.class, a -> a.name("periodStart").getter(i -> i.periodStart).setter((i, v) -> i.periodStart = v))
            .addAttribute(Long.class, a -> a.name("periodEnd").getter(i -> i.periodEnd).setter((i, v) -> i.periodEnd = v)
                    .tags(secondarySortKey(Indexes.BY_PERIOD_END)))
            .addAttribute(String.class, a -> a.name("billingState").getter(i -> i.billingState).setter((i, v) -> i.billingState = v)
                    .tags(secondaryPartitionKey(Indexes.BY_PERIOD_END)))
            .addAttribute(Long.class, a -> a.name("endedAt").getter(i -> i.endedAt).setter((i, v) -> i.endedAt = v))
            .addAttribute(Long.class, a -> a.name("createdAt").getter(i -> i.createdAt).setter((i, v) -> i.createdAt = v))
            .addAttribute(Long.class, a -> a.name("stripeEventCreated").getter(i -> i.stripeEventCreated).setter((i, v) -> i.stripeEventCreated = v))
            .addAttribute(Long.class, a -> a.name("version").getter(i -> i.version).setter((i, v) -> i.version = v))
            .build();
}
