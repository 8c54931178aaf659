package dev.tally.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.account.AccountDirectory;
import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Aggregation;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Plan;
import dev.tally.catalog.UsagePrice;
import dev.tally.credit.CreditBalance;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.LedgerEntry;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.Metrics;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.usage.BucketKey;
import dev.tally.usage.UsageBucket;
import dev.tally.usage.UsageQuery;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Raises customer alerts ({@link AlertType}) from changes to usage buckets and the credit ledger, each at most once
 * per threshold per period, and publishes them ({@link AlertPublisher}) with a versioned detail
 * (docs/design.md, "Customer alerts"):
 * <ul>
 *   <li>{@code usage.threshold_crossed}: a meter's usage in the billing period reached a share (e.g. 50 %, 80 %,
 *       100 %) of a price's included quantity; id {@code usage:<account>:<meter>[/<price>]:<period start>:<share>};</li>
 *   <li>{@code usage.overage_started}: the usage went beyond the included quantity; id
 *       {@code overage:<account>:<meter>[/<price>]:<period start>};</li>
 *   <li>{@code spend.threshold_crossed}: the open period's charges ({@link PeriodSpend}) reached an amount; id
 *       {@code spend:<account>:<subscription>:<period start>:<currency>:<amount>};</li>
 *   <li>{@code credits.balance_low}: the prepaid balance fell to {@code (1 - share)} of the active credit grants, id
 *       {@code credits:<account>:<currency>:<granted>:<share>}, or to a configured amount, id
 *       {@code credits:<account>:<currency>:<granted>:minor:<amount>};</li>
 *   <li>{@code credits.balance_exhausted}: the balance reached zero; id
 *       {@code credits:<account>:<currency>:<granted>:exhausted};</li>
 *   <li>{@code credits.grant_expiring} / {@code credits.grant_expired}: once per grant; ids
 *       {@code credit_grant_expiring:<account>:<grant>} / {@code credit_grant_expired:<account>:<grant>}.</li>
 * </ul>
 * For balances the "period" is the active granted total: a new grant re-arms the thresholds.
 *
 * <p>Thresholds: an account's own {@link AlertSettings} replace the plan's ({@link dev.tally.catalog.PlanAlerts})
 * kind by kind; without either, usage shares are the function's default.
 *
 * <p><b>Once, never lost:</b> each alert is recorded, then published, then marked, retried from the stream record
 * ({@link AlertDelivery}).
 */
public final class AlertService {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AccountDirectory directory;
    private final CreditLedger credits;
    private final AlertStore store;
    private final UsageQuery usage;
    private final PeriodSpend spend;
    private final Catalog catalog;
    private final AlertDelivery delivery;
    private final List<BigDecimal> defaultShares;
    private final Clock clock;

    /**
     * @param tables bound tables (subscriptions, credits)
     * @param store the alert records and accounts' settings
     * @param usage the usage model's read side (a period's usage)
     * @param spend the open period's charges, for spend alerts
     * @param catalog validated catalog (included quantities, plans' alert settings)
     * @param publisher where alerts go
     * @param metrics {@link MetricNames#ALERTS_RAISED} by {@code type} for each event published
     * @param defaultShares usage shares in (0, 1] when neither the account nor its plan sets any, e.g.
     *                      {@code [0.5, 0.8, 1.0]}
     * @param clock source of alert times
     * @throws IllegalArgumentException if a default share is outside (0, 1]
     */
    public AlertService(TallyTables tables, AlertStore store, UsageQuery usage, PeriodSpend spend, Catalog catalog,
                        AlertPublisher publisher, Metrics metrics, List<BigDecimal> defaultShares, Clock clock) {
        this.directory = new AccountDirectory(tables);
        this.credits = new CreditLedger(tables.creditStore());
        this.store = store;
        this.usage = usage;
        this.spend = spend;
        this.catalog = catalog;
        this.delivery = new AlertDelivery(store, publisher, metrics);
        this.defaultShares = dev.tally.catalog.PlanAlerts.usageShares(defaultShares);
        this.clock = clock;
    }

    /**
     * @param csv comma-separated shares, e.g. {@code "0.5,0.8,1.0"}
     * @return the parsed shares
     * @throws NumberFormatException if one is not a decimal number
     */
    public static List<BigDecimal> parseShares(String csv) {
        List<BigDecimal> out = new ArrayList<>();
        for (String part : csv.split(",")) {
            if (!part.isBlank()) {
                out.add(new BigDecimal(part.trim()));
            }
        }
        return out;
    }

    /**
     * Handles a change of an hourly usage bucket. For each usage price of the meter with an included quantity in the
     * plan of the subscription holding the bucket's hour, compares the account's usage in that billing period (the
     * price's dimension filter applied, {@link Plan#usageFilter}) with the included quantity: every share reached is
     * raised, and overage once the usage is above it. Every threshold reached is raised, not only those this change
     * crossed: the stream may be read long after the change, when the total includes later usage; the record keeps
     * each to one. Then the subscription's spend is checked when spend thresholds apply.
     *
     * @param bucket the bucket after the change
     * @return ids of the alerts published now
     * @throws RuntimeException on a transient failure or a refused publish (the stream record is retried)
     */
    public List<String> onUsageBucket(UsageBucket bucket) {
        BucketKey key = bucket.key();
        SubscriptionItem sub = AccountDirectory.subscriptionAt(directory.subscriptionsOf(key.account()), key.hourStart()).orElse(null);
        Plan plan = sub == null ? null : catalog.plan(sub.planId).orElse(null);
        if (plan == null) {
            return List.of();
        }
        Optional<AlertSettings> own = store.settings(key.account());
        List<BigDecimal> shares = shares(own, plan);
        BillingPeriod period = BillingPeriod.containing(sub.billingAnchor, sub.interval, sub.intervalCount, key.hourStart());
        Aggregation aggregation = usage.aggregationOf(key.meter());
        List<String> raised = new ArrayList<>();
        for (UsagePrice price : plan.pricesFor(key.meter())) {
            BigDecimal included = price.includedQuantity();
            if (included.signum() == 0) {
                continue;
            }
            BigDecimal quantity = usage.value(key.account(), key.meter(), period.start(), period.end(), plan.usageFilter(price))
                    .quantity(aggregation);
            String subject = price.price().dimensionFilter().isEmpty() ? key.meter() : key.meter() + "/" + price.price().id();
            for (BigDecimal share : shares) {
                if (quantity.compareTo(included.multiply(share)) >= 0) {
                    String id = "usage:" + key.account() + ":" + subject + ":" + period.start() + ":" + share.toPlainString();
                    ObjectNode detail = detail(AlertType.USAGE_THRESHOLD, id, key.account());
                    usageFields(detail, key.meter(), price, period, quantity).put("threshold", share.toPlainString());
                    raise(AlertType.USAGE_THRESHOLD, id, key.account(), detail).ifPresent(raised::add);
                }
            }
            if (quantity.compareTo(included) > 0) {
                String id = "overage:" + key.account() + ":" + subject + ":" + period.start();
                ObjectNode detail = detail(AlertType.OVERAGE_STARTED, id, key.account());
                usageFields(detail, key.meter(), price, period, quantity);
                raise(AlertType.OVERAGE_STARTED, id, key.account(), detail).ifPresent(raised::add);
            }
        }
        raised.addAll(checkSpend(sub, plan, own));
        return raised;
    }

    /**
     * Spend thresholds of the subscription's open period: the account's own amounts (in its settings' currency, or
     * the subscription's), else the plan's (in the plan's currency). Amounts in a currency the subscription does not
     * bill are never reached. The spend is read only when some amount applies.
     */
    private List<String> checkSpend(SubscriptionItem sub, Plan plan, Optional<AlertSettings> own) {
        boolean ownAmounts = own.isPresent() && !own.get().spendAmountsMinor().isEmpty();
        List<Long> amounts = ownAmounts ? own.get().spendAmountsMinor() : plan.alerts().spendAmountsMinor();
        String currency = ownAmounts && own.get().currency() != null ? own.get().currency() : plan.currency();
        if (amounts.isEmpty() || !currency.equals(sub.currency == null ? plan.currency() : sub.currency)) {
            return List.of();
        }
        // The preview rates the whole period: skip it once every amount of the open period was published.
        if (sub.periodStart != null && amounts.stream().allMatch(a -> store.published(spendId(sub, sub.periodStart, currency, a)))) {
            return List.of();
        }
        PeriodSpend.Spend now = spend.current(sub.subscriptionId).orElse(null);
        if (now == null || !now.currency().equals(currency)) {
            return List.of();
        }
        List<String> raised = new ArrayList<>();
        for (long amount : amounts) {
            if (now.amountMinor() >= amount) {
                String id = spendId(sub, now.periodStart(), currency, amount);
                ObjectNode detail = detail(AlertType.SPEND_THRESHOLD, id, sub.accountId)
                        .put("subscription", sub.subscriptionId)
                        .put("period_start", now.periodStart())
                        .put("period_end", now.periodEnd())
                        .put("currency", currency)
                        .put("threshold_minor", amount)
                        .put("spend_minor", now.amountMinor())
                        .put("configured_by", ownAmounts ? "account" : "plan");
                raise(AlertType.SPEND_THRESHOLD, id, sub.accountId, detail).ifPresent(raised::add);
            }
        }
        return raised;
    }

    private static String spendId(SubscriptionItem sub, long periodStart, String currency, long amount) {
        return "spend:" + sub.accountId + ":" + sub.subscriptionId + ":" + periodStart + ":" + currency + ":" + amount;
    }

    /**
     * Handles a new ledger entry. A drawdown, expiry or revocation lowers the account's credit in its currency, so the
     * balance is checked as it stands now (strongly consistent) against the active granted total: each consumed
     * share below 1 reached raises {@code credits.balance_low}, so does a balance at or below the account's
     * configured amount, and a balance of zero raises {@code credits.balance_exhausted}. A grant entry alone raises
     * nothing. An expiry also raises {@code credits.grant_expired}, once per grant.
     *
     * @param entry the entry as written
     * @return ids of the alerts published now
     * @throws RuntimeException on a transient failure or a refused publish (the stream record is retried)
     */
    public List<String> onLedgerEntry(LedgerEntry entry) {
        if (entry.type() == LedgerEntry.Type.GRANT) {
            return List.of();
        }
        String account = entry.accountId();
        List<String> raised = new ArrayList<>();
        if (entry.type() == LedgerEntry.Type.EXPIRY) {
            String id = "credit_grant_expired:" + account + ":" + entry.grantId();
            ObjectNode detail = detail(AlertType.GRANT_EXPIRED, id, account)
                    .put("grant_id", entry.grantId())
                    .put("currency", entry.currency())
                    .put("expired_minor", -entry.amountMinor())
                    .put("expired_at", entry.at())
                    .put("description", entry.description());
            raise(AlertType.GRANT_EXPIRED, id, account, detail).ifPresent(raised::add);
        }
        long now = clock.instant().getEpochSecond();
        CreditBalance balance = credits.balance(account, entry.currency(), now);
        long granted = balance.activeGrantedMinor();
        long after = balance.availableMinor();
        if (granted <= 0) {
            return raised;
        }
        Optional<AlertSettings> own = store.settings(account);
        SubscriptionItem sub = AccountDirectory.subscriptionAt(directory.subscriptionsOf(account), now).orElse(null);
        Plan plan = sub == null ? null : catalog.plan(sub.planId).orElse(null);
        String base = "credits:" + account + ":" + entry.currency() + ":" + granted + ":";
        for (BigDecimal share : shares(own, plan)) {
            // A consumed share reached: the balance is at most granted * (1 - share). All consumed is "exhausted".
            if (share.compareTo(BigDecimal.ONE) < 0
                    && BigDecimal.valueOf(after).compareTo(BigDecimal.valueOf(granted).multiply(BigDecimal.ONE.subtract(share))) <= 0) {
                ObjectNode detail = balanceFields(detail(AlertType.BALANCE_LOW, base + share.toPlainString(), account), entry.currency(), after, granted)
                        .put("threshold", share.toPlainString());
                raise(AlertType.BALANCE_LOW, base + share.toPlainString(), account, detail).ifPresent(raised::add);
            }
        }
        Long lowMinor = own.map(AlertSettings::balanceLowMinor).orElse(null);
        if (lowMinor != null && own.get().appliesTo(entry.currency(), sub == null ? null : sub.currency) && after <= lowMinor) {
            String id = base + "minor:" + lowMinor;
            ObjectNode detail = balanceFields(detail(AlertType.BALANCE_LOW, id, account), entry.currency(), after, granted)
                    .put("threshold_minor", lowMinor);
            raise(AlertType.BALANCE_LOW, id, account, detail).ifPresent(raised::add);
        }
        if (after <= 0) {
            String id = base + "exhausted";
            ObjectNode detail = balanceFields(detail(AlertType.BALANCE_EXHAUSTED, id, account), entry.currency(), after, granted);
            raise(AlertType.BALANCE_EXHAUSTED, id, account, detail).ifPresent(raised::add);
        }
        return raised;
    }

    /**
     * Handles a grant marked as warned about its coming expiry (by the billing run's {@code CreditExpiry}): raises
     * {@code credits.grant_expiring}, once per grant.
     *
     * @param grant the grant and what is left of it
     * @return the id of the alert published now, if any
     * @throws RuntimeException on a transient failure or a refused publish (the stream record is retried)
     */
    public Optional<String> onGrantExpiring(GrantBalance grant) {
        CreditGrant g = grant.grant();
        String id = "credit_grant_expiring:" + g.accountId() + ":" + g.grantId();
        ObjectNode detail = detail(AlertType.GRANT_EXPIRING, id, g.accountId())
                .put("grant_id", g.grantId())
                .put("currency", g.currency())
                .put("remaining_minor", grant.remainingMinor())
                .put("amount_minor", g.amountMinor())
                .put("expires_at", g.expiresAt())
                .put("source", g.source().wire())
                .put("description", g.describe());
        return raise(AlertType.GRANT_EXPIRING, id, g.accountId(), detail);
    }

    /** The usage shares that apply: the account's own, else its plan's, else the default. */
    private List<BigDecimal> shares(Optional<AlertSettings> own, Plan plan) {
        if (own.isPresent() && !own.get().usageShares().isEmpty()) {
            return own.get().usageShares();
        }
        if (plan != null && !plan.alerts().usageShares().isEmpty()) {
            return plan.alerts().usageShares();
        }
        return defaultShares;
    }

    /** The fields every detail starts with. */
    private ObjectNode detail(AlertType type, String id, String account) {
        return JSON.createObjectNode()
                .put("schema_version", type.schemaVersion())
                .put("alert_id", id)
                .put("type", type.detailType())
                .put("account", account)
                .put("raised_at", clock.instant().getEpochSecond());
    }

    private static ObjectNode usageFields(ObjectNode detail, String meter, UsagePrice price, BillingPeriod period, BigDecimal quantity) {
        return detail.put("meter", meter)
                .put("price", price.price().id())
                .put("period_start", period.start())
                .put("period_end", period.end())
                .put("included_quantity", price.includedQuantity().stripTrailingZeros().toPlainString())
                .put("quantity", quantity.stripTrailingZeros().toPlainString());
    }

    private static ObjectNode balanceFields(ObjectNode detail, String currency, long balanceMinor, long grantedMinor) {
        return detail.put("currency", currency).put("balance_minor", balanceMinor).put("granted_minor", grantedMinor);
    }

    /** Record, publish, mark ({@link AlertDelivery}); empty when the alert was already published. */
    private Optional<String> raise(AlertType type, String id, String account, ObjectNode detail) {
        boolean now = delivery.deliver(new AlertRecord(id, type, account, detail.toString(), clock.instant().getEpochSecond(), false));
        return now ? Optional.of(id) : Optional.empty();
    }
}
