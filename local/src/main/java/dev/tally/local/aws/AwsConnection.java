package dev.tally.local.aws;

import java.net.URI;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Where and how to reach a DynamoDB and an SQS endpoint that stand in for AWS (the embedded emulators, LocalStack):
 * endpoints, region and static credentials, plus factories for SDK v2 clients configured with them (URL-connection
 * HTTP client, explicit region, {@link StaticCredentialsProvider}). Each factory call builds a new client that the
 * caller must close.
 *
 * @param dynamoDbEndpoint e.g. {@code http://localhost:8000}; DynamoDB Streams is served at the same endpoint
 * @param sqsEndpoint e.g. {@code http://localhost:9324}
 * @param region e.g. {@code us-east-1}
 * @param accessKeyId a dummy access key id
 * @param secretAccessKey a dummy secret key
 */
public record AwsConnection(URI dynamoDbEndpoint, URI sqsEndpoint, String region, String accessKeyId,
                            String secretAccessKey) {

    /** Validates that no component is null. */
    public AwsConnection {
        Objects.requireNonNull(dynamoDbEndpoint, "dynamoDbEndpoint");
        Objects.requireNonNull(sqsEndpoint, "sqsEndpoint");
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(accessKeyId, "accessKeyId");
        Objects.requireNonNull(secretAccessKey, "secretAccessKey");
    }

    /** The region as an SDK {@link Region}. */
    public Region awsRegion() {
        return Region.of(region);
    }

    /** A provider of the static credentials. */
    public AwsCredentialsProvider credentialsProvider() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey));
    }

    /** A new DynamoDB client for this endpoint; the caller closes it. */
    public DynamoDbClient dynamoDbClient() {
        return DynamoDbClient.builder()
                .endpointOverride(dynamoDbEndpoint)
                .region(awsRegion())
                .credentialsProvider(credentialsProvider())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /** A new DynamoDB Streams client for the DynamoDB endpoint; the caller closes it. */
    public DynamoDbStreamsClient dynamoDbStreamsClient() {
        return DynamoDbStreamsClient.builder()
                .endpointOverride(dynamoDbEndpoint)
                .region(awsRegion())
                .credentialsProvider(credentialsProvider())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /** A new SQS client for this endpoint; the caller closes it. */
    public SqsClient sqsClient() {
        return SqsClient.builder()
                .endpointOverride(sqsEndpoint)
                .region(awsRegion())
                .credentialsProvider(credentialsProvider())
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /** Never prints the secret key. */
    @Override
    public String toString() {
        return "AwsConnection[dynamoDb=" + dynamoDbEndpoint + ", sqs=" + sqsEndpoint + ", region=" + region + "]";
    }
}
