package dev.tally.local.aws;

import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Base of the classes that own one set of SDK clients for an {@link AwsConnection} ({@link TemplateStack} and
 * {@code dev.tally.local.EmbeddedAws}), so that this bookkeeping is written once: builds a DynamoDB, an SQS and a
 * DynamoDB Streams client from the connection when constructed, hands the same clients out to every caller, and
 * closes them in {@link #closeClients()}, which the owner's {@code close()} calls. Thread-safe.
 */
public abstract class AwsClientOwner {
    private final AwsConnection connection;
    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;
    private final DynamoDbStreamsClient streams;

    /**
     * Builds the three clients.
     *
     * @param connection the endpoints, region and credentials
     */
    protected AwsClientOwner(AwsConnection connection) {
        this.connection = Objects.requireNonNull(connection, "connection");
        this.dynamoDb = connection.dynamoDbClient();
        this.sqs = connection.sqsClient();
        this.streams = connection.dynamoDbStreamsClient();
    }

    /** Endpoints, region and credentials in one value, with client factories. */
    public AwsConnection connection() {
        return connection;
    }

    /** The shared DynamoDB client for the connection (closed by the owner's {@code close()}). */
    public DynamoDbClient dynamoDb() {
        return dynamoDb;
    }

    /** The shared SQS client for the connection (closed by the owner's {@code close()}). */
    public SqsClient sqs() {
        return sqs;
    }

    /** The shared DynamoDB Streams client for the connection (closed by the owner's {@code close()}). */
    public DynamoDbStreamsClient dynamoDbStreams() {
        return streams;
    }

    /** Closes the DynamoDB Streams, SQS and DynamoDB clients, in that order. Closing again does no harm. */
    protected final void closeClients() {
        streams.close();
        sqs.close();
        dynamoDb.close();
    }
}
