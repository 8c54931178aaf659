package dev.tally.testsupport;

import dev.tally.local.aws.AwsConnection;
import dev.tally.local.aws.ProvisionOptions;
import dev.tally.local.aws.TemplateStack;
import dev.tally.local.template.TemplateModel;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The part of every {@link AwsBackend} that does not depend on where DynamoDB and SQS run: the template, parameter
 * overrides, provisioning options and a {@link TemplateStack} (the local runtime's provisioning, resolution and
 * environment code) built on the first call that needs the servers. Subclasses only start and stop the servers.
 */
public abstract class TemplateBackend implements AwsBackend {
    private final TemplateModel template;
    private final Map<String, String> parameters = new LinkedHashMap<>();
    private ProvisionOptions options = ProvisionOptions.defaults();
    private TemplateStack stack;
    private boolean closed;

    /**
     * @param template the SAM template to deploy, e.g. {@link RepoPaths#template()}
     * @throws IllegalArgumentException when the template holds something the local runtime does not support
     */
    protected TemplateBackend(Path template) {
        this.template = TemplateModel.load(Objects.requireNonNull(template, "template"));
    }

    /**
     * Starts the servers and says where they are. Called once, on first use.
     *
     * @throws RuntimeException when they cannot start
     */
    protected abstract AwsConnection start();

    /** Stops the servers started by {@link #start()}. Called once, by {@link #close()}, only if they started. */
    protected abstract void stop();

    /** Overrides a template parameter's default; call before first use. */
    public synchronized TemplateBackend withParameter(String name, String value) {
        requireNotStarted();
        parameters.put(name, value);
        return this;
    }

    /** Gives every queue this visibility timeout (seconds), e.g. 1 to test redelivery; call before provisioning. */
    public synchronized TemplateBackend withVisibilityTimeout(int seconds) {
        options = options.withVisibilityTimeout(seconds);
        return this;
    }

    /** The deployment, starting the servers on first use. */
    protected final synchronized TemplateStack stack() {
        if (closed) {
            throw new IllegalStateException(name() + " backend is closed");
        }
        if (stack == null) {
            AwsConnection connection = start();
            try {
                stack = new TemplateStack(template, connection, parameters);
            } catch (RuntimeException e) {
                stop();
                throw e;
            }
        }
        return stack;
    }

    private void requireNotStarted() {
        if (stack != null) {
            throw new IllegalStateException("configure the " + name() + " backend before using it");
        }
    }

    @Override
    public URI dynamoDbEndpoint() {
        return stack().connection().dynamoDbEndpoint();
    }

    @Override
    public URI sqsEndpoint() {
        return stack().connection().sqsEndpoint();
    }

    @Override
    public Region region() {
        return stack().connection().awsRegion();
    }

    @Override
    public AwsCredentialsProvider credentialsProvider() {
        return stack().connection().credentialsProvider();
    }

    /** Endpoints, region and credentials in one value, with SDK client factories. */
    public AwsConnection connection() {
        return stack().connection();
    }

    @Override
    public DynamoDbClient dynamoDb() {
        return stack().dynamoDb();
    }

    @Override
    public SqsClient sqs() {
        return stack().sqs();
    }

    @Override
    public void provision() {
        ProvisionOptions current;
        synchronized (this) {
            current = options;
        }
        stack().provision(current);
    }

    @Override
    public Map<String, String> functionEnvironment(String functionLogicalId, Map<String, String> extras) {
        return stack().functionEnvironment(functionLogicalId, extras);
    }

    @Override
    public String queueUrl(String queueLogicalId) {
        return stack().queueUrl(queueLogicalId);
    }

    @Override
    public String tableName(String tableLogicalId) {
        return template.table(tableLogicalId).logicalId();
    }

    @Override
    public TemplateModel template() {
        return template;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (stack != null) {
            stack.close();
            stop();
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
