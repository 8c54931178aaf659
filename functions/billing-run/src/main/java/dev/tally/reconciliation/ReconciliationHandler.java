package dev.tally.reconciliation;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.Catalog;
import dev.tally.catalog.CatalogLoader;
import dev.tally.config.Env;
import dev.tally.lambda.Primed;
import dev.tally.lambda.Invocations;
import dev.tally.logging.LogContext;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;
import dev.tally.store.TallyTables;
import dev.tally.stripesync.RecordingStripeGateway;
import dev.tally.stripesync.StripeGateway;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * EventBridge Scheduler -> {@link ReconciliationService#reconcileClosed}: the hourly run after the billing run (the
 * billing run fires at minute 5, this one at minute 35). It reconciles the last invoiced period of every subscription
 * whose billing cursor passed a period end since the previous run, up to the periods that ended more than the
 * billing grace period plus {@code RECONCILIATION_SETTLE_SECONDS} (default 3600: one billing run interval) before
 * the run, so the billing run that queued them ran at least half an hour ago; a period that ended by then and is
 * still not invoiced is itself a mismatch. The report goes to {@code RECONCILIATIONS_TABLE}, the counts to the
 * metrics. Returns the number of mismatches; fails only when a store cannot be read (the schedule retries it).
 *
 * <p>Stripe: without an API key (the local runtime, {@code STRIPE_SYNC_MODE=record}) the invoices are compared with
 * what the sync recorded ({@link RecordingStripeGateway}); in AWS with the sync states ({@code synced}, with the
 * Stripe invoice id), since this artifact carries no Stripe client: `tally reconcile --aws` with
 * {@code STRIPE_API_KEY} compares the totals with Stripe itself.
 */
public final class ReconciliationHandler implements RequestHandler<ScheduledEvent, Integer>, Primed {
    /** How far back one run reaches at most, when runs were missed: 7 days. */
    static final long MAX_WINDOW_SECONDS = 7 * 86_400;

    private final ReconciliationService service;
    private final TallyTables tables;
    private final String reconciliationsTable;
    private final Clock clock;
    private final long lagSeconds;
    private final Metrics metrics;

    /** Lambda's entry point: configuration from the process environment; primed before a SnapStart snapshot. */
    public ReconciliationHandler() {
        this(System.getenv(), Clock.systemUTC());
        Primed.register(this);
    }

    /**
     * @param environment the function's environment variables
     * @param clock fallback time when the event carries none
     */
    public ReconciliationHandler(Map<String, String> environment, Clock clock) {
        this(environment, clock, EmfMetrics.create());
    }

    /**
     * @param environment the function's environment variables
     * @param clock fallback time when the event carries none
     * @param metrics where checks and mismatches are counted
     */
    public ReconciliationHandler(Map<String, String> environment, Clock clock, Metrics metrics) {
        this.metrics = metrics;
        Env env = Env.of(environment);
        DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build();
        this.tables = new TallyTables(dynamoDb, env);
        this.reconciliationsTable = env.require("RECONCILIATIONS_TABLE");
        this.clock = clock;
        this.lagSeconds = env.longValue("BILLING_GRACE_PERIOD_SECONDS", 3600)
                + env.longValue("RECONCILIATION_SETTLE_SECONDS", 3600);
        Catalog catalog = CatalogLoader.fromClasspath(env.optional("TALLY_CATALOG").orElse(CatalogLoader.DEFAULT_RESOURCE));
        StripeGateway stripe = env.optional("STRIPE_API_KEY_SECRET_ARN").isEmpty()
                && (env.local() || env.optional("STRIPE_SYNC_MODE").filter("record"::equals).isPresent())
                ? new RecordingStripeGateway(tables, clock) : null;
        this.service = ReconciliationService.onDynamoDb(tables, reconciliationsTable, catalog, stripe, metrics, clock);
    }

    /** Reads a subscription and a stored report that do not exist. */
    @Override
    public void prime() {
        Primed.readNothing(tables.subscriptions);
        Primed.readNothing(tables.client, reconciliationsTable, "runKey");
    }

    @Override
    public Integer handleRequest(ScheduledEvent event, Context context) {
        Instant runTime = event != null && event.getTime() != null
                ? Instant.ofEpochMilli(event.getTime().getMillis()) : clock.instant();
        // The scheduled time identifies the run: a retry of it has the same.
        try (LogContext.Scope ignored = LogContext.with(LogContext.CORRELATION_ID, "reconciliation:" + runTime)) {
            return Invocations.handle(context, metrics,
                    () -> service.reconcileClosed(runTime.getEpochSecond() - lagSeconds, MAX_WINDOW_SECONDS).mismatches().size());
        }
    }
}
