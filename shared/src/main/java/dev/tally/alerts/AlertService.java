package dev.tally.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Plan;
import dev.tally.catalog.UsagePrice;
import dev.tally.credit.CreditBalance;
import dev.tally.credit.CreditGrant;
import dev.tally.credit.CreditLedger;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.LedgerEntry;
import dev.tally.logging.LogContext;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.Metrics;
import dev.tally.store.AlertItem;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.account.AccountDirectory;
import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Aggregation;
import dev.tally.usage.BucketKey;
import dev.tally.usage.UsageBucket;
import dev.tally.usage.UsageQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Raises billing alerts from changes to usage buckets and credit balances, each at most once per threshold per
 * period:
 * <ul>
 *   <li>{@code usage.threshold_crossed}: a meter's usage in the billing period crossed a configured share (e.g.
 *       50 %, 80 %, 100 %) of the plan's included quantity;</li>
 *   <li>{@code credits.balance_low}: the prepaid balance fell to or below (1 - share) of the active credit grants;</li>
 *   <li>{@code credits.balance_exhausted}: the prepaid balance reached zero;</li>
 *   <li>{@code credit_grant_expiring}: a grant expires within the warning window (once per grant);</li>
 *   <li>{@code credit_grant_expired}: what was left of a grant expired (once per grant).</li>
 * </ul>
 * Once-ness comes from the alert record: its id names the alert, and it is created with {@code attribute_not_exists};
 * the event is published after, and the record marked {@code published}. A retry after a crash between the two
 * publishes again (at least once), never a second record.
 */
public final class AlertService {
    private static final Logger LOG = LoggerFactory.getLogger(AlertService.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Alert type: a credit grant expires within the warning window. */
    public static final String CREDIT_GRANT_EXPIRING = "credit_grant_expiring";
    /** Alert type: what was left of a credit grant expired. */
    public static final String CREDIT_GRANT_EXPIRED = "credit_grant_expired";

    private final TallyTables tables;
    private final AccountDirectory directory;
    private final CreditLedger credits;
    private final UsageQuery usage;
    private final Catalog catalog;
    private final AlertPublisher publisher;
    private final List<BigDecimal> thresholds;
    private final Clock clock;
    private final Metrics metrics;

    /**
     * @param tables bound tables
     * @param usage the usage model's read side (a period's usage)
     * @param catalog validated catalog (included quantities)
     * @param publisher where alerts go
     * @param thresholds shares in (0, 1], ascending, e.g. {@code [0.5, 0.8, 1.0]}
     * @param clock source of alert times
     * @param metrics receives {@link MetricNames#ALERTS_RAISED} by {@code type}, once per alert published
     */
    public AlertService(TallyTables tables, UsageQuery usage, Catalog catalog, AlertPublisher publisher, List<BigDecimal> thresholds, Clock clock,
                        Metrics metrics) {
        for (BigDecimal t : thresholds) {
            if (t.signum() <= 0 || t.compareTo(BigDecimal.ONE) > 0) {
                throw new IllegalArgumentException("alert thresholds are shares in (0, 1], got " + t);
            }
        }
        this.tables = tables;
        this.directory = new AccountDirectory(tables);
        this.credits = new CreditLedger(tables.creditStore());
        this.usage = usage;
        this.catalog = catalog;
        this.publisher = publisher;
        this.thresholds = List.copyOf(thresholds);
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * @param csv comma-separated shares, e.g. {@code "0.5,0.8,1.0"}
     * @return the parsed thresholds
     * @throws NumberFormatException if one is not a decimal number
     */
    public static List<BigDecimal> parseThresholds(String csv) {
        List<BigDecimal> out = new ArrayList<>();
        for (String part : csv.split(",")) {
            if (!part.isBlank()) {
                out.add(new BigDecimal(part.trim()));
            }
        }
        return out;
    }

    /**
     * Handles a change of an hourly usage bucket: compares the account's usage of the meter in the billing period
     * holding the bucket's hour with the plan's included quantity, for each usage price of the meter that includes
     * some (the usage its dimension filter selects, {@link Plan#usageFilter}).
     *
     * <p>Every threshold the period's usage has reached is raised, once (the alert record keeps it to one): the
     * stream may be read long after the change, when the total already includes later usage, so "where usage was
     * before this change" cannot be told from the change itself. The alert id is
     * {@code usage:<account>:<meter>:<period start>:<share>}; for a price filtered by dimension the meter part is
     * {@code <meter>/<price id>}.
     *
     * @param bucket the bucket after the change
     * @return ids of the alerts raised now
     */
    public List<String> onUsageBucket(UsageBucket bucket) {
        BucketKey key = bucket.key();
        SubscriptionItem sub = AccountDirectory.subscriptionAt(directory.subscriptionsOf(key.account()), key.hourStart()).orElse(null);
        Plan plan = sub == null ? null : catalog.plan(sub.planId).orElse(null);
        if (plan == null) {
            return List.of();
        }
        BillingPeriod period = BillingPeriod.containing(sub.billingAnchor, sub.interval, sub.intervalCount, key.hourStart());
        Aggregation aggregation = usage.aggregationOf(key.meter());
        List<String> raised = new ArrayList<>();
        for (UsagePrice price : plan.pricesFor(key.meter())) {
            if (price.includedQuantity().signum() == 0) {
                continue;
            }
            BigDecimal quantity = usage.value(key.account(), key.meter(), period.start(), period.end(), plan.usageFilter(price))
                    .quantity(aggregation);
            String subject = price.price().dimensionFilter().isEmpty() ? key.meter() : key.meter() + "/" + price.price().id();
            for (BigDecimal share : thresholds) {
                BigDecimal limit = price.includedQuantity().multiply(share);
                if (quantity.compareTo(limit) >= 0) {
                    String id = "usage:" + key.account() + ":" + subject + ":" + period.start() + ":" + share(share);
                    ObjectNode detail = JSON.createObjectNode()
                            .put("account", key.account())
                            .put("meter", key.meter())
                            .put("price", price.price().id())
                            .put("period_start", period.start())
                            .put("period_end", period.end())
                            .put("threshold", share(share))
                            .put("included_quantity", price.includedQuantity().toPlainString())
                            .put("quantity", quantity.toPlainString());
                    raise(id, "usage.threshold_crossed", key.account(), detail).ifPresent(raised::add);
                }
            }
        }
        return raised;
    }

    /**
     * Handles a new ledger entry. A drawdown, expiry or revocation lowers the account's credit in its currency, so
     * the balance thresholds are checked against the credit as it stands now (strongly consistent): the base is the
     * amount of the grants active now, used or not, and every share of it consumed is raised once
     * ({@code credits.balance_low}; {@code credits.balance_exhausted} when nothing is left). The alert id holds the
     * base, so a new grant re-arms the thresholds; a grant entry alone raises nothing. An expiry also raises
     * {@code credit_grant_expired}, once per grant.
     *
     * @param entry the entry as written
     * @return ids of the alerts raised now
     */
    public List<String> onLedgerEntry(LedgerEntry entry) {
        if (entry.type() == LedgerEntry.Type.GRANT) {
            return List.of();
        }
        List<String> raised = new ArrayList<>();
        if (entry.type() == LedgerEntry.Type.EXPIRY) {
            ObjectNode detail = JSON.createObjectNode()
                    .put("account", entry.accountId())
                    .put("grant_id", entry.grantId())
                    .put("currency", entry.currency())
                    .put("expired_minor", -entry.amountMinor())
                    .put("expired_at", entry.at())
                    .put("description", entry.description());
            raise("credit_grant_expired:" + entry.accountId() + ":" + entry.grantId(), CREDIT_GRANT_EXPIRED,
                    entry.accountId(), detail).ifPresent(raised::add);
        }
        CreditBalance balance = credits.balance(entry.accountId(), entry.currency(), clock.instant().getEpochSecond());
        long granted = balance.activeGrantedMinor();
        long after = balance.availableMinor();
        if (granted <= 0) {
            return raised;
        }
        for (BigDecimal share : thresholds) {
            // Consumed share of the active grants: reaching it means the balance is at most granted * (1 - share).
            BigDecimal floor = BigDecimal.valueOf(granted).multiply(BigDecimal.ONE.subtract(share));
            if (BigDecimal.valueOf(after).compareTo(floor) <= 0) {
                boolean exhausted = after <= 0;
                if (share.compareTo(BigDecimal.ONE) == 0 && !exhausted) {
                    continue;
                }
                String type = exhausted && share.compareTo(BigDecimal.ONE) == 0 ? "credits.balance_exhausted" : "credits.balance_low";
                String id = "credits:" + entry.accountId() + ":" + entry.currency() + ":" + granted + ":" + share(share);
                ObjectNode detail = JSON.createObjectNode()
                        .put("account", entry.accountId())
                        .put("currency", entry.currency())
                        .put("balance_minor", after)
                        .put("granted_minor", granted)
                        .put("threshold", share(share));
                raise(id, type, entry.accountId(), detail).ifPresent(raised::add);
            }
        }
        return raised;
    }

    /**
     * Handles a grant marked as warned about its coming expiry (by the billing run's {@code CreditExpiry}): raises
     * {@code credit_grant_expiring}, once per grant.
     *
     * @param grant the grant and what is left of it
     * @return the id of the alert raised now, if any
     */
    public java.util.Optional<String> onGrantExpiring(GrantBalance grant) {
        CreditGrant g = grant.grant();
        ObjectNode detail = JSON.createObjectNode()
                .put("account", g.accountId())
                .put("grant_id", g.grantId())
                .put("currency", g.currency())
                .put("remaining_minor", grant.remainingMinor())
                .put("amount_minor", g.amountMinor())
                .put("expires_at", g.expiresAt())
                .put("source", g.source().wire())
                .put("description", g.describe());
        return raise("credit_grant_expiring:" + g.accountId() + ":" + g.grantId(), CREDIT_GRANT_EXPIRING, g.accountId(), detail);
    }

    private java.util.Optional<String> raise(String id, String type, String accountId, ObjectNode detail) {
        detail.put("alert_id", id).put("type", type);
        AlertItem alert = new AlertItem();
        alert.alertId = id;
        alert.type = type;
        alert.accountId = accountId;
        alert.detail = detail.toString();
        alert.createdAt = clock.instant().getEpochSecond();
        alert.status = "pending";
        try {
            tables.alerts.putItem(r -> r.item(alert).conditionExpression(Expression.builder()
                    .expression("attribute_not_exists(alertId) OR #s = :pending")
                    .putExpressionName("#s", "status")
                    .putExpressionValue(":pending", AttributeValue.fromS("pending")).build()));
        } catch (ConditionalCheckFailedException e) {
            return java.util.Optional.empty();
        }
        publisher.publish(type, alert.detail);
        alert.status = "published";
        tables.alerts.updateItem(alert);
        metrics.increment(MetricNames.ALERTS_RAISED, "type", type);
        try (LogContext.Scope ignored = LogContext.with(LogContext.ACCOUNT, accountId)) {
            LOG.info("alert {} raised: {}", id, alert.detail);
        }
        return java.util.Optional.of(id);
    }

    /** A threshold as it appears in alert ids and details, the same however it was written: 1.0 and 1 give "1". */
    private static String share(BigDecimal share) {
        return share.stripTrailingZeros().toPlainString();
    }

    /** @return the configured thresholds */
    public List<BigDecimal> thresholds() {
        return thresholds;
    }
}
