package dev.tally.reconciliation;

import dev.tally.account.BillingPeriod;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Plan;
import dev.tally.catalog.Price;
import dev.tally.catalog.UsagePrice;
import dev.tally.credit.CreditStore;
import dev.tally.credit.GrantBalance;
import dev.tally.credit.LedgerEntry;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceLine;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.invoice.InvoiceStore;
import dev.tally.invoice.LineType;
import dev.tally.metrics.MetricNames;
import dev.tally.metrics.Metrics;
import dev.tally.money.Currencies;
import dev.tally.rating.Rater;
import dev.tally.stripesync.StripeGateway;
import dev.tally.stripesync.StripeInvoice;
import dev.tally.stripesync.StripeSyncStore;
import dev.tally.stripesync.SyncState;
import dev.tally.stripesync.SyncStatus;
import dev.tally.subscription.Phase;
import dev.tally.usage.MeterValue;
import dev.tally.usage.RecordedEvent;
import dev.tally.usage.UsageKeys;
import dev.tally.usage.UsageQuery;
import dev.tally.usage.UsageStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Proves invoices against what is behind them. For a range of billing periods (and optionally one account):
 * <ol>
 *   <li>{@link Check#USAGE_MODEL}: each usage line's usage is read twice over the line's own seconds, with the
 *       price's dimension filter: from the event log itself (its time index, hour by hour) and from the metering model
 *       ({@link UsageQuery}: hourly buckets plus the edge hours' events); quantity (by the meter's aggregation) and
 *       event count must agree. An edited bucket, or an event lost from the log, shows here.</li>
 *   <li>{@link Check#INVOICED_USAGE}: what was invoiced for the line (its quantity and event count plus those of the
 *       adjustments of it on later invoices) must be backed by the log: the log may hold more (late usage the next
 *       invoice adjusts), never less. Skipped for a meter another subscription of the account also prices in the
 *       line's time (the invoice generator splits such usage between them).</li>
 *   <li>{@link Check#LINE_AMOUNT}: each priced usage line's amount is its quantity rated again with the catalog price
 *       and the line's included quantity.</li>
 *   <li>{@link Check#CREDIT_LEDGER}: each credit grant of the account: its ledger entries sum to its remaining amount;
 *       each credit line of an invoice equals the drawdown entry it wrote.</li>
 *   <li>{@link Check#SUBSCRIPTION_PERIODS}: each billing period of each subscription (from the billing anchor, since
 *       the first phase) that starts in the range and before the billing cursor has exactly one invoice; none
 *       skipped, none invoiced twice (a second invoice whose period starts on or overlaps it).</li>
 *   <li>{@link Check#STRIPE}: each finalized ({@code open} or {@code paid}) invoice is in Stripe per its sync state
 *       ({@code synced} or, without an API key, {@code recorded}; {@code skipped} only with a zero subtotal), and,
 *       when a {@link StripeGateway} is given, Stripe's invoice (read-only {@code GET}) exists, is not void, and has
 *       the invoice's total and currency.</li>
 * </ol>
 * Each mismatch is logged (MDC {@code account}, {@code invoice_id}), counted in
 * {@link MetricNames#RECONCILIATION_MISMATCHES} by {@code check}, and listed in the report, which is stored
 * ({@link ReconciliationStore}). Every comparison counts in {@link MetricNames#RECONCILIATION_CHECKS}.
 *
 * <p>Cost: per usage line, one event-log query per hour of the line's period (744 for a 31-day month) and the
 * buckets of its whole hours (one query, paged); per account, one invoice query with lines, one read of its credit
 * items and of its subscriptions; per finalized invoice, one sync state read and, with a gateway, one Stripe GET.
 * Reads only; it never writes anything but its report.
 */
public final class ReconciliationService {
    private static final Logger LOG = LoggerFactory.getLogger(ReconciliationService.class);
    /** The trigger of a run after the billing run. */
    public static final String SCHEDULED = "scheduled";
    /** The trigger of {@code tally reconcile}. */
    public static final String ON_DEMAND = "on_demand";
    /** Most periods a subscription is walked through in one run (83 years of monthly periods). */
    private static final int MAX_PERIODS = 1000;

    private final UsageStore usageLog;
    private final UsageQuery usageModel;
    private final Catalog catalog;
    private final InvoiceStore invoices;
    private final CreditStore credits;
    private final BilledSubscriptions subscriptions;
    private final StripeSyncStore syncStates;
    private final StripeGateway stripe;
    private final ReconciliationStore reports;
    private final Metrics metrics;
    private final Clock clock;

    /**
     * The periods to reconcile: those whose billing period starts in {@code [periodFrom, periodTo)}.
     *
     * @param periodFrom inclusive, seconds since the epoch
     * @param periodTo exclusive
     * @param accountId one account, or null for every account with a subscription
     */
    public record Scope(long periodFrom, long periodTo, String accountId) {
        public Scope {
            if (periodTo <= periodFrom) {
                throw new IllegalArgumentException("the period range is empty: " + periodFrom + ".." + periodTo);
            }
        }
    }

    /**
     * @param usageLog the usage event log (its time index is read hour by hour)
     * @param usageModel the metering model's read side, on the same store
     * @param catalog the catalog (meters' aggregations, prices to rate again)
     * @param invoices invoices with their lines
     * @param credits credit grants and ledger entries
     * @param subscriptions subscriptions with their phases and billing cursor
     * @param syncStates Stripe sync states
     * @param stripe read-only Stripe lookups ({@link StripeGateway#retrieveInvoice}); null to check the sync states
     *               only (no Stripe client in the artifact, or no key)
     * @param reports where each run's report is stored
     * @param metrics where checks and mismatches are counted
     * @param clock the run's start time
     */
    public ReconciliationService(UsageStore usageLog, UsageQuery usageModel, Catalog catalog, InvoiceStore invoices,
                                 CreditStore credits, BilledSubscriptions subscriptions, StripeSyncStore syncStates,
                                 StripeGateway stripe, ReconciliationStore reports, Metrics metrics, Clock clock) {
        this.usageLog = usageLog;
        this.usageModel = usageModel;
        this.catalog = catalog;
        this.invoices = invoices;
        this.credits = credits;
        this.subscriptions = subscriptions;
        this.syncStates = syncStates;
        this.stripe = stripe;
        this.reports = reports;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * The service on Tally's DynamoDB tables: the one wiring of the scheduled function, {@code tally reconcile} and
     * the demo.
     *
     * @param tables bound tables
     * @param reconciliationsTable the reconciliations table's name ({@code RECONCILIATIONS_TABLE})
     * @param catalog the catalog
     * @param stripe read-only Stripe lookups, or null (sync states only)
     * @param metrics where checks and mismatches are counted
     * @param clock the runs' start times
     * @return the service
     */
    public static ReconciliationService onDynamoDb(dev.tally.store.TallyTables tables, String reconciliationsTable,
                                                   Catalog catalog, StripeGateway stripe, Metrics metrics, Clock clock) {
        dev.tally.usage.DynamoDbUsageStore usage = tables.usageStore(clock);
        return new ReconciliationService(usage, new UsageQuery(usage, catalog), catalog,
                new dev.tally.invoice.DynamoDbInvoiceStore(tables), tables.creditStore(), new DynamoDbBilledSubscriptions(tables),
                new dev.tally.stripesync.DynamoDbStripeSyncStore(tables), stripe,
                new DynamoDbReconciliationStore(tables.client, reconciliationsTable), metrics, clock);
    }

    /**
     * Reconciles the periods of a scope ({@code tally reconcile}), stores and returns the report.
     *
     * @param scope which periods, which account
     * @return the report
     * @throws RuntimeException when a store cannot be read (transient: run again)
     */
    public ReconciliationReport reconcile(Scope scope) {
        Run run = new Run(ON_DEMAND, scope.periodFrom(), scope.periodTo(), scope.accountId());
        Map<String, List<BilledSubscription>> byAccount = new TreeMap<>();
        if (scope.accountId() != null) {
            byAccount.put(scope.accountId(), new ArrayList<>(subscriptions.ofAccount(scope.accountId())));
        } else {
            subscriptions.forEach(s -> byAccount.computeIfAbsent(s.accountId(), a -> new ArrayList<>()).add(s));
        }
        byAccount.forEach((account, subs) -> {
            Map<String, long[]> ranges = new LinkedHashMap<>();
            subs.forEach(s -> ranges.put(s.subscriptionId(), new long[]{scope.periodFrom(), scope.periodTo()}));
            reconcileAccount(run, account, subs, scope.periodFrom(), scope.periodTo(), ranges, true);
        });
        return finish(run, null);
    }

    /**
     * The run after the billing run: reconciles the last invoiced period of each subscription whose billing cursor
     * passed a period end in {@code [from, closedBefore)}, where {@code from} is where the previous scheduled run
     * stopped (at most {@code maxWindowSeconds} back; {@code closedBefore - maxWindowSeconds} the first time), and
     * reports each subscription whose period ended in the window but is still not invoiced. Stores the report and the
     * window's end.
     *
     * @param closedBefore periods ending before this were queued by a billing run long enough ago for their invoices
     *                     to be final (seconds since the epoch)
     * @param maxWindowSeconds how far back a run reaches at most
     * @return the report
     */
    public ReconciliationReport reconcileClosed(long closedBefore, long maxWindowSeconds) {
        long from = Math.max(reports.scheduledThrough().orElse(closedBefore - maxWindowSeconds), closedBefore - maxWindowSeconds);
        from = Math.min(from, closedBefore);
        Run run = new Run(SCHEDULED, from, closedBefore, null);
        Map<String, List<BilledSubscription>> byAccount = new TreeMap<>();
        Map<String, long[]> ranges = new LinkedHashMap<>();
        long windowFrom = from;
        subscriptions.forEach(s -> {
            if (s.cursorStart() != null && s.cursorStart() >= windowFrom && s.cursorStart() < closedBefore
                    && s.billingAnchor() != null) {
                long start = BillingPeriod.containing(s.billingAnchor(), s.interval(), s.intervalCount(), s.cursorStart() - 1).start();
                ranges.put(s.subscriptionId(), new long[]{start, s.cursorStart()});
                byAccount.computeIfAbsent(s.accountId(), a -> new ArrayList<>()).add(s);
            }
            if (s.cursorEnd() != null && s.cursorStart() != null && s.cursorEnd() >= windowFrom && s.cursorEnd() < closedBefore) {
                run.check(Check.SUBSCRIPTION_PERIODS);
                run.mismatch(new Mismatch(Check.SUBSCRIPTION_PERIODS, s.accountId(), null, s.cursorStart(), s.cursorEnd(),
                        null, s.subscriptionId(), "an invoice for the period, which ended before the last billing run",
                        "none: the billing cursor is still at this period"));
            }
        });
        byAccount.forEach((account, subs) -> {
            long min = subs.stream().mapToLong(s -> ranges.get(s.subscriptionId())[0]).min().orElse(windowFrom);
            long max = subs.stream().mapToLong(s -> ranges.get(s.subscriptionId())[1]).max().orElse(closedBefore);
            reconcileAccount(run, account, subs, min, max, ranges, false);
        });
        return finish(run, closedBefore);
    }

    /**
     * @param ranges per subscription, the period starts {@code [from, to)} to check
     * @param orphans also check the account's invoices of subscriptions not in {@code subs}
     */
    private void reconcileAccount(Run run, String account, List<BilledSubscription> subs, long from, long to,
                                  Map<String, long[]> ranges, boolean orphans) {
        MDC.put("account", account);
        try {
            // Later invoices too: they carry the adjustments of the periods in range.
            List<Invoice> all = invoices.ofAccount(account, from, Long.MAX_VALUE);
            List<Invoice> inScope = all.stream().filter(i -> {
                long[] range = ranges.get(i.subscriptionId());
                return range != null ? i.periodStart() >= range[0] && i.periodStart() < range[1]
                        : orphans && i.periodStart() < to;
            }).toList();
            for (Invoice invoice : inScope) {
                if (invoice.status().finalized()) {
                    MDC.put("invoice_id", invoice.invoiceId());
                    try {
                        checkLines(run, invoice, all, subs);
                        checkStripe(run, invoice);
                    } finally {
                        MDC.remove("invoice_id");
                    }
                }
            }
            checkLedger(run, account, inScope);
            for (BilledSubscription s : subs) {
                long[] range = ranges.get(s.subscriptionId());
                checkPeriods(run, s, all.stream().filter(i -> s.subscriptionId().equals(i.subscriptionId())).toList(),
                        range[0], range[1]);
            }
        } finally {
            MDC.remove("account");
        }
    }

    // ---- usage lines

    private void checkLines(Run run, Invoice invoice, List<Invoice> accountInvoices, List<BilledSubscription> subs) {
        for (InvoiceLine line : invoice.lines()) {
            if (line.type() != LineType.USAGE || line.meter() == null) {
                continue;
            }
            Predicate<Map<String, String>> filter = filterOf(line);
            String meter = line.meter();
            var aggregation = usageModel.aggregationOf(meter);
            MeterValue log = fromLog(invoice.accountId(), meter, line.periodStart(), line.periodEnd(), filter);
            MeterValue model = usageModel.value(invoice.accountId(), meter, line.periodStart(), line.periodEnd(), filter);
            BigDecimal logQuantity = log.quantity(aggregation);
            BigDecimal modelQuantity = model.quantity(aggregation);
            run.check(Check.USAGE_MODEL);
            if (logQuantity.compareTo(modelQuantity) != 0 || log.count() != model.count()) {
                run.mismatch(usage(Check.USAGE_MODEL, invoice, line, usageText(logQuantity, log.count(), "in the event log"),
                        usageText(modelQuantity, model.count(), "in the usage buckets")));
            }
            if (!sharedWithAnotherSubscription(invoice, line, subs)) {
                BigDecimal invoiced = line.quantity();
                long invoicedEvents = line.trace().eventCount();
                String adjustmentId = "adjustment:" + invoice.invoiceId() + ":" + line.lineId();
                for (Invoice later : accountInvoices) {
                    for (InvoiceLine l : later.lines()) {
                        if (later.status().finalized() && l.lineId().equals(adjustmentId)) {
                            invoiced = invoiced.add(l.quantity());
                            invoicedEvents += l.trace().eventCount();
                        }
                    }
                }
                run.check(Check.INVOICED_USAGE);
                if (logQuantity.compareTo(invoiced) < 0 || log.count() < invoicedEvents) {
                    run.mismatch(usage(Check.INVOICED_USAGE, invoice, line, usageText(logQuantity, log.count(), "in the event log"),
                            usageText(invoiced, invoicedEvents, "invoiced")));
                }
            }
            if (line.priceId() != null) {
                Optional<Price> price = catalog.price(line.priceId());
                if (price.isPresent()) {
                    long rated = Rater.rate(price.get(), line.quantity(), line.includedQuantity()).amountMinor();
                    run.check(Check.LINE_AMOUNT);
                    if (rated != line.amountMinor()) {
                        run.mismatch(usage(Check.LINE_AMOUNT, invoice, line, money(rated, invoice.currency())
                                + " (" + plain(line.quantity()) + " rated with " + line.priceId() + ")",
                                money(line.amountMinor(), invoice.currency())));
                    }
                }
            }
        }
    }

    /** The events of the log in {@code [from, to)} that pass the filter, hour by hour from its time index. */
    private MeterValue fromLog(String account, String meter, long from, long to, Predicate<Map<String, String>> filter) {
        MeterValue total = MeterValue.EMPTY;
        for (long hour = UsageKeys.hourStart(from); hour < to; hour += UsageKeys.HOUR) {
            for (RecordedEvent e : usageLog.events(account, meter, Math.max(hour, from), Math.min(hour + UsageKeys.HOUR, to))) {
                if (filter.test(e.dimensions())) {
                    total = total.merge(e.value());
                }
            }
        }
        return total;
    }

    /** The usage a line priced: its price's filter within the plan that prices it (the unpriced line: all). */
    private Predicate<Map<String, String>> filterOf(InvoiceLine line) {
        if (line.priceId() == null) {
            return d -> true;
        }
        for (Plan plan : catalog.plans().values()) {
            Optional<UsagePrice> usagePrice = plan.usagePrice(line.priceId());
            if (usagePrice.isPresent()) {
                return plan.usageFilter(usagePrice.get());
            }
        }
        return d -> true;
    }

    /** Whether another subscription of the account prices the line's meter during the line's time. */
    private boolean sharedWithAnotherSubscription(Invoice invoice, InvoiceLine line, List<BilledSubscription> subs) {
        for (BilledSubscription s : subs) {
            if (s.subscriptionId().equals(invoice.subscriptionId())) {
                continue;
            }
            for (Phase phase : s.phases()) {
                boolean overlaps = phase.from() < line.periodEnd() && (phase.to() == null || phase.to() > line.periodStart());
                if (overlaps && catalog.plan(phase.planId()).map(p -> !p.pricesFor(line.meter()).isEmpty()).orElse(false)) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- credits

    private void checkLedger(Run run, String account, List<Invoice> inScope) {
        List<LedgerEntry> entries = credits.entries(account);
        for (GrantBalance grant : credits.grants(account)) {
            String grantId = grant.grant().grantId();
            List<LedgerEntry> own = entries.stream().filter(e -> e.grantId().equals(grantId)).toList();
            long sum = own.stream().mapToLong(LedgerEntry::amountMinor).sum();
            run.check(Check.CREDIT_LEDGER);
            if (sum != grant.remainingMinor()) {
                String currency = grant.grant().currency();
                run.mismatch(new Mismatch(Check.CREDIT_LEDGER, account, null, grant.grant().effectiveAt(),
                        grant.grant().expiresAt() == null ? Long.MAX_VALUE : grant.grant().expiresAt(), null, grantId,
                        money(grant.remainingMinor(), currency) + " remaining on the grant",
                        money(sum, currency) + " summed over its " + own.size() + " ledger entries"));
            }
        }
        for (Invoice invoice : inScope) {
            if (!invoice.status().finalized()) {
                continue;
            }
            for (InvoiceLine line : invoice.lines()) {
                if (line.type() != LineType.CREDIT || !line.lineId().startsWith("credit:")) {
                    continue;
                }
                String grantId = line.lineId().substring("credit:".length());
                long drawn = entries.stream().filter(e -> e.type() == LedgerEntry.Type.DRAWDOWN && grantId.equals(e.grantId())
                        && invoice.invoiceId().equals(e.invoiceId())).mapToLong(LedgerEntry::amountMinor).sum();
                run.check(Check.CREDIT_LEDGER);
                if (drawn != line.amountMinor()) {
                    run.mismatch(new Mismatch(Check.CREDIT_LEDGER, account, null, invoice.periodStart(), invoice.periodEnd(),
                            invoice.invoiceId(), line.lineId(), money(line.amountMinor(), invoice.currency())
                            + " on the invoice's credit line", money(drawn, invoice.currency())
                            + " in the drawdown entries of " + grantId + " for the invoice"));
                }
            }
        }
    }

    // ---- periods

    private void checkPeriods(Run run, BilledSubscription s, List<Invoice> ofSubscription, long from, long to) {
        Long started = s.startedAt();
        if (s.billingAnchor() == null || started == null || s.cursorStart() == null) {
            return;
        }
        long limit = Math.min(to, s.cursorStart());
        BillingPeriod period = BillingPeriod.containing(s.billingAnchor(), s.interval(), s.intervalCount(), started);
        List<Long> expected = new ArrayList<>();
        for (int n = 0; n < MAX_PERIODS && period.start() < limit; n++) {
            if (period.start() >= from && (s.endedAt() == null || period.start() < s.endedAt())) {
                expected.add(period.start());
                List<Invoice> found = overlapping(ofSubscription, period.start(), period.end());
                run.check(Check.SUBSCRIPTION_PERIODS);
                if (found.isEmpty()) {
                    run.mismatch(new Mismatch(Check.SUBSCRIPTION_PERIODS, s.accountId(), null, period.start(), period.end(),
                            Invoice.idFor(s.subscriptionId(), period.start()), s.subscriptionId(),
                            "1 invoice for the period (the billing cursor is past it)", "none: the period was skipped"));
                } else if (found.size() > 1) {
                    run.mismatch(new Mismatch(Check.SUBSCRIPTION_PERIODS, s.accountId(), null, period.start(), period.end(),
                            found.get(0).invoiceId(), s.subscriptionId(), "1 invoice for the period",
                            found.size() + " invoices: " + found.stream().map(Invoice::invoiceId).collect(Collectors.joining(", "))));
                }
            }
            period = period.next(s.billingAnchor(), s.interval(), s.intervalCount());
        }
    }

    /** The subscription's invoices whose period overlaps {@code [start, end)}, by id. */
    private static List<Invoice> overlapping(List<Invoice> ofSubscription, long start, long end) {
        return ofSubscription.stream().filter(i -> i.periodStart() < end && i.periodEnd() > start && i.status() != InvoiceStatus.VOID)
                .sorted(java.util.Comparator.comparing(Invoice::invoiceId)).toList();
    }

    // ---- Stripe

    private void checkStripe(Run run, Invoice invoice) {
        if (invoice.status() != InvoiceStatus.OPEN && invoice.status() != InvoiceStatus.PAID) {
            return;
        }
        run.check(Check.STRIPE);
        String expected = "in Stripe with total " + money(invoice.totalMinor(), invoice.currency());
        Optional<SyncState> state = syncStates.find(invoice.invoiceId());
        if (invoice.subtotalMinor() == 0) {
            if (state.isPresent() && state.get().status() != SyncStatus.SKIPPED && state.get().status().done()) {
                stripeTotal(run, invoice, state.get(), expected);
            }
            return;  // a zero invoice is not sent to Stripe
        }
        if (state.isEmpty() || !state.get().status().done() || state.get().status() == SyncStatus.SKIPPED) {
            run.mismatch(stripeMismatch(invoice, expected, state.map(st -> "sync " + st.status().wireName()
                    + (st.lastError() == null ? "" : " (" + st.lastError() + ")")).orElse("never synced")));
            return;
        }
        stripeTotal(run, invoice, state.get(), expected);
    }

    private void stripeTotal(Run run, Invoice invoice, SyncState state, String expected) {
        if (stripe == null || state.stripeInvoiceId() == null) {
            return;
        }
        Optional<StripeInvoice> found = stripe.retrieveInvoice(state.stripeInvoiceId());
        if (found.isEmpty()) {
            run.mismatch(stripeMismatch(invoice, expected, "no Stripe invoice " + state.stripeInvoiceId()));
        } else if (found.get().totalMinor() != invoice.totalMinor() || !invoice.currency().equals(found.get().currency())
                || StripeInvoice.VOID.equals(found.get().status())) {
            StripeInvoice s = found.get();
            run.mismatch(stripeMismatch(invoice, expected, s.id() + " (" + s.status() + ") with total "
                    + money(s.totalMinor(), s.currency() == null ? invoice.currency() : s.currency())));
        }
    }

    private static Mismatch stripeMismatch(Invoice invoice, String expected, String found) {
        return new Mismatch(Check.STRIPE, invoice.accountId(), null, invoice.periodStart(), invoice.periodEnd(),
                invoice.invoiceId(), invoice.invoiceId(), expected, found);
    }

    // ---- the run

    private ReconciliationReport finish(Run run, Long scheduledThrough) {
        ReconciliationReport report = new ReconciliationReport(run.id, run.trigger, run.startedAt, run.from, run.to,
                run.account, run.checked, run.mismatches);
        for (Check c : Check.values()) {
            metrics.add(MetricNames.RECONCILIATION_CHECKS, report.checked().get(c), Map.of("check", c.wireName()));
            metrics.add(MetricNames.RECONCILIATION_MISMATCHES,
                    report.mismatches().stream().filter(m -> m.check() == c).count(), Map.of("check", c.wireName()));
        }
        reports.save(report, scheduledThrough);
        LOG.info("reconciliation {} ({}): {} checks, {} mismatches", report.runId(), report.trigger(),
                report.checkedTotal(), report.mismatches().size());
        return report;
    }

    private final class Run {
        final String id;
        final String trigger;
        final long startedAt;
        final long from;
        final long to;
        final String account;
        final Map<Check, Long> checked = new EnumMap<>(Check.class);
        final List<Mismatch> mismatches = new ArrayList<>();

        Run(String trigger, long from, long to, String account) {
            this.startedAt = clock.instant().getEpochSecond();
            this.id = "rec_" + startedAt + "_" + UUID.randomUUID().toString().substring(0, 8);
            this.trigger = trigger;
            this.from = from;
            this.to = to;
            this.account = account;
        }

        void check(Check c) {
            checked.merge(c, 1L, Long::sum);
        }

        void mismatch(Mismatch m) {
            mismatches.add(m);
            LOG.warn("reconciliation mismatch: {} account={} meter={} period={}..{} invoice={} {}: expected {}, found {}",
                    m.check().wireName(), m.accountId(), m.meter(), m.periodStart(), m.periodEnd(), m.invoiceId(),
                    m.subject(), m.expected(), m.found());
        }
    }

    private static Mismatch usage(Check check, Invoice invoice, InvoiceLine line, String expected, String found) {
        return new Mismatch(check, invoice.accountId(), line.meter(), line.periodStart(), line.periodEnd(),
                invoice.invoiceId(), line.lineId(), expected, found);
    }

    private static String usageText(BigDecimal quantity, long events, String where) {
        return plain(quantity) + " (" + events + (events == 1 ? " event " : " events ") + where + ")";
    }

    private static String plain(BigDecimal quantity) {
        return quantity.signum() == 0 ? "0" : quantity.stripTrailingZeros().toPlainString();
    }

    private static String money(long minor, String currency) {
        return Currencies.format(minor, currency);
    }
}
