package dev.tally.alerts;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.lambda.Invocations;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;
import dev.tally.lambda.Batches;
import dev.tally.lambda.Primed;
import dev.tally.logging.LogContext;
import dev.tally.credit.DynamoDbCreditStore;
import dev.tally.store.StreamImages;
import dev.tally.store.TallyTables;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.invoice.InvoiceCalculator;
import dev.tally.invoice.InvoiceService;
import dev.tally.usage.DynamoDbUsageStore;
import dev.tally.usage.UsageIngestService;
import dev.tally.usage.UsageQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;

import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * Streams of the usage-buckets and credits tables -> {@link AlertService}. The table is told apart by the
 * record's key attributes; of the credits table, new ledger entries (balance thresholds, expiries) and grants whose
 * {@code expiryState} went from {@code open} to {@code warned} (a coming expiry) are used, other changes ignored. Alerts go to {@code EVENT_BUS_NAME}; locally ({@code TALLY_LOCAL=true}) the alerts table
 * record is the delivery. Default usage shares (when neither the account nor its plan sets any):
 * {@code USAGE_ALERT_THRESHOLDS}, e.g. {@code 0.5,0.8,1.0}. Spend alerts read the open period's invoice preview, with
 * the invoice generator's {@code BILLING_GRACE_PERIOD_SECONDS} and {@code USAGE_BACKDATING_WINDOW_SECONDS}.
 *
 * <p>SnapStart: {@link #prime()} reads an alert, a subscription and a credit entry that do not exist.
 */
public final class BillingAlertsHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse>, Primed {
    private static final Logger LOG = LoggerFactory.getLogger(BillingAlertsHandler.class);
    private final AlertService service;
    private final TallyTables tables;
    private final Metrics metrics;

    /** Lambda's entry point: configuration from the process environment; primed before a SnapStart snapshot. */
    public BillingAlertsHandler() {
        this(System.getenv(), Clock.systemUTC());
        Primed.register(this);
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of alert times
     */
    public BillingAlertsHandler(Map<String, String> environment, Clock clock) {
        this(environment, clock, EmfMetrics.create());
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of alert times
     * @param metrics where the function's figures go ({@link EmfMetrics} in Lambda, the local runtime's recorder)
     */
    public BillingAlertsHandler(Map<String, String> environment, Clock clock, Metrics metrics) {
        this(environment, clock, null, metrics);
    }

    /**
     * @param environment the function's environment variables
     * @param clock source of alert times
     * @param publisher where alerts go; null: EventBridge ({@code EVENT_BUS_NAME}), or the alerts table record alone
     *                  when {@code TALLY_LOCAL=true}
     * @param metrics where {@code AlertsRaised} goes
     */
    public BillingAlertsHandler(Map<String, String> environment, Clock clock, AlertPublisher publisher, Metrics metrics) {
        this.metrics = metrics;
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        if (publisher == null) {
            publisher = env.local() ? AlertPublisher.RECORD_ONLY
                    : new EventBridgeAlertPublisher(AwsClients.configure(EventBridgeClient.builder(), env, "EVENTBRIDGE").build(),
                    env.require("EVENT_BUS_NAME"));
        }
        this.tables = new TallyTables(dynamoDb, env);
        Catalog catalog = CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE));
        UsageQuery usage = new UsageQuery(tables.usageStore(clock), catalog);
        InvoiceService invoices = new InvoiceService(tables, new DynamoDbInvoiceStore(tables), new InvoiceCalculator(catalog, usage),
                catalog, clock, env.longValue("BILLING_GRACE_PERIOD_SECONDS", 3600),
                env.longValue("USAGE_BACKDATING_WINDOW_SECONDS", UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS),
                Metrics.NONE);  // previews finalize nothing: no invoice figures
        this.service = new AlertService(tables, new DynamoDbAlertStore(tables), usage, new InvoicePreviewSpend(invoices), catalog,
                publisher, metrics, AlertService.parseShares(env.optional("USAGE_ALERT_THRESHOLDS").orElse("0.5,0.8,1.0")), clock);
    }

    /** Reads items that do not exist from the tables an alert check reads. */
    @Override
    public void prime() {
        Primed.readNothing(tables.alerts);
        Primed.readNothing(tables.subscriptions);
        Primed.readNothing(tables.invoices);
        Primed.readNothing(tables.client, tables.creditsTable, "accountId", "entryKey");
        Primed.readNothing(tables.client, tables.usageBucketsTable, "seriesKey", "bucketKey");
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return Invocations.handle(context, metrics, () -> Batches.stream(event, record -> {
            var keys = record.getDynamodb().getKeys();
            var oldImage = record.getDynamodb().getOldImage();
            var newImage = record.getDynamodb().getNewImage();
            if (newImage == null) {
                return;
            }
            if (keys.containsKey("bucketKey")) {
                DynamoDbUsageStore.bucketFromItem(StreamImages.toSdk(newImage)).ifPresent(service::onUsageBucket);
            } else if (keys.containsKey("entryKey")) {
                var after = StreamImages.toSdk(newImage);
                if (DynamoDbCreditStore.isEntry(after) && oldImage == null) {
                    var entry = DynamoDbCreditStore.entryFromItem(after);
                    try (LogContext.Scope ignored = LogContext.with(LogContext.ACCOUNT, entry.accountId(),
                            LogContext.INVOICE_ID, entry.invoiceId())) {
                        List<String> raised = service.onLedgerEntry(entry);
                        LOG.info("ledger entry {} ({}): {} alerts raised", entry.entryId(), entry.type(), raised.size());
                    }
                } else if (DynamoDbCreditStore.isGrant(after) && oldImage != null
                        && DynamoDbCreditStore.EXPIRY_WARNED.equals(DynamoDbCreditStore.expiryState(after))
                        && DynamoDbCreditStore.EXPIRY_OPEN.equals(DynamoDbCreditStore.expiryState(StreamImages.toSdk(oldImage)))) {
                    service.onGrantExpiring(DynamoDbCreditStore.grantFromItem(after));
                }
            }
        }));
    }
}
