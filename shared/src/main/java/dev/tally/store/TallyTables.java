package dev.tally.store;

import dev.tally.config.Env;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Tally's DynamoDB tables, bound to their names from the environment ({@code ACCOUNTS_TABLE}, ... as set by
 * template.yaml and infra-terraform) and to the static schemas. Build once per execution environment; holding it
 * costs no I/O.
 */
public final class TallyTables {
    public final DynamoDbClient client;
    public final DynamoDbEnhancedClient enhanced;
    public final DynamoDbTable<AccountItem> accounts;
    public final DynamoDbTable<SubscriptionItem> subscriptions;
    public final DynamoDbTable<WebhookEventItem> webhookEvents;
    /** The usage event log's table name ({@code USAGE_EVENTS_TABLE}); see {@link dev.tally.usage.DynamoDbUsageStore}. */
    public final String usageEventsTable;
    /** The usage buckets' table name ({@code USAGE_BUCKETS_TABLE}); see {@link dev.tally.usage.DynamoDbUsageStore}. */
    public final String usageBucketsTable;
    public final DynamoDbTable<UsageRejectionItem> usageRejections;
    /** The credits table's name ({@code CREDITS_TABLE}): credit grants and ledger entries, see {@link #creditStore()}. */
    public final String creditsTable;
    public final DynamoDbTable<InvoiceItem> invoices;
    public final DynamoDbTable<InvoiceLineItem> invoiceLines;
    public final DynamoDbTable<StripeSyncItem> stripeSync;
    public final DynamoDbTable<AlertItem> alerts;

    /**
     * @param clock source of bucket update times
     * @return the usage store on this client and these tables
     */
    public dev.tally.usage.DynamoDbUsageStore usageStore(java.time.Clock clock) {
        return new dev.tally.usage.DynamoDbUsageStore(client, usageEventsTable, usageBucketsTable, clock);
    }

    /** @return the credit store on this client and the credits table */
    public dev.tally.credit.DynamoDbCreditStore creditStore() {
        return new dev.tally.credit.DynamoDbCreditStore(client, creditsTable);
    }

    /**
     * @param client a DynamoDB client built once (see {@link dev.tally.aws.AwsClients})
     * @param env configuration holding the table names
     * @throws IllegalStateException if a table name variable is missing
     */
    public TallyTables(DynamoDbClient client, Env env) {
        this.client = client;
        this.enhanced = DynamoDbEnhancedClient.builder().dynamoDbClient(client).build();
        accounts = enhanced.table(env.require("ACCOUNTS_TABLE"), AccountItem.SCHEMA);
        subscriptions = enhanced.table(env.require("SUBSCRIPTIONS_TABLE"), SubscriptionItem.SCHEMA);
        webhookEvents = enhanced.table(env.require("WEBHOOK_EVENTS_TABLE"), WebhookEventItem.SCHEMA);
        usageEventsTable = env.require("USAGE_EVENTS_TABLE");
        usageBucketsTable = env.require("USAGE_BUCKETS_TABLE");
        usageRejections = enhanced.table(env.require("USAGE_REJECTIONS_TABLE"), UsageRejectionItem.SCHEMA);
        creditsTable = env.require("CREDITS_TABLE");
        invoices = enhanced.table(env.require("INVOICES_TABLE"), InvoiceItem.SCHEMA);
        invoiceLines = enhanced.table(env.require("INVOICE_LINES_TABLE"), InvoiceLineItem.SCHEMA);
        stripeSync = enhanced.table(env.require("STRIPE_SYNC_TABLE"), StripeSyncItem.SCHEMA);
        alerts = enhanced.table(env.require("ALERTS_TABLE"), AlertItem.SCHEMA);
    }
}
