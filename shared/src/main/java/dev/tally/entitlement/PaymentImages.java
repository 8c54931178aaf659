package dev.tally.entitlement;

import dev.tally.dunning.PaymentFact;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;
import java.util.Optional;

/**
 * Reads a {@code payments} table item (or stream image) into a {@link PaymentFact}, by the attribute names of the
 * payments contract (docs/design.md, Payments): {@code stripeInvoiceId}, {@code accountId}, {@code paymentState},
 * {@code attemptCount}, {@code lastFailureAt}, {@code stripeUpdatedAt}. Kept small on purpose: stripe-webhook owns the
 * table and its mapper.
 */
public final class PaymentImages {

    private PaymentImages() {
    }

    /**
     * @param item the item's attributes
     * @return the fact; empty when the item has no account or no known payment state (nothing dunning can use)
     */
    public static Optional<PaymentFact> fact(Map<String, AttributeValue> item) {
        AttributeValue invoice = item.get("stripeInvoiceId");
        AttributeValue account = item.get("accountId");
        AttributeValue state = item.get("paymentState");
        if (invoice == null || account == null || state == null || invoice.s() == null || account.s() == null) {
            return Optional.empty();
        }
        PaymentFact.PaymentState paymentState;
        try {
            paymentState = PaymentFact.PaymentState.fromWire(state.s());
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();
        }
        return Optional.of(new PaymentFact(invoice.s(), account.s(), paymentState, (int) number(item, "attemptCount", 0L).longValue(),
                number(item, "lastFailureAt", null), number(item, "stripeUpdatedAt", 0L)));
    }

    private static Long number(Map<String, AttributeValue> item, String name, Long absent) {
        AttributeValue v = item.get(name);
        return v == null || v.n() == null ? absent : Long.parseLong(v.n());
    }
}
