package dev.tally.stripesync;

import com.stripe.StripeClient;
import com.stripe.exception.StripeException;
import com.stripe.net.RequestOptions;
import com.stripe.param.InvoiceCreateParams;
import com.stripe.param.InvoiceFinalizeInvoiceParams;
import com.stripe.param.InvoiceItemCreateParams;

import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link StripeGateway} over stripe-java's instance {@link StripeClient} (no global API key). Build the client with
 * {@link #client(String)}: stripe-java then retries network failures and 409/429/5xx itself, with the same idempotency
 * key; what still fails is thrown as {@link StripeCallException} so the stream batch is retried.
 */
public final class StripeApiGateway implements StripeGateway {
    private final Supplier<StripeClient> stripe;

    /** Network retries per call (stripe-java's default is none). */
    public static final int MAX_NETWORK_RETRIES = 2;
    /** Read timeout per attempt, milliseconds: well inside the function's 30 s timeout (stripe-java's default is 80 s). */
    public static final int READ_TIMEOUT_MILLIS = 8_000;

    /** @param stripe a client built once per execution environment with the secret key, see {@link #client(String)} */
    public StripeApiGateway(StripeClient stripe) {
        this.stripe = () -> stripe;
    }

    private StripeApiGateway(Supplier<StripeClient> stripe) {
        this.stripe = stripe;
    }

    /**
     * A gateway whose key is asked for on each call (a {@link dev.tally.aws.CachedSecret} reads it after a SnapStart
     * restore and keeps it for its TTL); the client is rebuilt only when the key changes (rotation).
     *
     * @param secretKey supplies the Stripe secret API key
     * @return the gateway
     */
    public static StripeApiGateway withKey(Supplier<String> secretKey) {
        return new StripeApiGateway(new Supplier<>() {
            private String key;
            private StripeClient client;

            @Override
            public synchronized StripeClient get() {
                String current = secretKey.get();
                if (!current.equals(key)) {
                    client = client(current);
                    key = current;
                }
                return client;
            }
        });
    }

    /**
     * @param secretKey Stripe secret API key, {@code sk_...} or a restricted {@code rk_...}
     * @return a client with retries and timeouts suited to a Lambda function
     */
    public static StripeClient client(String secretKey) {
        return StripeClient.builder().setApiKey(secretKey)
                .setMaxNetworkRetries(MAX_NETWORK_RETRIES)
                .setConnectTimeout(5_000)
                .setReadTimeout(READ_TIMEOUT_MILLIS)
                .build();
    }

    @Override
    public String createInvoice(String customer, String currency, String description, Map<String, String> metadata,
                                String idempotencyKey) {
        InvoiceCreateParams params = InvoiceCreateParams.builder()
                .setCustomer(customer)
                .setCurrency(currency)
                .setDescription(description)
                .setCollectionMethod(InvoiceCreateParams.CollectionMethod.CHARGE_AUTOMATICALLY)
                .setPendingInvoiceItemsBehavior(InvoiceCreateParams.PendingInvoiceItemsBehavior.EXCLUDE)
                .setAutoAdvance(false)
                .setMetadata(metadata)
                .build();
        try {
            return stripe.get().v1().invoices().create(params, options(idempotencyKey)).getId();
        } catch (StripeException e) {
            throw new StripeCallException("create invoice", e);
        }
    }

    @Override
    public void createInvoiceItem(String customer, String invoice, long amountMinor, String currency,
                                  String description, Map<String, String> metadata, String idempotencyKey) {
        InvoiceItemCreateParams params = InvoiceItemCreateParams.builder()
                .setCustomer(customer)
                .setInvoice(invoice)
                .setAmount(amountMinor)
                .setCurrency(currency)
                .setDescription(description)
                .setMetadata(metadata)
                .build();
        try {
            stripe.get().v1().invoiceItems().create(params, options(idempotencyKey));
        } catch (StripeException e) {
            throw new StripeCallException("create invoice item", e);
        }
    }

    @Override
    public void finalizeInvoice(String invoice, String idempotencyKey) {
        try {
            stripe.get().v1().invoices().finalizeInvoice(invoice, InvoiceFinalizeInvoiceParams.builder().setAutoAdvance(true).build(),
                    options(idempotencyKey));
        } catch (StripeException e) {
            throw new StripeCallException("finalize invoice " + invoice, e);
        }
    }

    private static RequestOptions options(String idempotencyKey) {
        return RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
    }

    /** A Stripe call that failed after stripe-java's own retries. */
    public static final class StripeCallException extends RuntimeException {
        StripeCallException(String what, StripeException cause) {
            super(what + " failed: " + cause.getMessage() + " (request " + cause.getRequestId() + ")", cause);
        }
    }
}
