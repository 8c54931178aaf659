package dev.tally.testsupport;

import dev.tally.local.template.TemplateModel;
import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * DynamoDB and SQS for an integration test, with the repository's {@code template.yaml} deployed on them: either
 * embedded emulators ({@link EmbeddedBackend}) or LocalStack in Docker ({@link LocalStackBackend}). The same test
 * class runs against either; only the backend is chosen differently:
 *
 * <pre>{@code
 * @TestInstance(TestInstance.Lifecycle.PER_CLASS)
 * abstract class UsageIngestContractTest {
 *     protected abstract AwsBackend backend();
 *     @BeforeAll void provision() { backend().provision(); }
 *     @AfterAll void close() { backend().close(); }
 *     @Test void countsAnEventOnce() {
 *         var handler = new UsageIngestHandler(backend().functionEnvironment("UsageIngestFunction"), clock);
 *         ...
 *     }
 * }
 * class UsageIngestEmbeddedTest extends UsageIngestContractTest {
 *     static final AwsBackend BACKEND = new EmbeddedBackend();
 *     protected AwsBackend backend() { return BACKEND; }
 * }
 * @Testcontainers(disabledWithoutDocker = true)
 * class UsageIngestLocalStackTest extends UsageIngestContractTest {
 *     static final AwsBackend BACKEND = new LocalStackBackend();
 *     protected AwsBackend backend() { return BACKEND; }
 * }
 * }</pre>
 *
 * Implementations start their servers lazily, on the first call that needs them, so constructing one is cheap and a
 * skipped test class starts nothing. Thread-safe.
 */
public interface AwsBackend extends AutoCloseable {

    /** A short name for test output, e.g. {@code embedded} or {@code localstack}. */
    String name();

    /** The DynamoDB endpoint (DynamoDB Streams too). */
    URI dynamoDbEndpoint();

    /** The SQS endpoint. */
    URI sqsEndpoint();

    /** The region clients must use. */
    Region region();

    /** Static credentials the backend accepts. */
    AwsCredentialsProvider credentialsProvider();

    /** A shared DynamoDB client for the backend (closed by {@link #close()}). */
    DynamoDbClient dynamoDb();

    /** A shared SQS client for the backend (closed by {@link #close()}). */
    SqsClient sqs();

    /**
     * Creates every table and queue of the template, with the local runtime's own provisioning code. Idempotent;
     * call it once per test class.
     */
    void provision();

    /**
     * The environment the function would get from the local runtime, pointing at this backend: the template's
     * variables resolved (table names, queue URLs, parameter defaults, ...), region, credentials,
     * {@code AWS_ENDPOINT_URL_DYNAMODB}, {@code AWS_ENDPOINT_URL_SQS}, {@code AWS_LAMBDA_FUNCTION_NAME},
     * {@code TALLY_LOCAL=true}. Call after {@link #provision()} (queue URLs must exist).
     *
     * @throws IllegalArgumentException when the template has no such function
     */
    default Map<String, String> functionEnvironment(String functionLogicalId) {
        return functionEnvironment(functionLogicalId, Map.of());
    }

    /** As {@link #functionEnvironment(String)}, plus {@code extras} (which win), e.g. {@code STRIPE_WEBHOOK_SECRET}. */
    Map<String, String> functionEnvironment(String functionLogicalId, Map<String, String> extras);

    /** The URL of a queue of the template; {@link IllegalStateException} before {@link #provision()}. */
    String queueUrl(String queueLogicalId);

    /** The name of a table of the template. */
    String tableName(String tableLogicalId);

    /** The template deployed on this backend. */
    TemplateModel template();

    /** Closes the clients and stops what the backend started. Idempotent. */
    @Override
    void close();
}
