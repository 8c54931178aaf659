package dev.tally.reconciliation;

import dev.tally.subscription.Phase;

import java.util.List;

/**
 * What reconciliation needs to know of a subscription to tell which billing periods must have an invoice: its phases,
 * billing cycle and Tally's billing cursor. Times are seconds since the epoch.
 *
 * @param subscriptionId subscription id
 * @param accountId the account it bills
 * @param phases the phases, oldest first (a subscription recorded before phases existed: one phase from its start)
 * @param billingAnchor Stripe's billing cycle anchor, null when unknown (then no period can be checked)
 * @param interval {@code month} or {@code year}
 * @param intervalCount intervals per period
 * @param cursorStart start of the earliest period not yet invoiced: every period before it has been invoiced; null
 *                    when unknown
 * @param cursorEnd end of that period; null once nothing is left to invoice (the subscription ended)
 * @param endedAt when the subscription ended, or null
 */
public record BilledSubscription(String subscriptionId, String accountId, List<Phase> phases, Long billingAnchor,
                                 String interval, int intervalCount, Long cursorStart, Long cursorEnd, Long endedAt) {
    public BilledSubscription {
        phases = List.copyOf(phases);
    }

    /** @return when billing starts: the first phase's start, or null without phases */
    public Long startedAt() {
        return phases.isEmpty() ? null : phases.get(0).from();
    }
}
