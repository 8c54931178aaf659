package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.store.TallyTables;
import dev.tally.stripesync.DynamoDbStripeSyncStore;
import dev.tally.stripesync.StripeApiGateway;
import dev.tally.stripesync.StripeSyncService;
import dev.tally.stripesync.SyncState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;

/**
 * {@code tally invoices resync INVOICE_ID}: syncs one invoice to Stripe now: one attempt that finds what Stripe
 * already has for the invoice and creates only what is missing, checks the total and finalizes, so it is safe at any
 * time, however long after the first attempt ({@link StripeSyncService#resync}).
 *
 * <p>Locally it goes through the running runtime's admin API (the stripe-sync function's own resync, with its Stripe
 * key or its recorder). With {@code --aws} it runs the same sync on this machine against the deployed tables (named
 * by the table variables, credentials from the environment, as the other operations commands) and Stripe, with the
 * secret key in {@code STRIPE_API_KEY}; the state is optimistically locked, so this is as safe as the function doing
 * it. Prints the outcome; exit code 1 when the invoice is still {@code sync_failed} (with the reason), when there is
 * no such invoice, or when the runtime, AWS or Stripe cannot be reached.
 */
@Command(name = "resync", mixinStandardHelpOptions = true,
        description = {"Syncs one invoice to Stripe now (e.g. one listed by `tally invoices --status sync_failed`): "
                + "creates in Stripe only what is missing, checks the total, finalizes.",
                "Locally through `tally serve`; with --aws on this machine against the deployed tables and Stripe "
                        + "(secret key in STRIPE_API_KEY).",
                "Exit code 1 when it is still sync_failed (the reason is printed), the invoice is unknown or the "
                        + "runtime, AWS or Stripe cannot be reached."})
final class InvoiceResyncCommand extends RuntimeCommand {

    @Parameters(paramLabel = "INVOICE_ID", description = "e.g. tin_org_acme_1767225600")
    String invoiceId;

    /** {@code --aws} and what goes with it; without {@code --aws} only {@code --http-endpoint} matters. */
    @Mixin
    ConnectionOptions connection;

    @Override
    int run(RuntimeClient runtime) {
        SyncOutcome outcome = connection.aws() ? resyncInAws() : SyncOutcome.of(runtime.resyncInvoice(invoiceId));
        if (outcome.status().equals("sync_failed")) {
            throw new Failure("invoice " + invoiceId + " is still sync_failed after attempt " + outcome.attempts() + ": "
                    + outcome.lastError() + " (what to do: docs/runbooks/stripe-sync-failed.md)");
        }
        String what = switch (outcome.status()) {
            case "synced" -> "synced: Stripe invoice " + outcome.stripeInvoiceId() + " is finalized with Tally's total";
            case "recorded" -> "recorded: no Stripe API key, so the requests were recorded, not sent";
            case "skipped" -> "skipped: nothing to charge";
            default -> outcome.status();
        };
        out().printf("Invoice %s %s.%n", invoiceId, what);
        return 0;
    }

    private SyncOutcome resyncInAws() {
        String key = connection.processEnvironment.get("STRIPE_API_KEY");
        if (key == null || key.isBlank()) {
            throw new Failure("set STRIPE_API_KEY to the Stripe secret key (the one in the secret the function's "
                    + "STRIPE_API_KEY_SECRET_ARN names) to resync in AWS");
        }
        try (DynamoDbClient ddb = connection.dynamoDb()) {
            TallyTables tables = connection.tables(ddb);
            dev.tally.invoice.Invoice invoice = new dev.tally.invoice.DynamoDbInvoiceStore(tables).find(invoiceId)
                    .orElseThrow(() -> new Failure("no invoice " + invoiceId + " in " + tables.invoices.tableName() + " ("
                            + connection.describeDynamoDb() + "); `tally invoices --aws` lists them"));
            StripeSyncService service = new StripeSyncService(new DynamoDbStripeSyncStore(tables),
                    StripeApiGateway.withKey(() -> key, null), Clock.systemUTC(), dev.tally.metrics.Metrics.NONE);
            return SyncOutcome.of(service.resync(invoice));
        } catch (SdkException e) {
            throw new Failure(connection.describeDynamoDb() + ": " + e.getMessage(), e);
        }
    }

    /** What the command prints, from the admin API's JSON or the state itself. */
    private record SyncOutcome(String status, String stripeInvoiceId, int attempts, String lastError) {
        static SyncOutcome of(JsonNode state) {
            return new SyncOutcome(state.path("status").asText(), state.path("stripeInvoiceId").asText(null),
                    state.path("attempts").asInt(), state.path("lastError").asText(null));
        }

        static SyncOutcome of(SyncState state) {
            return new SyncOutcome(state.status().wireName(), state.stripeInvoiceId(), state.attempts(), state.lastError());
        }
    }
}
