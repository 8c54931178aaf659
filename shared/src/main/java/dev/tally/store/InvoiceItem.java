package dev.tally.store;

import software.amazon.awssdk.enhanced.dynamodb.mapper.StaticTableSchema;

import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.primaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondaryPartitionKey;
import static software.amazon.awssdk.enhanced.dynamodb.mapper.StaticAttributeTags.secondarySortKey;

/**
 * An invoice header in the invoices table; its lines are items of the invoice-lines table
 * ({@link InvoiceLineItem}), so an invoice with hundreds of lines fits (DynamoDB's item limit is 400 KB:
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). See
 * {@link dev.tally.invoice.DynamoDbInvoiceStore} for how a draft's lines are versioned and finalized. Amounts are long
 * minor units of {@code currency}; times are seconds since the epoch.
 */
public final class InvoiceItem {
    public String invoiceId;
    public String accountId;
    public String payerAccountId;
    public String subscriptionId;
    public Long periodStart;
    public Long periodEnd;
    public String currency;
    /** {@code draft}, {@code open}, {@code paid}, {@code uncollectible}, {@code void}. */
    public String status;
    /** The draft attempt whose lines are the invoice's; incremented by every recomputation of a draft. */
    public Long linesVersion;
    public Long lineCount;
    public Long subtotalMinor;
    public Long creditsAppliedMinor;
    public Long totalMinor;
    /** Catalog version the lines were rated with. */
    public String catalogVersion;
    public Long createdAt;
    public Long finalizedAt;
    /** Why the last attempt to rate this draft failed (a bad value, an overflow), absent otherwise. */
    public String failureReason;
    /** {@code rating_failed} while {@link #failureReason} stands: the key of the sparse {@code by-attention} index. */
    public String attention;
    /** Payment outcome from Stripe ({@link dev.tally.payment.PaymentState#wire()}), absent until Stripe reports one. */
    public String paymentState;
    public Long amountPaidMinor;
    /** Stripe's {@code attempt_count}. */
    public Long attemptCount;
    /** Stripe's {@code next_payment_attempt}; absent when Stripe will not try again. */
    public Long nextPaymentAttemptAt;
    public Long lastFailureAt;
    public Long paidAt;
    /** The Stripe invoice ({@code in_...}) whose events set the payment fields. */
    public String stripeInvoiceId;
    /** {@code created} of the Stripe event that set the payment fields (ordering). */
    public Long paymentUpdatedAt;
    /** {@link dev.tally.payment.PaymentState#rank()} of {@link #paymentState}, for same-second ties. */
    public Long paymentRank;

    public static final StaticTableSchema<InvoiceItem> SCHEMA = StaticTableSchema.builder(InvoiceItem.class)
            .newItemSupplier(InvoiceItem::new)
            .addAttribute(String.class, a -> a.name("invoiceId").getter(i -> i.invoiceId).setter((i, v) -> i.invoiceId = v)
                    .tags(primaryPartitionKey()))
            .addAttribute(String.class, a -> a.name("accountId").getter(i -> i.accountId).setter((i, v) -> i.accountId = v)
                    .tags(secondaryPartitionKey(Indexes.BY_ACCOUNT)))
            .addAttribute(String.class, a -> a.name("payerAccountId").getter(i -> i.payerAccountId).setter((i, v) -> i.payerAccountId = v))
            .addAttribute(String.class, a -> a.name("subscriptionId").getter(i -> i.subscriptionId).setter((i, v) -> i.subscriptionId = v))
            .addAttribute(Long.class, a -> a.name("periodStart").getter(i -> i.periodStart).setter((i, v) -> i.periodStart = v)
                    .tags(secondarySortKey(Indexes.BY_ACCOUNT)))
            .addAttribute(Long.class, a -> a.name("periodEnd").getter(i -> i.periodEnd).setter((i, v) -> i.periodEnd = v))
            .addAttribute(String.class, a -> a.name("currency").getter(i -> i.currency).setter((i, v) -> i.currency = v))
            .addAttribute(String.class, a -> a.name("status").getter(i -> i.status).setter((i, v) -> i.status = v))
            .addAttribute(Long.class, a -> a.name("linesVersion").getter(i -> i.linesVersion).setter((i, v) -> i.linesVersion = v))
            .addAttribute(Long.class, a -> a.name("lineCount").getter(i -> i.lineCount).setter((i, v) -> i.lineCount = v))
            .addAttribute(Long.class, a -> a.name("subtotalMinor").getter(i -> i.subtotalMinor).setter((i, v) -> i.subtotalMinor = v))
            .addAttribute(Long.class, a -> a.name("creditsAppliedMinor").getter(i -> i.creditsAppliedMinor).setter((i, v) -> i.creditsAppliedMinor = v))
            .addAttribute(Long.class, a -> a.name("totalMinor").getter(i -> i.totalMinor).setter((i, v) -> i.totalMinor = v))
            .addAttribute(String.class, a -> a.name("catalogVersion").getter(i -> i.catalogVersion).setter((i, v) -> i.catalogVersion = v))
            .addAttribute(Long.class, a -> a.name("createdAt").getter(i -> i.createdAt).setter((i, v) -> i.createdAt = v)
                    .tags(secondarySortKey(Indexes.BY_ATTENTION)))
            .addAttribute(Long.class, a -> a.name("finalizedAt").getter(i -> i.finalizedAt).setter((i, v) -> i.finalizedAt = v))
            .addAttribute(String.class, a -> a.name("failureReason").getter(i -> i.failureReason).setter((i, v) -> i.failureReason = v))
            .addAttribute(String.class, a -> a.name("attention").getter(i -> i.attention).setter((i, v) -> i.attention = v)
                    .tags(secondaryPartitionKey(Indexes.BY_ATTENTION)))
            .addAttribute(String.class, a -> a.name("paymentState").getter(i -> i.paymentState).setter((i, v) -> i.paymentState = v))
            .addAttribute(Long.class, a -> a.name("amountPaidMinor").getter(i -> i.amountPaidMinor).setter((i, v) -> i.amountPaidMinor = v))
            .addAttribute(Long.class, a -> a.name("attemptCount").getter(i -> i.attemptCount).setter((i, v) -> i.attemptCount = v))
            .addAttribute(Long.class, a -> a.name("nextPaymentAttemptAt").getter(i -> i.nextPaymentAttemptAt).setter((i, v) -> i.nextPaymentAttemptAt = v))
            .addAttribute(Long.class, a -> a.name("lastFailureAt").getter(i -> i.lastFailureAt).setter((i, v) -> i.lastFailureAt = v))
            .addAttribute(Long.class, a -> a.name("paidAt").getter(i -> i.paidAt).setter((i, v) -> i.paidAt = v))
            .addAttribute(String.class, a -> a.name("stripeInvoiceId").getter(i -> i.stripeInvoiceId).setter((i, v) -> i.stripeInvoiceId = v))
            .addAttribute(Long.class, a -> a.name("paymentUpdatedAt").getter(i -> i.paymentUpdatedAt).setter((i, v) -> i.paymentUpdatedAt = v))
            .addAttribute(Long.class, a -> a.name("paymentRank").getter(i -> i.paymentRank).setter((i, v) -> i.paymentRank = v))
            .build();
}
