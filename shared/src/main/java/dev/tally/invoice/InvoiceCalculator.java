package dev.tally.invoice;

import dev.tally.catalog.BaseFee;
import dev.tally.catalog.BillingTiming;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.Meter;
import dev.tally.catalog.MinimumCommitment;
import dev.tally.catalog.Plan;
import dev.tally.catalog.Price;
import dev.tally.catalog.PricingModel;
import dev.tally.catalog.UsagePrice;
import dev.tally.money.MinorUnits;
import dev.tally.rating.Rater;
import dev.tally.rating.Rating;
import dev.tally.subscription.Phase;
import dev.tally.subscription.PhaseSlice;
import dev.tally.subscription.Phases;
import dev.tally.usage.MeterValue;
import dev.tally.usage.UsageKeys;
import dev.tally.usage.UsageQuery;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Computes the lines of one subscription's billing period from its phases, the catalog and the usage model. Reads
 * only; writes nothing.
 *
 * <p>Per phase slice of the period ({@link Phases#slices}), in this order:
 * <ol>
 *   <li><b>Base fee in arrears</b>: the plan's fee per seat for a full period times seats times the slice's share of
 *       the period, prorated to the second as Stripe does (https://docs.stripe.com/billing/subscriptions/prorations),
 *       rounded once per line.</li>
 *   <li><b>Usage</b>: each usage price of the slice's plan rated on the usage of the slice's exact seconds (the price's
 *       dimension filter applied), with the price's included quantity prorated by the same share. Tiers start from
 *       zero in each phase, as Stripe rates each subscription item on its own usage. A meter with usage that the plan
 *       does not price shows at zero, so nothing counted disappears from the invoice.</li>
 *   <li><b>Minimum commitment</b>: when the slice's usage charges fall short of the commitment's share, a
 *       {@code minimum_true_up} line for the difference.</li>
 * </ol>
 * Then <b>base fees in advance</b>: the invoice closing a period bills the <em>next</em> period's fee (the phase open
 * at the period's end, full period), unless the subscription ends (or is set to cancel, Stripe's {@code cancel_at}) by
 * then. The period itself was billed in advance by the invoice before (nothing, for the first period): when its phases
 * differ from what that invoice assumed, or it is the first, the period's fee is priced per slice as in arrears and
 * what was billed in advance for it is reversed by a negative line, so the two invoices together charge exactly the
 * prorated fee, and an immediate cancellation credits the unused time (a choice: Stripe leaves that to
 * {@code prorate}; a billing system that charged in advance owes it back).
 *
 * <p>Finally <b>adjustments</b>: for each earlier finalized invoice of the subscription that usage may still reach
 * (inside the backdating window), each usage line is read again over its own seconds; what arrived since it was
 * invoiced is an {@code adjustment} line rated as {@code rate(new total) - rate(billed)} with the line's own included
 * quantity, and a minimum true-up billed for that slice is reduced by what the new usage now covers, so the invoices
 * together equal one invoice with all the usage.
 */
public final class InvoiceCalculator {
    private final Catalog catalog;
    private final UsageQuery usage;

    /**
     * @param catalog the validated catalog
     * @param usage the usage model's read side
     */
    public InvoiceCalculator(Catalog catalog, UsageQuery usage) {
        this.catalog = catalog;
        this.usage = usage;
    }

    /**
     * What to invoice.
     *
     * @param accountId the account
     * @param subscriptionId the subscription
     * @param phases the subscription's phases, oldest first
     * @param periodStart the billing period's start, seconds since the epoch
     * @param periodEnd the full billing period's end (from the anchor), exclusive
     * @param endedAt when the subscription ended, or null
     * @param cancelAt when it is set to end (Stripe {@code cancel_at}), or null
     * @param nextPeriodEnd the end of the period after this one (for fees in advance)
     * @param earlier the subscription's earlier finalized invoices that usage may still reach, with lines
     * @param stripePriceIds the Stripe subscription's item prices (ids and lookup keys): a base fee one of them
     *                       charges in Stripe is not billed again ({@link BaseFee#chargedByStripe})
     * @param claims usage that another subscription of the account bills ({@link Claim}), which this one leaves out
     */
    public record Request(String accountId, String subscriptionId, List<Phase> phases, long periodStart, long periodEnd,
                          Long endedAt, Long cancelAt, long nextPeriodEnd, List<Invoice> earlier, List<String> stripePriceIds,
                          List<Claim> claims) {
        public Request {
            phases = List.copyOf(phases);
            earlier = List.copyOf(earlier);
            stripePriceIds = stripePriceIds == null ? List.of() : List.copyOf(stripePriceIds);
            claims = claims == null ? List.of() : List.copyOf(claims);
        }
    }

    /**
     * A meter's usage over {@code [from, to)} that another subscription of the same account bills. When two
     * subscriptions of an account price the same meter at the same time, the usage belongs to the one that started
     * first (ties: the smaller id), so no unit is billed twice; the other's line shows the quantity it bills and names
     * the claim in its description.
     *
     * @param subscriptionId the subscription that bills it
     * @param meter the meter
     * @param from start, inclusive, seconds since the epoch
     * @param to end, exclusive
     */
    public record Claim(String subscriptionId, String meter, long from, long to) {
    }

    /**
     * @param request what to invoice
     * @return the lines, credits excluded, in presentation order
     * @throws IllegalStateException if a phase names a plan the catalog lacks
     * @throws ArithmeticException if an amount does not fit in a {@code long} of minor units
     */
    public List<InvoiceLine> lines(Request request) {
        List<InvoiceLine> lines = new ArrayList<>();
        List<PhaseSlice> slices = Phases.slices(request.phases(), request.periodStart(), request.periodEnd(), request.endedAt());
        for (PhaseSlice slice : slices) {
            Plan plan = plan(slice.phase().planId());
            billedFee(plan, BillingTiming.IN_ARREARS, request)
                    .ifPresent(fee -> lines.add(baseFee(fee, plan, slice, "base_fee:" + fee.price().id() + ":" + slice.start())));
            long usageCharges = 0;
            for (UsagePrice usagePrice : plan.usagePrices()) {
                InvoiceLine line = usageLine(request, plan, usagePrice, slice);
                usageCharges += line.amountMinor();
                lines.add(line);
            }
            lines.addAll(unpriced(request, plan, slice));
            long charged = usageCharges;
            plan.minimumCommitment().ifPresent(c -> trueUp(c, plan, slice, charged).ifPresent(lines::add));
        }
        lines.addAll(inAdvance(request, slices));
        lines.addAll(adjustments(request));
        return lines;
    }

    /** The plan's base fee with that timing, unless Stripe's own subscription charges it. */
    private static Optional<BaseFee> billedFee(Plan plan, BillingTiming timing, Request request) {
        return plan.baseFee().filter(f -> f.timing() == timing && !f.chargedByStripe(request.stripePriceIds()));
    }

    private Plan plan(String planId) {
        return catalog.plan(planId).orElseThrow(() -> new IllegalStateException("unknown plan " + planId));
    }

    private InvoiceLine baseFee(BaseFee fee, Plan plan, PhaseSlice slice, String lineId) {
        long seats = slice.phase().quantity();
        BigDecimal full = fullFee(fee, seats);
        long amount = MinorUnits.roundLine(Phases.share(full, slice));
        String what = plan.displayName() + " base fee" + (seats > 1 ? ", " + seats + " seats" : "");
        String when = slice.wholePeriod() ? "" : " (" + describe(slice.start(), slice.end()) + ", prorated "
                + Phases.fraction(slice).multiply(BigDecimal.valueOf(100)).stripTrailingZeros().toPlainString() + "%)";
        return new InvoiceLine(lineId, LineType.BASE_FEE, fee.price().id(), null, slice.start(), slice.end(),
                BigDecimal.valueOf(seats), BigDecimal.ZERO, BigDecimal.valueOf(seats), amount, what + when, null, null);
    }

    /** The fee for a full period and {@code seats} seats, unrounded for a per-unit price. */
    private static BigDecimal fullFee(BaseFee fee, long seats) {
        if (fee.price().model() instanceof PricingModel.PerUnit perUnit) {
            return perUnit.unitAmount().multiply(BigDecimal.valueOf(seats));
        }
        return BigDecimal.valueOf(Rater.rate(fee.price(), BigDecimal.valueOf(seats)).amountMinor());
    }

    private InvoiceLine usageLine(Request request, Plan plan, UsagePrice usagePrice, PhaseSlice slice) {
        String accountId = request.accountId();
        Price price = usagePrice.price();
        MeterValue value = value(request, price.meter(), slice.start(), slice.end(), plan.usageFilter(usagePrice));
        BigDecimal quantity = value.quantity(usage.aggregationOf(price.meter()));
        BigDecimal included = Phases.share(usagePrice.includedQuantity(), slice);
        Rating rating = Rater.rate(price, quantity, included);
        return new InvoiceLine("usage:" + price.id() + ":" + slice.start(), LineType.USAGE, price.id(), price.meter(),
                slice.start(), slice.end(), quantity, rating.includedQuantity(), rating.billableQuantity(),
                rating.amountMinor(), usageDescription(price, quantity, rating.includedQuantity(), slice)
                        + claimedBy(request, price.meter(), slice.start(), slice.end()), null,
                new InvoiceLine.Trace(UsageKeys.seriesKey(accountId, price.meter()), filterText(price.dimensionFilter()), value.count()));
    }

    private List<InvoiceLine> unpriced(Request request, Plan plan, PhaseSlice slice) {
        String accountId = request.accountId();
        List<InvoiceLine> lines = new ArrayList<>();
        for (Meter meter : catalog.meters().values()) {
            if (!plan.pricesFor(meter.id()).isEmpty()) {
                continue;
            }
            MeterValue value = value(request, meter.id(), slice.start(), slice.end(), d -> true);
            if (value.count() > 0) {
                BigDecimal quantity = value.quantity(meter.aggregation());
                lines.add(new InvoiceLine("usage:unpriced:" + meter.id() + ":" + slice.start(), LineType.USAGE, null, meter.id(),
                        slice.start(), slice.end(), quantity, BigDecimal.ZERO, BigDecimal.ZERO, 0L,
                        meter.displayName() + ": " + units(meter, quantity) + " (not priced on " + plan.displayName() + ")",
                        null, new InvoiceLine.Trace(UsageKeys.seriesKey(accountId, meter.id()), "", value.count())));
            }
        }
        return lines;
    }

    /**
     * The usage of a meter in {@code [from, to)} that this subscription bills: the range less what other subscriptions
     * of the account claim ({@link Claim}), merged exactly across the pieces.
     */
    private MeterValue value(Request request, String meter, long from, long to,
                             java.util.function.Predicate<Map<String, String>> dimensions) {
        MeterValue total = MeterValue.EMPTY;
        for (long[] piece : unclaimed(request, meter, from, to)) {
            total = total.merge(usage.value(request.accountId(), meter, piece[0], piece[1], dimensions));
        }
        return total;
    }

    /** {@code [from, to)} less the claims on the meter, as ordered, disjoint, non-empty pieces. */
    private static List<long[]> unclaimed(Request request, String meter, long from, long to) {
        List<long[]> pieces = new ArrayList<>(List.of(new long[]{from, to}));
        for (Claim claim : request.claims()) {
            if (!claim.meter().equals(meter)) {
                continue;
            }
            List<long[]> next = new ArrayList<>();
            for (long[] p : pieces) {
                if (claim.to() <= p[0] || claim.from() >= p[1]) {
                    next.add(p);
                    continue;
                }
                if (claim.from() > p[0]) {
                    next.add(new long[]{p[0], claim.from()});
                }
                if (claim.to() < p[1]) {
                    next.add(new long[]{claim.to(), p[1]});
                }
            }
            pieces = next;
        }
        return pieces;
    }

    /** {@code " (usage billed on sub_x)"} when another subscription claims part of the range, else empty. */
    private static String claimedBy(Request request, String meter, long from, long to) {
        String others = request.claims().stream()
                .filter(c -> c.meter().equals(meter) && c.to() > from && c.from() < to)
                .map(Claim::subscriptionId).distinct().sorted().collect(Collectors.joining(", "));
        return others.isEmpty() ? "" : " (other usage in this time billed on " + others + ")";
    }

    private Optional<InvoiceLine> trueUp(MinimumCommitment commitment, Plan plan, PhaseSlice slice, long usageCharges) {
        BigDecimal owed = Phases.share(BigDecimal.valueOf(commitment.amountMinor()), slice);
        long shortfall = MinorUnits.roundLine(owed.subtract(BigDecimal.valueOf(usageCharges)));
        if (shortfall <= 0) {
            return Optional.empty();
        }
        return Optional.of(new InvoiceLine(trueUpId(commitment, slice.start()), LineType.MINIMUM_TRUE_UP,
                commitment.priceId(), null, slice.start(), slice.end(), BigDecimal.ONE, BigDecimal.ZERO, BigDecimal.ONE,
                shortfall, plan.displayName() + " minimum commitment " + (slice.wholePeriod() ? "" : "(prorated) ")
                + "not reached by usage: true-up", null, null));
    }

    private static String trueUpId(MinimumCommitment commitment, long sliceStart) {
        return "minimum_true_up:" + commitment.priceId() + ":" + sliceStart;
    }

    private List<InvoiceLine> inAdvance(Request request, List<PhaseSlice> slices) {
        List<InvoiceLine> lines = new ArrayList<>();
        // This period: what the previous invoice billed in advance for it, and what it should have cost.
        List<InvoiceLine> billed = request.earlier().stream().flatMap(i -> i.lines().stream())
                .filter(l -> l.type() == LineType.BASE_FEE && l.lineId().startsWith("base_fee_advance:")
                        && l.periodStart() == request.periodStart())
                .toList();
        List<InvoiceLine> actual = new ArrayList<>();
        for (PhaseSlice slice : slices) {
            Plan plan = plan(slice.phase().planId());
            billedFee(plan, BillingTiming.IN_ADVANCE, request)
                    .ifPresent(fee -> actual.add(baseFee(fee, plan, slice, "base_fee:" + fee.price().id() + ":" + slice.start())));
        }
        boolean unchanged = billed.size() == 1 && actual.size() == 1 && slices.size() == 1 && slices.get(0).wholePeriod()
                && billed.get(0).priceId().equals(actual.get(0).priceId())
                && billed.get(0).quantity().compareTo(actual.get(0).quantity()) == 0;
        if (!unchanged) {
            lines.addAll(actual);
            for (InvoiceLine advance : billed) {
                lines.add(new InvoiceLine("base_fee_reversal:" + advance.lineId(), LineType.BASE_FEE, advance.priceId(), null,
                        advance.periodStart(), advance.periodEnd(), advance.quantity().negate(), BigDecimal.ZERO,
                        advance.quantity().negate(), -advance.amountMinor(),
                        "Less the base fee billed in advance for " + describe(advance.periodStart(), advance.periodEnd())
                                + " (replaced by the prorated fee above)", null, null));
            }
        }
        // The next period, in advance, unless the subscription will have ended by then.
        Long ends = request.endedAt() != null ? request.endedAt() : request.cancelAt();
        Phase last = request.phases().isEmpty() ? null : request.phases().get(request.phases().size() - 1);
        if ((ends == null || ends > request.periodEnd()) && last != null && last.open()) {
            Plan plan = plan(last.planId());
            billedFee(plan, BillingTiming.IN_ADVANCE, request).ifPresent(fee -> {
                long seats = last.quantity();
                PhaseSlice next = new PhaseSlice(last, request.periodEnd(), request.nextPeriodEnd(), request.periodEnd(), request.nextPeriodEnd());
                InvoiceLine line = baseFee(fee, plan, next, "base_fee_advance:" + fee.price().id() + ":" + request.periodEnd());
                lines.add(new InvoiceLine(line.lineId(), line.type(), line.priceId(), null, line.periodStart(), line.periodEnd(),
                        line.quantity(), line.includedQuantity(), line.billableQuantity(), line.amountMinor(),
                        line.description() + ", in advance for " + describe(request.periodEnd(), request.nextPeriodEnd()),
                        null, null));
            });
        }
        return lines;
    }

    private List<InvoiceLine> adjustments(Request request) {
        List<InvoiceLine> lines = new ArrayList<>();
        for (Invoice before : request.earlier()) {
            if (!before.subscriptionId().equals(request.subscriptionId()) || !before.status().finalized()) {
                continue;
            }
            Map<Long, Long> addedCharges = new TreeMap<>();
            for (InvoiceLine billedLine : before.lines()) {
                if (billedLine.type() != LineType.USAGE || billedLine.priceId() == null) {
                    continue;
                }
                Optional<Price> price = catalog.price(billedLine.priceId());
                Optional<Plan> billedPlan = catalog.plans().values().stream()
                        .filter(p -> p.usagePrice(billedLine.priceId()).isPresent()).findFirst();
                if (price.isEmpty() || billedPlan.isEmpty()) {
                    continue;
                }
                String adjustmentId = "adjustment:" + before.invoiceId() + ":" + billedLine.lineId();
                BigDecimal billed = billedLine.quantity();
                long billedEvents = billedLine.trace().eventCount();
                long billedAmount = billedLine.amountMinor();
                for (Invoice later : request.earlier()) {
                    for (InvoiceLine l : later.lines()) {
                        if (l.lineId().equals(adjustmentId)) {
                            billed = billed.add(l.quantity());
                            billedEvents += l.trace().eventCount();
                            billedAmount += l.amountMinor();
                        }
                    }
                }
                MeterValue now = value(request, billedLine.meter(), billedLine.periodStart(),
                        billedLine.periodEnd(), billedPlan.get().usageFilter(billedPlan.get().usagePrice(billedLine.priceId()).get()));
                BigDecimal quantity = now.quantity(usage.aggregationOf(billedLine.meter()));
                if (quantity.compareTo(billed) == 0 && now.count() == billedEvents) {
                    continue;
                }
                Rating full = Rater.rate(price.get(), quantity, billedLine.includedQuantity());
                long amount = full.amountMinor() - billedAmount;
                addedCharges.merge(billedLine.periodStart(), amount, Long::sum);
                Meter meter = catalog.meter(billedLine.meter()).orElse(Meter.sum(billedLine.meter(), billedLine.meter(), "unit"));
                lines.add(new InvoiceLine(adjustmentId, LineType.ADJUSTMENT, price.get().id(), billedLine.meter(),
                        billedLine.periodStart(), billedLine.periodEnd(), quantity.subtract(billed),
                        BigDecimal.ZERO, full.billableQuantity().subtract(billedLine.billableQuantity()), amount,
                        "Usage for " + describe(billedLine.periodStart(), billedLine.periodEnd()) + " received after invoicing: "
                                + meter.displayName() + ", " + units(meter, quantity.subtract(billed)),
                        before.invoiceId(), new InvoiceLine.Trace(billedLine.trace().seriesKey(), billedLine.trace().dimensionFilter(),
                        now.count() - billedEvents)));
            }
            // A true-up billed for a slice shrinks by what the late usage now charges, never below zero.
            for (InvoiceLine trueUp : before.lines()) {
                Long added = addedCharges.get(trueUp.periodStart());
                if (trueUp.type() != LineType.MINIMUM_TRUE_UP || added == null || added <= 0) {
                    continue;
                }
                String adjustmentId = "adjustment:" + before.invoiceId() + ":" + trueUp.lineId();
                long remaining = trueUp.amountMinor() + request.earlier().stream().flatMap(i -> i.lines().stream())
                        .filter(l -> l.lineId().equals(adjustmentId)).mapToLong(InvoiceLine::amountMinor).sum();
                long reduction = Math.min(remaining, added);
                if (reduction > 0) {
                    lines.add(new InvoiceLine(adjustmentId, LineType.ADJUSTMENT, trueUp.priceId(), null, trueUp.periodStart(),
                            trueUp.periodEnd(), BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, -reduction,
                            "Minimum commitment true-up for " + describe(trueUp.periodStart(), trueUp.periodEnd())
                                    + " reduced by the usage received after invoicing", before.invoiceId(), null));
                }
            }
        }
        return lines;
    }

    private static String filterText(Map<String, String> filter) {
        return filter == null ? "" : new TreeMap<>(filter).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    private String usageDescription(Price price, BigDecimal quantity, BigDecimal included, PhaseSlice slice) {
        Meter meter = catalog.meter(price.meter()).orElse(Meter.sum(price.meter(), price.meter(), "unit"));
        String filter = price.dimensionFilter() == null || price.dimensionFilter().isEmpty() ? ""
                : " (" + price.dimensionFilter().values().stream().sorted().collect(Collectors.joining(", ")) + ")";
        return meter.displayName() + filter + ": " + units(meter, quantity)
                + (included.signum() > 0 ? " (" + forPeople(included) + " included)" : "")
                + (slice.wholePeriod() ? "" : ", " + describe(slice.start(), slice.end()));
    }

    /** A quantity for a description: at most two decimals (a prorated included quantity is exact in the line itself). */
    private static String forPeople(BigDecimal quantity) {
        return quantity.setScale(Math.min(quantity.scale(), 2), java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    private static String units(Meter meter, BigDecimal quantity) {
        return quantity.stripTrailingZeros().toPlainString() + " "
                + (quantity.compareTo(BigDecimal.ONE) == 0 ? meter.unit() : meter.unit() + "s");
    }

    /** @return {@code 2026-02-01T00:00:00Z to 2026-03-01T00:00:00Z}, a range as ISO-8601 UTC instants */
    static String describe(long start, long end) {
        return Instant.ofEpochSecond(start) + " to " + Instant.ofEpochSecond(end);
    }
}
