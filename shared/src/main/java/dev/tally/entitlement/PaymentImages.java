package dev.tally.entitlement;

import dev.tally.dunning.PaymentFact;
import dev.tally.payment.DynamoDbPaymentStore;
import dev.tally.payment.InvoicePayment;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;
import java.util.Optional;

/**
 * Reads a {@code payments} table item (or stream image) into the {@link PaymentFact} dunning uses, through the table's
 * one mapper ({@link DynamoDbPaymentStore#fromItem}).
 */
public final class PaymentImages {

    private PaymentImages() {
    }

    /**
     * @param item the item's attributes
     * @return the fact; empty when the item is not a readable payments item (nothing dunning can use)
     */
    public static Optional<PaymentFact> fact(Map<String, AttributeValue> item) {
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        InvoicePayment p;
        try {
            p = DynamoDbPaymentStore.fromItem(item);
        } catch (IllegalArgumentException unreadable) {
            return Optional.empty();
        }
        return Optional.of(new PaymentFact(p.stripeInvoiceId(), p.accountId(), p.paymentState(), (int) p.attemptCount(),
                p.lastFailureAt(), p.stripeUpdatedAt()));
    }
}
