package dev.tally.testsupport;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Items of the {@code payments} table (one per Stripe invoice) with the attribute names of the payments contract
 * (docs/design.md, Payments), as stripe-webhook writes them from {@code invoice.payment_failed} and
 * {@code invoice.paid}: for tests that start downstream of the webhook (the entitlements function, the dunning
 * clock). Read back through {@code DynamoDbPaymentStore.fromItem}, the table's one mapper.
 */
public final class PaymentItems {

    private PaymentItems() {
    }

    /**
     * @param stripeInvoiceId {@code in_...}
     * @param accountId the Tally account
     * @param paymentState {@code open}, {@code paid}, {@code payment_failed}, {@code void} or {@code uncollectible}
     * @param attemptCount Stripe's {@code attempt_count}
     * @param lastFailureAt epoch seconds of the last failed attempt, or null
     * @param stripeUpdatedAt the Stripe event's {@code created}, epoch seconds
     * @return the item: usd, 2500 minor units due, paid in full when {@code paid}
     */
    public static Map<String, AttributeValue> item(String stripeInvoiceId, String accountId, String paymentState,
                                                   int attemptCount, Long lastFailureAt, long stripeUpdatedAt) {
        Map<String, AttributeValue> item = new LinkedHashMap<>();
        item.put("stripeInvoiceId", AttributeValue.fromS(stripeInvoiceId));
        item.put("accountId", AttributeValue.fromS(accountId));
        item.put("currency", AttributeValue.fromS("usd"));
        item.put("amountDueMinor", AttributeValue.fromN("2500"));
        item.put("amountPaidMinor", AttributeValue.fromN("paid".equals(paymentState) ? "2500" : "0"));
        item.put("amountRefundedMinor", AttributeValue.fromN("0"));
        item.put("paymentState", AttributeValue.fromS(paymentState));
        item.put("attemptCount", AttributeValue.fromN(Integer.toString(attemptCount)));
        if (lastFailureAt != null) {
            item.put("lastFailureAt", AttributeValue.fromN(Long.toString(lastFailureAt)));
        }
        if ("paid".equals(paymentState)) {
            item.put("paidAt", AttributeValue.fromN(Long.toString(stripeUpdatedAt)));
        }
        item.put("stripeUpdatedAt", AttributeValue.fromN(Long.toString(stripeUpdatedAt)));
        item.put("lastEventId", AttributeValue.fromS("evt_" + stripeInvoiceId + "_" + stripeUpdatedAt));
        item.put("lastEventType", AttributeValue.fromS("paid".equals(paymentState) ? "invoice.paid" : "invoice." + paymentState));
        return item;
    }
}
