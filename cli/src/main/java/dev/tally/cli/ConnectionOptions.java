package dev.tally.cli;

import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import dev.tally.store.TallyTables;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where the operations commands find Tally's tables and queues: a picocli mixin shared by {@code tally usage ...},
 * {@code tally invoices ...} and {@code tally dlq ...}.
 *
 * <p>By default the commands talk to a local {@code tally serve}: DynamoDB at {@code http://localhost:8000}, SQS at
 * {@code http://localhost:9324}, region us-east-1, dummy credentials ({@code TALLY_LOCAL=true}). With {@code --aws}
 * no endpoint is overridden (unless given explicitly) and the credentials are the process's
 * {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY} and {@code AWS_SESSION_TOKEN} environment variables
 * ({@link AwsClients} uses the SDK's environment-variable provider outside the local runtime: no profiles, no SSO).
 *
 * <p>Table names are the template's logical ids (what the local runtime creates, e.g. {@code UsageRejectionsTable}),
 * each overridable by the environment variable the functions read ({@code USAGE_REJECTIONS_TABLE}, ...). A queue is
 * named by its logical id, which locally becomes {@code <sqs endpoint>/000000000000/<LogicalId>} and against AWS is
 * looked up with GetQueueUrl; a full {@code http(s)://} URL is used as is.
 */
final class ConnectionOptions {
    /** The environment variables holding table names, as template.yaml sets them for every function. */
    static final List<String> TABLE_VARIABLES = List.of("ACCOUNTS_TABLE", "SUBSCRIPTIONS_TABLE", "WEBHOOK_EVENTS_TABLE",
            "USAGE_EVENTS_TABLE", "USAGE_BUCKETS_TABLE", "USAGE_REJECTIONS_TABLE", "CREDITS_TABLE", "INVOICES_TABLE",
            "INVOICE_LINES_TABLE", "STRIPE_SYNC_TABLE", "ALERTS_TABLE", "PAYMENTS_TABLE", "ENTITLEMENTS_TABLE",
            "RECONCILIATIONS_TABLE");

    /** Account id in the local queue URLs (ElasticMQ's, and the local runtime's intrinsic {@code AWS::AccountId}). */
    static final String LOCAL_ACCOUNT_ID = "000000000000";
    static final String LOCAL_DYNAMODB = "http://localhost:8000";
    static final String LOCAL_SQS = "http://localhost:9324";

    @Option(names = "--aws", description = "Operate real AWS: no endpoint override, credentials from the "
            + "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN environment variables. Set the table "
            + "variables (USAGE_REJECTIONS_TABLE, INVOICES_TABLE, ...) to the deployed names.")
    boolean aws;

    @Option(names = "--region", paramLabel = "REGION",
            description = "AWS region. Default: $AWS_REGION, else us-east-1.")
    String region;

    @Option(names = "--dynamodb-endpoint", paramLabel = "URL", converter = EndpointConverter.class,
            description = "DynamoDB endpoint. Default: " + LOCAL_DYNAMODB + " (none with --aws).")
    URI dynamoDbEndpoint;

    @Option(names = "--sqs-endpoint", paramLabel = "URL", converter = EndpointConverter.class,
            description = "SQS endpoint. Default: " + LOCAL_SQS + " (none with --aws).")
    URI sqsEndpoint;

    /** The process environment; replaced in tests. */
    Map<String, String> processEnvironment = System.getenv();

    /** The SDK's name of the service whose last call failed ({@code DynamoDb}, {@code Sqs}), or null. */
    private volatile String failedService;

    /** Remembers which service a failed call went to, so the message names that endpoint only. */
    private final ExecutionInterceptor failureRecorder = new ExecutionInterceptor() {
        @Override
        public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
            failedService = attributes.getAttribute(SdkExecutionAttribute.SERVICE_NAME);
        }
    };

    /** @return true when operating real AWS ({@code --aws}) */
    boolean aws() {
        return aws;
    }

    /** @return the DynamoDB endpoint in use, or null for the SDK's default (AWS) */
    URI dynamoDbEndpoint() {
        return dynamoDbEndpoint != null ? dynamoDbEndpoint : aws ? null : URI.create(LOCAL_DYNAMODB);
    }

    /** @return the SQS endpoint in use, or null for the SDK's default (AWS) */
    URI sqsEndpoint() {
        return sqsEndpoint != null ? sqsEndpoint : aws ? null : URI.create(LOCAL_SQS);
    }

    /**
     * The configuration the commands build their clients and tables from, as a function would see it: region,
     * endpoint overrides, table names, and for local use {@code TALLY_LOCAL=true} with dummy keys.
     *
     * @return the configuration
     */
    Env env() {
        Map<String, String> vars = new LinkedHashMap<>();
        vars.put("AWS_REGION", region());
        if (!aws) {
            vars.put("TALLY_LOCAL", "true");
            vars.put("AWS_ACCESS_KEY_ID", "local");
            vars.put("AWS_SECRET_ACCESS_KEY", "local");
        }
        URI ddb = dynamoDbEndpoint();
        if (ddb != null) {
            vars.put("AWS_ENDPOINT_URL_DYNAMODB", ddb.toString());
        }
        URI sqs = sqsEndpoint();
        if (sqs != null) {
            vars.put("AWS_ENDPOINT_URL_SQS", sqs.toString());
        }
        for (String variable : TABLE_VARIABLES) {
            vars.put(variable, tableName(variable));
        }
        return Env.of(vars);
    }

    String region() {
        if (region != null && !region.isBlank()) {
            return region;
        }
        String fromEnv = processEnvironment.get("AWS_REGION");
        return fromEnv == null || fromEnv.isBlank() ? "us-east-1" : fromEnv;
    }

    /**
     * @param variable a table variable, e.g. {@code USAGE_REJECTIONS_TABLE}
     * @return its value in the process environment, else the template's logical id ({@code UsageRejectionsTable})
     */
    String tableName(String variable) {
        String fromEnv = processEnvironment.get(variable);
        return fromEnv == null || fromEnv.isBlank() ? logicalId(variable) : fromEnv;
    }

    /** {@code USAGE_REJECTIONS_TABLE} -> {@code UsageRejectionsTable}. */
    static String logicalId(String variable) {
        StringBuilder id = new StringBuilder();
        for (String word : variable.toLowerCase(Locale.ROOT).split("_")) {
            id.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
        }
        return id.toString();
    }

    /**
     * @return a DynamoDB client for {@link #env()}, with the SDK's standard retries (3 attempts rather than
     *     DynamoDB's 9, so an unreachable endpoint is reported within a second or two); close it
     */
    DynamoDbClient dynamoDb() {
        return AwsClients.configure(DynamoDbClient.builder(), env(), "DYNAMODB")
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD).addExecutionInterceptor(failureRecorder))
                .build();
    }

    /** @return an SQS client for {@link #env()}, standard retries; close it */
    SqsClient sqs() {
        return AwsClients.configure(SqsClient.builder(), env(), "SQS")
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD).addExecutionInterceptor(failureRecorder))
                .build();
    }

    /**
     * @param client from {@link #dynamoDb()}
     * @return the tables, bound to their names
     */
    TallyTables tables(DynamoDbClient client) {
        return new TallyTables(client, env());
    }

    /**
     * Resolves a queue: a URL as is; a name (logical id) to {@code <sqs endpoint>/000000000000/<name>} locally, or
     * through GetQueueUrl against AWS.
     *
     * @param sqs client from {@link #sqs()} (only used with {@code --aws})
     * @param nameOrUrl e.g. {@code UsageQueue} or {@code https://sqs.eu-west-1.amazonaws.com/123/tally-usage}
     * @return the queue URL
     * @throws software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException when AWS has no such queue
     */
    String queueUrl(SqsClient sqs, String nameOrUrl) {
        if (isUrl(nameOrUrl)) {
            return nameOrUrl;
        }
        if (!aws) {
            String base = sqsEndpoint().toString();
            return (base.endsWith("/") ? base : base + "/") + LOCAL_ACCOUNT_ID + "/" + nameOrUrl;
        }
        return sqs.getQueueUrl(r -> r.queueName(nameOrUrl)).queueUrl();
    }

    static boolean isUrl(String nameOrUrl) {
        String lower = nameOrUrl.toLowerCase(Locale.ROOT);
        return lower.startsWith("http://") || lower.startsWith("https://");
    }

    /** For messages: {@code DynamoDB at http://localhost:8000}, or {@code DynamoDB in AWS (region eu-west-1)}. */
    String describeDynamoDb() {
        return describe("DynamoDB", dynamoDbEndpoint());
    }

    /** For messages: {@code SQS at http://localhost:9324}, or {@code SQS in AWS (region eu-west-1)}. */
    String describeSqs() {
        return describe("SQS", sqsEndpoint());
    }

    /**
     * For messages about a failed call: the endpoint of the service it went to, and the option that changes it.
     *
     * @return e.g. {@code {"DynamoDB at http://localhost:8000", "--dynamodb-endpoint"}}, or null when no call failed
     */
    String[] failedEndpoint() {
        String service = failedService;
        if (service == null) {
            return null;
        }
        return service.toLowerCase(Locale.ROOT).contains("dynamo")
                ? new String[]{describeDynamoDb(), "--dynamodb-endpoint"} : new String[]{describeSqs(), "--sqs-endpoint"};
    }

    private String describe(String service, URI endpoint) {
        return endpoint == null ? service + " in AWS (region " + region() + ")" : service + " at " + endpoint;
    }
}
