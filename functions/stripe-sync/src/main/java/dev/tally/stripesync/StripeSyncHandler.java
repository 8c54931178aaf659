package dev.tally.stripesync;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.aws.AwsClients;
import dev.tally.aws.ManagedSecret;
import dev.tally.config.Env;
import dev.tally.lambda.Invocations;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;
import dev.tally.lambda.Batches;
import dev.tally.lambda.Primed;
import dev.tally.logging.LogContext;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.invoice.InvoiceStatus;
import dev.tally.invoice.InvoiceStore;
import dev.tally.store.InvoiceItem;
import dev.tally.store.StreamImages;
import dev.tally.store.TallyTables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Invoices table stream (headers just finalized: draft -> open, the mapping's filter) -> {@link StripeSyncService#sync},
 * with the invoice's lines read from the invoice store. Records are handled in order; the first one
 * that fails transiently is reported with everything after it, so Lambda retries from there
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html). A permanent failure marks
 * its invoice {@code sync_failed} and the batch goes on. {@link #resync(String)} is the operator's retry of one
 * invoice ({@code tally invoices resync ID}, through the local runtime's admin API).
 *
 * <p>Stripe: the secret key from {@code STRIPE_API_KEY} or the secret {@code STRIPE_API_KEY_SECRET_ARN} (read on the
 * first invoice, after a SnapStart restore, and kept for {@code SECRET_CACHE_TTL_SECONDS}). With neither,
 * the requests are recorded instead of sent ({@link RecordingStripeGateway}), which is the local runtime's default
 * ({@code TALLY_LOCAL=true}) and elsewhere must be asked for with {@code STRIPE_SYNC_MODE=record}: a deployed function
 * without a key fails at initialisation rather than marking invoices as handled that Stripe never saw.
 * {@code STRIPE_API_BASE} (tests only; never set in a deployment) points the client at another API base, e.g. a local
 * fake of Stripe.
 *
 * <p>SnapStart: {@link #prime()} reads a sync record and an account that do not exist.
 */
public final class StripeSyncHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse>, Primed {
    private static final Logger LOG = LoggerFactory.getLogger(StripeSyncHandler.class);
    private final StripeSyncService service;
    private final TallyTables tables;
    private final InvoiceStore invoices;
    private final Metrics metrics;

    /** Lambda's entry point: configuration from the process environment; primed before a SnapStart snapshot. */
    public StripeSyncHandler() {
        this(System.getenv(), Clock.systemUTC());
        Primed.register(this);
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of record times
     */
    public StripeSyncHandler(Map<String, String> environment, Clock clock) {
        this(environment, clock, EmfMetrics.create());
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of record times
     * @param metrics where the function's figures go ({@link EmfMetrics} in Lambda, the local runtime's recorder)
     */
    public StripeSyncHandler(Map<String, String> environment, Clock clock, Metrics metrics) {
        this.metrics = metrics;
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        this.tables = new TallyTables(dynamoDb, env);
        this.invoices = new DynamoDbInvoiceStore(tables);
        Optional<Supplier<String>> apiKey = env.optional("STRIPE_API_KEY").<Supplier<String>>map(key -> () -> key)
                .or(() -> env.optional("STRIPE_API_KEY_SECRET_ARN").map(arn -> ManagedSecret.fromSecretsManager(env, arn)));
        StripeGateway gateway;
        if (apiKey.isPresent()) {
            gateway = StripeApiGateway.withKey(apiKey.get(), env.optional("STRIPE_API_BASE").orElse(null));
        } else if (env.local() || env.optional("STRIPE_SYNC_MODE").filter("record"::equals).isPresent()) {
            gateway = new RecordingStripeGateway(tables, clock);
        } else {
            throw new IllegalStateException("no Stripe API key: set STRIPE_API_KEY_SECRET_ARN (or STRIPE_SYNC_MODE=record "
                    + "to record the requests instead of sending them)");
        }
        this.service = new StripeSyncService(new DynamoDbStripeSyncStore(tables), gateway, clock, metrics);
    }

    /** Reads items that do not exist from the tables a sync reads first. */
    @Override
    public void prime() {
        Primed.readNothing(tables.stripeSync);
        Primed.readNothing(tables.accounts);
        Primed.readNothing(tables.invoices);
        Primed.readNothing(tables.invoiceLines);
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return Invocations.handle(context, metrics, () -> Batches.stream(event, record -> {
            if (record.getDynamodb().getNewImage() == null) {
                return;   // a removal: nothing to send
            }
            InvoiceItem header = InvoiceItem.SCHEMA.mapToItem(StreamImages.toSdk(record.getDynamodb().getNewImage()));
            if (InvoiceStatus.OPEN.wireName().equals(header.status)) {
                service.sync(invoices.find(header.invoiceId)
                        .orElseThrow(() -> new IllegalStateException("invoice " + header.invoiceId + " vanished")));
            } else {
                try (LogContext.Scope ignored = LogContext.with(LogContext.ACCOUNT, header.accountId,
                        LogContext.INVOICE_ID, header.invoiceId)) {
                    LOG.info("invoice {} is {}: not sent to Stripe (only a finalized invoice is)", header.invoiceId,
                            header.status);
                }
            }
        }));
    }

    /**
     * Syncs one invoice now, whatever its state, unless it is already done ({@link StripeSyncService#resync}).
     *
     * @param invoiceId Tally invoice id, {@code tin_...}
     * @return the state after the attempt: done ({@code synced}, {@code recorded}, {@code skipped}) or
     *         {@code sync_failed} with the reason
     * @throws IllegalArgumentException when there is no such invoice
     * @throws dev.tally.stripesync.StripeSyncStore.ConcurrentSyncException when it is being synced right now
     */
    public SyncState resync(String invoiceId) {
        return service.resync(invoices.find(invoiceId)
                .orElseThrow(() -> new IllegalArgumentException("no invoice " + invoiceId + " (ids are listed by `tally invoices`)")));
    }
}
