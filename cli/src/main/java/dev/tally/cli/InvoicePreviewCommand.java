package dev.tally.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.aws.AwsClients;
import dev.tally.catalog.Catalog;
import dev.tally.config.Env;
import dev.tally.invoice.DynamoDbInvoiceStore;
import dev.tally.invoice.Invoice;
import dev.tally.invoice.InvoiceCalculator;
import dev.tally.invoice.InvoiceService;
import dev.tally.store.Indexes;
import dev.tally.store.SubscriptionItem;
import dev.tally.store.TallyTables;
import dev.tally.usage.UsageIngestService;
import dev.tally.usage.UsageQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tally invoices preview ACCOUNT}: the invoice each of the account's subscriptions would get if its open
 * billing period closed at the running runtime's clock: the same phases, prices, proration, commitments and late-usage
 * adjustments as the invoice generator (it runs {@link InvoiceService#preview} with the generator's configuration),
 * computed and never stored; prepaid credits are shown as they stand, not drawn. Exit code 1 when the runtime cannot
 * be reached or the account has no subscription being billed.
 */
@Command(name = "preview", mixinStandardHelpOptions = true,
        description = {"Shows the invoice each of an account's subscriptions would get if its open period closed now "
                + "(the runtime's clock); nothing is stored.",
                "Exit code 1 when the runtime cannot be reached or the account has no subscription being billed."})
final class InvoicePreviewCommand extends RuntimeCommand {
    @Parameters(paramLabel = "ACCOUNT", description = "Account id, e.g. org_acme.")
    String account;

    @Option(names = "--json", description = "One JSON object per invoice, as `tally invoices show --json` prints them.")
    boolean json;

    @Override
    int run(RuntimeClient runtime) {
        JsonNode info = runtime.runtime();
        Instant now = Instant.ofEpochSecond(info.get("clock").asLong());
        Map<String, String> environment = new LinkedHashMap<>();
        info.path("functions").path("InvoiceGeneratorFunction").path("environment")
                .fields().forEachRemaining(e -> environment.put(e.getKey(), e.getValue().asText()));
        if (environment.isEmpty()) {
            throw new Failure("the runtime at " + httpEndpoint + " runs no InvoiceGeneratorFunction; start `tally serve`");
        }
        Env env = Env.of(environment);
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        try (DynamoDbClient dynamoDb = AwsClients.configure(DynamoDbClient.builder(), env, "DYNAMODB").build()) {
            TallyTables tables = new TallyTables(dynamoDb, env);
            Catalog catalog = InvoiceTableCommand.CATALOG;
            InvoiceService service = new InvoiceService(tables, new DynamoDbInvoiceStore(tables),
                    new InvoiceCalculator(catalog, new UsageQuery(tables.usageStore(clock), catalog)), catalog, clock,
                    env.longValue("BILLING_GRACE_PERIOD_SECONDS", 3600),
                    env.longValue("USAGE_BACKDATING_WINDOW_SECONDS", UsageIngestService.DEFAULT_BACKDATING_WINDOW_SECONDS),
                    dev.tally.metrics.Metrics.NONE);
            List<Invoice> previews = new ArrayList<>();
            tables.subscriptions.index(Indexes.BY_ACCOUNT).query(QueryConditional.keyEqualTo(k -> k.partitionValue(account)))
                    .stream().flatMap(p -> p.items().stream())
                    .filter(SubscriptionItem::billing)
                    .forEach(s -> service.preview(s.subscriptionId).ifPresent(previews::add));
            if (previews.isEmpty()) {
                throw new Failure("account " + account + " has no subscription being billed (see `tally stripe trigger "
                        + "customer.subscription.created --account " + account + "`)");
            }
            for (Invoice invoice : previews) {
                if (json) {
                    out().println(OpsCommand.jsonLine(InvoiceTableCommand.toJson(invoice)));
                } else {
                    out().printf("Preview at %s (not stored; credits not drawn)%n", now);
                    InvoiceTableCommand.print(out(), invoice);
                    out().println();
                }
            }
        }
        return 0;
    }
}
