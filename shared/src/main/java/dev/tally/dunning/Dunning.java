package dev.tally.dunning;

import dev.tally.payment.PaymentState;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dunning state machine: pure functions of (current status, payment fact, now) to the next status and the
 * transitions that lead there, each with its cause.
 *
 * <ul>
 *   <li>A failed payment ({@code payment_failed}) makes its invoice unpaid, from the time of its first failure; an
 *       account at {@code active} moves to the first step that is due ({@code past_due} at once with the default
 *       policy), caused by that failure.</li>
 *   <li>Time: each step of the policy whose {@code after_days} have passed since the earliest first failure of the
 *       unpaid invoices is entered, in order, one transition per step ({@code days_elapsed}).</li>
 *   <li>A payment ({@code paid}) or a void of the last unpaid invoice restores {@code active}. An invoice marked
 *       {@code uncollectible} stays unpaid (Stripe stopped retrying; the money is still owed).</li>
 *   <li>A fact whose {@code stripeUpdatedAt} is not newer than the newest applied for its invoice is stale and
 *       changes nothing, so redelivery and reordering are harmless.</li>
 * </ul>
 * A state never de-escalates except on payment or void, even when a plan's policy changes to later steps.
 */
public final class Dunning {

    private Dunning() {
    }

    /**
     * The outcome of applying a fact or the clock.
     *
     * @param status the status after
     * @param transitions transitions in the order they happened (empty when the state did not change)
     * @param newFailures failed payment attempts seen for the first time (alerts: payment failed)
     */
    public record Result(DunningStatus status, List<DunningTransition> transitions, List<FailedAttempt> newFailures) {
        public Result {
            transitions = List.copyOf(transitions);
            newFailures = List.copyOf(newFailures);
        }
    }

    /**
     * A failed payment attempt.
     *
     * @param stripeInvoiceId the invoice
     * @param attempt Stripe's attempt count at the failure
     * @param at when it failed, seconds since the epoch
     */
    public record FailedAttempt(String stripeInvoiceId, int attempt, long at) {
    }

    /**
     * Applies one invoice's payment fact, then the clock.
     *
     * @param policy the account's plan's policy
     * @param status the current status
     * @param fact the invoice's payment state
     * @param now the billing clock, seconds since the epoch
     * @return the next status and what changed
     */
    public static Result apply(DunningPolicy policy, DunningStatus status, PaymentFact fact, long now) {
        Long seenAt = status.seen().get(fact.stripeInvoiceId());
        if (seenAt != null && seenAt >= fact.stripeUpdatedAt()) {
            return clock(policy, status, now);
        }
        Map<String, Long> seen = new HashMap<>(status.seen());
        seen.put(fact.stripeInvoiceId(), fact.stripeUpdatedAt());
        while (seen.size() > DunningStatus.SEEN_LIMIT) {
            seen.entrySet().stream().filter(e -> !status.unpaid().containsKey(e.getKey()))
                    .min(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                    .or(() -> seen.entrySet().stream().min(Map.Entry.comparingByValue()).map(Map.Entry::getKey))
                    .ifPresent(seen::remove);
        }
        Map<String, Long> unpaid = new HashMap<>(status.unpaid());
        List<DunningTransition> transitions = new ArrayList<>();
        List<FailedAttempt> failures = new ArrayList<>();
        DunningState state = status.state();
        long since = status.since();
        String invoice = fact.stripeInvoiceId();
        switch (fact.state()) {
            case PAYMENT_FAILED -> {
                unpaid.putIfAbsent(invoice, fact.failedAt());
                failures.add(new FailedAttempt(invoice, fact.attemptCount(), fact.failedAt()));
                DunningState due = dueState(policy, minimum(unpaid), now);
                if (state == DunningState.ACTIVE && due != DunningState.ACTIVE) {
                    // The failure itself moves an active account; further steps below are the clock's.
                    DunningState first = policy.steps().getFirst().state();
                    transitions.add(new DunningTransition(state, first, now, DunningTransition.Cause.PAYMENT_FAILED,
                            "payment_failed:" + invoice + ":" + fact.attemptCount(),
                            "payment failed for invoice " + invoice + " (attempt " + fact.attemptCount() + ")"));
                    state = first;
                    since = now;
                }
            }
            case PAID, VOID -> {
                boolean wasUnpaid = unpaid.remove(invoice) != null;
                if (wasUnpaid && unpaid.isEmpty() && state != DunningState.ACTIVE) {
                    boolean paid = fact.state() == PaymentState.PAID;
                    transitions.add(new DunningTransition(state, DunningState.ACTIVE, now,
                            paid ? DunningTransition.Cause.PAYMENT_RECEIVED : DunningTransition.Cause.INVOICE_VOIDED,
                            (paid ? "payment_received:" : "invoice_voided:") + invoice + ":" + fact.stripeUpdatedAt(),
                            (paid ? "payment received for invoice " : "invoice voided: ") + invoice));
                    state = DunningState.ACTIVE;
                    since = now;
                }
            }
            case OPEN, UNCOLLECTIBLE -> {
            }
        }
        Result afterClock = clock(policy, new DunningStatus(state, since, unpaid, seen), now);
        transitions.addAll(afterClock.transitions());
        return new Result(afterClock.status(), transitions, failures);
    }

    /**
     * Enters every step that is due by {@code now} and not yet reached, one transition each.
     *
     * @param policy the account's plan's policy
     * @param status the current status
     * @param now the billing clock, seconds since the epoch
     * @return the next status and the transitions (none when nothing is due)
     */
    public static Result clock(DunningPolicy policy, DunningStatus status, long now) {
        Long first = status.firstUnpaidFailureAt();
        if (first == null) {
            return new Result(status, List.of(), List.of());
        }
        List<DunningTransition> transitions = new ArrayList<>();
        DunningState state = status.state();
        long since = status.since();
        for (DunningPolicy.Step step : policy.steps()) {
            if (step.state().ordinal() > state.ordinal() && first + step.afterSeconds() <= now) {
                transitions.add(new DunningTransition(state, step.state(), now, DunningTransition.Cause.DAYS_ELAPSED,
                        "days_elapsed:" + step.state().wire() + ":" + first,
                        step.afterDays() + " days since the first unpaid payment failure"));
                state = step.state();
                since = now;
            }
        }
        return new Result(new DunningStatus(state, since, status.unpaid(), status.seen()), transitions, List.of());
    }

    /**
     * @param policy the account's plan's policy
     * @param status the current status
     * @return when the next step falls due (seconds since the epoch), null when nothing is unpaid or the last step is
     *         reached; the billing run looks at the account then
     */
    public static Long nextStepAt(DunningPolicy policy, DunningStatus status) {
        Long first = status.firstUnpaidFailureAt();
        if (first == null) {
            return null;
        }
        for (DunningPolicy.Step step : policy.steps()) {
            if (step.state().ordinal() > status.state().ordinal()) {
                return first + step.afterSeconds();
            }
        }
        return null;
    }

    /** The step due; a failure stamped after {@code now} (Stripe's clock ahead of the billing clock) counts as now. */
    private static DunningState dueState(DunningPolicy policy, Long first, long now) {
        DunningState due = DunningState.ACTIVE;
        for (DunningPolicy.Step step : policy.steps()) {
            if (first != null && first + step.afterSeconds() <= Math.max(now, first)) {
                due = step.state();
            }
        }
        return due;
    }

    private static Long minimum(Map<String, Long> unpaid) {
        return unpaid.values().stream().min(Long::compare).orElse(null);
    }
}
