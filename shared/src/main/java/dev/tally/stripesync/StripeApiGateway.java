package dev.tally.stripesync;

import com.stripe.StripeClient;
import com.stripe.exception.RateLimitException;
import com.stripe.exception.StripeException;
import com.stripe.model.HasId;
import com.stripe.model.Invoice;
import com.stripe.model.InvoiceItem;
import com.stripe.model.StripeCollection;
import com.stripe.model.StripeSearchResult;
import com.stripe.net.RequestOptions;
import com.stripe.param.InvoiceCreateParams;
import com.stripe.param.InvoiceFinalizeInvoiceParams;
import com.stripe.param.InvoiceItemCreateParams;
import com.stripe.param.InvoiceItemListParams;
import com.stripe.param.InvoiceListParams;
import com.stripe.param.InvoiceSearchParams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * {@link StripeGateway} over stripe-java's instance {@link StripeClient} (no global API key).
 *
 * <p>Retries in the call: the client ({@link #clientBuilder(String)}) has {@link #MAX_NETWORK_RETRIES} network
 * retries, which stripe-java 33 makes, with the same idempotency key and a backoff of 0.5 s doubling up to 5 s with
 * jitter, when the connection fails ({@code ConnectException}) or times out ({@code SocketTimeoutException}), on 409
 * and on 5xx, and whenever Stripe answers {@code Stripe-Should-Retry: true} (never when it answers {@code false}). A
 * 429 that Stripe does not flag so is retried here, {@link #MAX_RATE_LIMIT_RETRIES} times with jittered backoff from
 * 1 s (https://docs.stripe.com/rate-limits): the rate limiter answers before the idempotency layer, so nothing was
 * executed or saved. What still fails is thrown as a classified {@link StripeFailure}.
 */
public final class StripeApiGateway implements StripeGateway {
    /** Network retries per call (stripe-java's default is none). */
    public static final int MAX_NETWORK_RETRIES = 2;
    /** Read timeout per attempt, milliseconds: well inside the function's timeout (stripe-java's default is 80 s). */
    public static final int READ_TIMEOUT_MILLIS = 8_000;
    /** Connect timeout per attempt, milliseconds. */
    public static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    /** Retries of a call answered 429 that stripe-java did not retry. */
    public static final int MAX_RATE_LIMIT_RETRIES = 3;
    static final Duration RATE_LIMIT_BASE = Duration.ofSeconds(1);
    static final Duration RATE_LIMIT_CAP = Duration.ofSeconds(8);
    /** Page size of the list and search calls (Stripe's maximum). */
    static final long PAGE = 100;

    private final Supplier<StripeClient> stripe;
    private final Sleeper sleeper;
    private final RandomGenerator random;

    /**
     * @param stripe a client built once per execution environment with the secret key, see {@link #client(String)}
     * @param sleeper waits between 429 retries
     * @param random jitter of those waits
     */
    public StripeApiGateway(StripeClient stripe, Sleeper sleeper, RandomGenerator random) {
        this(() -> stripe, sleeper, random);
    }

    /** @param stripe a client built once per execution environment, see {@link #client(String)} */
    public StripeApiGateway(StripeClient stripe) {
        this(() -> stripe, Sleeper.REAL, ThreadLocalRandom.current());
    }

    private StripeApiGateway(Supplier<StripeClient> stripe, Sleeper sleeper, RandomGenerator random) {
        this.stripe = stripe;
        this.sleeper = sleeper;
        this.random = random;
    }

    /**
     * A gateway whose key is asked for on each call (a {@link dev.tally.aws.ManagedSecret} reads it after a SnapStart
     * restore and keeps it for its TTL); the client is rebuilt only when the key changes (rotation).
     *
     * @param secretKey supplies the Stripe secret API key
     * @param apiBase Stripe's API base URL, or null for Stripe's own (tests point it at a local fake)
     * @return the gateway
     */
    public static StripeApiGateway withKey(Supplier<String> secretKey, String apiBase) {
        return new StripeApiGateway(new Supplier<>() {
            private String key;
            private StripeClient client;

            @Override
            public synchronized StripeClient get() {
                String current = secretKey.get();
                if (!current.equals(key)) {
                    StripeClient.StripeClientBuilder builder = clientBuilder(current);
                    client = (apiBase == null ? builder : builder.setApiBase(apiBase)).build();
                    key = current;
                }
                return client;
            }
        }, Sleeper.REAL, ThreadLocalRandom.current());
    }

    /**
     * @param secretKey Stripe secret API key, {@code sk_...} or a restricted {@code rk_...}
     * @return a client with retries and timeouts suited to a Lambda function
     */
    public static StripeClient client(String secretKey) {
        return clientBuilder(secretKey).build();
    }

    /**
     * @param secretKey Stripe secret API key
     * @return a builder with {@link #MAX_NETWORK_RETRIES}, {@link #CONNECT_TIMEOUT_MILLIS} and
     *         {@link #READ_TIMEOUT_MILLIS} set, to add to (an API base, shorter timeouts in tests)
     */
    public static StripeClient.StripeClientBuilder clientBuilder(String secretKey) {
        return StripeClient.builder().setApiKey(secretKey)
                .setMaxNetworkRetries(MAX_NETWORK_RETRIES)
                .setConnectTimeout(CONNECT_TIMEOUT_MILLIS)
                .setReadTimeout(READ_TIMEOUT_MILLIS);
    }

    @Override
    public List<StripeInvoice> findInvoices(String tallyInvoiceId, String customer, long createdSince) {
        Map<String, StripeInvoice> found = new LinkedHashMap<>();
        // Search (https://docs.stripe.com/search#query-fields-for-invoices): any status, any age, but only once
        // indexed, "under 1 minute" after a write. The value is quoted; Tally's ids hold no quote.
        String query = "metadata['" + StripeSyncService.TALLY_INVOICE_METADATA + "']:'" + tallyInvoiceId + "'";
        String page = null;
        do {
            InvoiceSearchParams.Builder params = InvoiceSearchParams.builder().setQuery(query).setLimit(PAGE);
            if (page != null) {
                params.setPage(page);
            }
            StripeSearchResult<Invoice> result = call("search invoices " + query,
                    () -> stripe.get().v1().invoices().search(params.build()));
            result.getData().stream().filter(i -> tallyInvoiceId.equals(metadataOf(i).get(StripeSyncService.TALLY_INVOICE_METADATA)))
                    .forEach(i -> found.put(i.getId(), toInvoice(i)));
            page = Boolean.TRUE.equals(result.getHasMore()) ? result.getNextPage() : null;
        } while (page != null);
        // List (https://docs.stripe.com/api/invoices/list): read-after-write consistent; the customer's invoices
        // created since the Tally invoice, newest first, every page.
        for (Invoice i : allPages("list the invoices of " + customer, after -> {
            InvoiceListParams.Builder params = InvoiceListParams.builder().setCustomer(customer).setLimit(PAGE)
                    .setCreated(InvoiceListParams.Created.builder().setGte(createdSince).build());
            return stripe.get().v1().invoices().list((after == null ? params : params.setStartingAfter(after)).build());
        })) {
            if (tallyInvoiceId.equals(metadataOf(i).get(StripeSyncService.TALLY_INVOICE_METADATA))) {
                found.put(i.getId(), toInvoice(i));
            }
        }
        return List.copyOf(found.values());
    }

    @Override
    public Optional<StripeInvoice> retrieveInvoice(String stripeInvoiceId) {
        try {
            return Optional.of(call("retrieve invoice " + stripeInvoiceId,
                    () -> toInvoice(stripe.get().v1().invoices().retrieve(stripeInvoiceId))));
        } catch (StripeFailure e) {
            if (e.httpStatus() == 404 && "resource_missing".equals(e.code())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public StripeInvoice createInvoice(String customer, String currency, String description, Map<String, String> metadata,
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
        return call("create invoice (" + idempotencyKey + ")",
                () -> toInvoice(stripe.get().v1().invoices().create(params, options(idempotencyKey))));
    }

    @Override
    public List<StripeInvoiceItem> listItems(String stripeInvoiceId) {
        return allPages("list the items of invoice " + stripeInvoiceId, after -> {
            InvoiceItemListParams.Builder params = InvoiceItemListParams.builder().setInvoice(stripeInvoiceId).setLimit(PAGE);
            return stripe.get().v1().invoiceItems().list((after == null ? params : params.setStartingAfter(after)).build());
        }).stream().map(StripeApiGateway::toItem).toList();
    }

    @Override
    public StripeInvoiceItem createInvoiceItem(String customer, String stripeInvoiceId, long amountMinor, String currency,
                                               String description, Map<String, String> metadata, String idempotencyKey) {
        InvoiceItemCreateParams params = InvoiceItemCreateParams.builder()
                .setCustomer(customer)
                .setInvoice(stripeInvoiceId)
                .setAmount(amountMinor)
                .setCurrency(currency)
                .setDescription(description)
                .setMetadata(metadata)
                .build();
        return call("create invoice item (" + idempotencyKey + ")",
                () -> toItem(stripe.get().v1().invoiceItems().create(params, options(idempotencyKey))));
    }

    @Override
    public StripeInvoice finalizeInvoice(String stripeInvoiceId, String idempotencyKey) {
        InvoiceFinalizeInvoiceParams params = InvoiceFinalizeInvoiceParams.builder().setAutoAdvance(true).build();
        return call("finalize invoice " + stripeInvoiceId + " (" + idempotencyKey + ")",
                () -> toInvoice(stripe.get().v1().invoices().finalizeInvoice(stripeInvoiceId, params, options(idempotencyKey))));
    }

    /** A Stripe call that may throw stripe-java's exception. */
    @FunctionalInterface
    private interface StripeCall<T> {
        T run() throws StripeException;
    }

    /** One page of a list call, after the object {@code startingAfter} (null: the first page). */
    @FunctionalInterface
    private interface PageCall<T extends HasId> {
        StripeCollection<T> page(String startingAfter) throws StripeException;
    }

    /** Every page of a list (https://docs.stripe.com/api/pagination): {@code starting_after} the last id while {@code has_more}. */
    private <T extends HasId> List<T> allPages(String what, PageCall<T> call) {
        List<T> all = new ArrayList<>();
        String after = null;
        do {
            String from = after;
            StripeCollection<T> page = call(what, () -> call.page(from));
            all.addAll(page.getData());
            after = Boolean.TRUE.equals(page.getHasMore()) && !page.getData().isEmpty() ? page.getData().getLast().getId() : null;
        } while (after != null);
        return all;
    }

    private <T> T call(String what, StripeCall<T> call) {
        for (int retry = 1; ; retry++) {
            try {
                return call.run();
            } catch (RateLimitException e) {
                if (retry > MAX_RATE_LIMIT_RETRIES) {
                    throw failure(what, e);
                }
                sleeper.sleep(Sleeper.backoff(retry, RATE_LIMIT_BASE, RATE_LIMIT_CAP, random));
            } catch (StripeException e) {
                throw failure(what, e);
            }
        }
    }

    private static StripeFailure failure(String what, StripeException e) {
        int status = e.getStatusCode() == null ? 0 : e.getStatusCode();
        String type = e.getStripeError() == null ? null : e.getStripeError().getType();
        return StripeFailure.of(what + " failed: " + e.getMessage(), status, type, e.getCode(), e);
    }

    private static RequestOptions options(String idempotencyKey) {
        return RequestOptions.builder().setIdempotencyKey(idempotencyKey).build();
    }

    private static Map<String, String> metadataOf(Invoice i) {
        return i.getMetadata() == null ? Map.of() : i.getMetadata();
    }

    private static StripeInvoice toInvoice(Invoice i) {
        return new StripeInvoice(i.getId(), i.getCustomer(), i.getCurrency(), i.getStatus(),
                i.getTotal() == null ? 0 : i.getTotal(), i.getMetadata());
    }

    private static StripeInvoiceItem toItem(InvoiceItem i) {
        return new StripeInvoiceItem(i.getId(), i.getInvoice(), i.getAmount() == null ? 0 : i.getAmount(),
                i.getCurrency(), i.getMetadata());
    }
}
