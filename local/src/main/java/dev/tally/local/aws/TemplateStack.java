package dev.tally.local.aws;

import dev.tally.local.template.FunctionResource;
import dev.tally.local.template.IntrinsicResolver;
import dev.tally.local.template.TemplateModel;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A template deployed (or to be deployed) on one DynamoDB + SQS endpoint pair: the one place that provisions tables
 * and queues, resolves intrinsics and builds function environments, shared by the local runtime and by the
 * integration-test backends (embedded emulators or LocalStack).
 *
 * <p>Owns three SDK clients built from the {@link AwsConnection} ({@link AwsClientOwner}), closed by {@link #close()}.
 * Thread-safe.
 */
public final class TemplateStack extends AwsClientOwner implements AutoCloseable {
    /** Set to {@code true} in every function environment built here. */
    public static final String TALLY_LOCAL = "TALLY_LOCAL";

    private final TemplateModel template;
    private final AwsResourceLocator locator;
    private final IntrinsicResolver resolver;

    /**
     * Builds the stack's clients; nothing is created remotely until {@link #provision}.
     *
     * @param template the template
     * @param connection the endpoints to deploy on
     * @param parameterOverrides values for template parameters, replacing their defaults
     * @throws IllegalArgumentException when an override names no parameter of the template
     */
    public TemplateStack(TemplateModel template, AwsConnection connection, Map<String, String> parameterOverrides) {
        super(checkedConnection(template, connection));
        this.template = template;
        this.locator = new AwsResourceLocator(template, dynamoDb(), sqs());
        this.resolver = new IntrinsicResolver(template, parameterOverrides, locator);
    }

    /** Checks {@code template}, then {@code connection}, before any client is built. */
    private static AwsConnection checkedConnection(TemplateModel template, AwsConnection connection) {
        Objects.requireNonNull(template, "template");
        return Objects.requireNonNull(connection, "connection");
    }

    /** Creates every table and queue of the template (idempotent); see {@link TemplateProvisioner}. */
    public void provision(ProvisionOptions options) {
        new TemplateProvisioner(dynamoDb(), sqs()).provision(template, options);
    }

    /**
     * The environment a function sees: {@code Globals.Function.Environment.Variables} overlaid with the function's
     * own, intrinsics resolved for this deployment ({@code AWS::NoValue} drops the variable); then
     * {@code AWS_REGION}, {@code AWS_DEFAULT_REGION}, {@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY},
     * {@code AWS_ENDPOINT_URL_DYNAMODB}, {@code AWS_ENDPOINT_URL_DYNAMODB_STREAMS}, {@code AWS_ENDPOINT_URL_SQS},
     * {@code AWS_LAMBDA_FUNCTION_NAME} (the logical id), {@code AWS_LAMBDA_FUNCTION_MEMORY_SIZE},
     * {@code TALLY_LOCAL=true}; then {@code extras}, which win.
     *
     * @param functionLogicalId a function of the template
     * @param extras caller-supplied variables, e.g. {@code STRIPE_WEBHOOK_SECRET}
     * @return an unmodifiable map in that order
     * @throws IllegalArgumentException when the function is unknown or a value cannot be resolved
     * @throws IllegalStateException when a referenced queue or table does not exist yet
     */
    public Map<String, String> functionEnvironment(String functionLogicalId, Map<String, String> extras) {
        FunctionResource function = template.function(functionLogicalId);
        Map<String, String> env = new LinkedHashMap<>();
        function.environment().forEach((name, value) -> {
            String resolved = resolver.resolve(value, functionLogicalId + " Environment " + name);
            if (resolved != null) {
                env.put(name, resolved);
            }
        });
        AwsConnection connection = connection();
        env.put("AWS_REGION", connection.region());
        env.put("AWS_DEFAULT_REGION", connection.region());
        env.put("AWS_ACCESS_KEY_ID", connection.accessKeyId());
        env.put("AWS_SECRET_ACCESS_KEY", connection.secretAccessKey());
        env.put("AWS_ENDPOINT_URL_DYNAMODB", connection.dynamoDbEndpoint().toString());
        env.put("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", connection.dynamoDbEndpoint().toString());
        env.put("AWS_ENDPOINT_URL_SQS", connection.sqsEndpoint().toString());
        env.put("AWS_LAMBDA_FUNCTION_NAME", functionLogicalId);
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(function.memorySizeMb()));
        env.put(TALLY_LOCAL, "true");
        env.putAll(extras);
        return Collections.unmodifiableMap(env);
    }

    /** The physical name of a table (its logical id). */
    public String tableName(String tableLogicalId) {
        return locator.tableName(tableLogicalId);
    }

    /** The URL of a queue; {@link IllegalStateException} when it does not exist yet. */
    public String queueUrl(String queueLogicalId) {
        return locator.queueUrl(queueLogicalId);
    }

    /** The ARN of a queue; {@link IllegalStateException} when it does not exist yet. */
    public String queueArn(String queueLogicalId) {
        return locator.queueArn(queueLogicalId);
    }

    /** The ARN of a table's latest stream; {@link IllegalStateException} when the table or stream does not exist. */
    public String streamArn(String tableLogicalId) {
        return locator.tableStreamArn(tableLogicalId);
    }

    /** The intrinsic resolver for this deployment. */
    public IntrinsicResolver resolver() {
        return resolver;
    }

    /** The template. */
    public TemplateModel template() {
        return template;
    }

    /** Closes the SDK clients. Idempotent. */
    @Override
    public void close() {
        closeClients();
    }
}
