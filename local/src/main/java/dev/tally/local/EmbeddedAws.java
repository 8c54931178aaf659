package dev.tally.local;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import dev.tally.local.aws.AwsClientOwner;
import dev.tally.local.aws.AwsConnection;
import dev.tally.local.aws.ProvisionOptions;
import dev.tally.local.aws.TemplateProvisioner;
import dev.tally.local.template.IntrinsicResolver;
import dev.tally.local.template.TemplateModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * DynamoDB Local (in memory, shared database, streams supported) and ElasticMQ (SQS) running in this JVM, on
 * localhost, with region {@value #REGION}, account {@value #ACCOUNT_ID} and static dummy credentials.
 *
 * <p>Start with {@link #start(int, int)} (0 picks a free port), {@link #provision(TemplateModel)} to create the
 * template's tables and queues, use {@link #dynamoDb()}/{@link #sqs()} or any SDK/CLI pointed at the endpoints,
 * {@link #close()} to stop both servers. Starting takes about 3 s. Thread-safe.
 */
public final class EmbeddedAws extends AwsClientOwner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedAws.class);

    /** The region the emulators report and clients use. */
    public static final String REGION = IntrinsicResolver.REGION;
    /** The account id in queue URLs and ARNs. */
    public static final String ACCOUNT_ID = IntrinsicResolver.ACCOUNT_ID;
    /** The dummy access key id (any value is accepted by the emulators). */
    public static final String ACCESS_KEY_ID = "local";
    /** The dummy secret access key. */
    public static final String SECRET_ACCESS_KEY = "local";

    private final DynamoDBProxyServer dynamoDbServer;
    private final SQSRestServer sqsServer;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedAws(DynamoDBProxyServer dynamoDbServer, SQSRestServer sqsServer, AwsConnection connection) {
        super(connection);
        this.dynamoDbServer = dynamoDbServer;
        this.sqsServer = sqsServer;
    }

    /** Starts both emulators on free ports. */
    public static EmbeddedAws start() {
        return start(0, 0);
    }

    /**
     * Starts both emulators.
     *
     * @param dynamoDbPort the DynamoDB Local port (e.g. 8000), 0 for a free one
     * @param sqsPort the ElasticMQ port (e.g. 9324), 0 for a free one
     * @throws IllegalStateException when a server cannot start (port in use, ...); nothing is left running
     */
    public static EmbeddedAws start(int dynamoDbPort, int sqsPort) {
        checkPort(dynamoDbPort);
        checkPort(sqsPort);
        int ddbPort = dynamoDbPort == 0 ? freePort() : dynamoDbPort;
        DynamoDBProxyServer ddb;
        try {
            ddb = ServerRunner.createServerFromCommandLineArgs(new String[] {
                "-inMemory", "-sharedDb", "-port", Integer.toString(ddbPort), "-disableTelemetry"});
            ddb.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start DynamoDB Local on port " + ddbPort + ": " + e.getMessage(), e);
        }
        SQSRestServer sqsServer;
        int boundSqsPort;
        try {
            var builder = SQSRestServerBuilder.withInterface("localhost")
                    .withAWSRegion(REGION)
                    .withAWSAccountId(ACCOUNT_ID);
            builder = sqsPort == 0 ? builder.withDynamicPort() : builder.withPort(sqsPort);
            sqsServer = builder.start();
            boundSqsPort = sqsServer.waitUntilStarted().localAddress().getPort();
        } catch (RuntimeException e) {
            stopQuietly(ddb);
            throw new IllegalStateException("cannot start ElasticMQ on port " + sqsPort + ": " + e.getMessage(), e);
        }
        AwsConnection connection = new AwsConnection(
                URI.create("http://localhost:" + ddbPort),
                URI.create("http://localhost:" + boundSqsPort),
                REGION, ACCESS_KEY_ID, SECRET_ACCESS_KEY);
        LOG.info("DynamoDB Local at {}, ElasticMQ at {}", connection.dynamoDbEndpoint(), connection.sqsEndpoint());
        return new EmbeddedAws(ddb, sqsServer, connection);
    }

    /** DynamoDB Local's endpoint, e.g. {@code http://localhost:8000} (DynamoDB Streams too). */
    public URI dynamoDbEndpoint() {
        return connection().dynamoDbEndpoint();
    }

    /** ElasticMQ's endpoint, e.g. {@code http://localhost:9324}. */
    public URI sqsEndpoint() {
        return connection().sqsEndpoint();
    }

    /** {@value #REGION}. */
    public Region region() {
        return connection().awsRegion();
    }

    /** Static dummy credentials. */
    public AwsCredentialsProvider credentialsProvider() {
        return connection().credentialsProvider();
    }

    /**
     * Creates every table and queue of the template as written (idempotent).
     *
     * @return the queue URLs by logical id
     */
    public Map<String, String> provision(TemplateModel template) {
        return provision(template, ProvisionOptions.defaults());
    }

    /**
     * Creates every table and queue of the template (idempotent); see {@link TemplateProvisioner}.
     *
     * @return the queue URLs by logical id
     */
    public Map<String, String> provision(TemplateModel template, ProvisionOptions options) {
        return new TemplateProvisioner(dynamoDb(), sqs()).provision(template, options);
    }

    /** Closes the clients and stops both emulators (their data is lost). Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeClients();
        try {
            sqsServer.stopAndWait();
        } catch (RuntimeException e) {
            LOG.warn("stopping ElasticMQ failed: {}", e.toString());
        }
        stopQuietly(dynamoDbServer);
        LOG.info("embedded DynamoDB Local and ElasticMQ stopped");
    }

    private static void stopQuietly(DynamoDBProxyServer server) {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("stopping DynamoDB Local failed: {}", e.toString());
        }
    }

    private static void checkPort(int port) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0..65535, found " + port);
        }
    }

    /** A port free right now on localhost (another process could take it before it is used). */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }
}
