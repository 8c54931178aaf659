package dev.tally.alerts;

import java.util.Optional;

/**
 * Port: what a subscription's open billing period has cost so far, for spend alerts. In Tally: the subtotal of the
 * invoice the period would get if it closed now, before credits ({@code tally invoices preview};
 * {@link InvoicePreviewSpend}).
 */
@FunctionalInterface
public interface PeriodSpend {

    /**
     * @param subscriptionId a subscription
     * @return its open period's spend, empty when it has no open period
     */
    Optional<Spend> current(String subscriptionId);

    /**
     * @param subscriptionId the subscription
     * @param periodStart the open billing period's start, seconds since the epoch
     * @param periodEnd its end, exclusive
     * @param currency lowercase ISO 4217 code
     * @param amountMinor the charges so far, in minor units
     */
    record Spend(String subscriptionId, long periodStart, long periodEnd, String currency, long amountMinor) {
    }
}
