package dev.tally.cli.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.tally.aws.AwsClients;
import dev.tally.config.Env;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.util.Map;

/**
 * The cold start floor: a handler that builds one DynamoDB client the way Tally's handlers do
 * ({@link AwsClients#configure}: explicit region, credentials provider and url-connection HTTP client) and makes one
 * call per invocation. What no function can start faster than with the same SDK; {@code tally bench coldstart}
 * runs it beside the functions.
 */
public final class FloorHandler implements RequestHandler<Map<String, Object>, String> {
    private final DynamoDbClient dynamoDb;

    /** Lambda's entry point: configuration from the process environment. */
    public FloorHandler() {
        dynamoDb = AwsClients.configure(DynamoDbClient.builder(), Env.of(System.getenv()), "DYNAMODB").build();
    }

    /** @return the name of the first table, or "" when there is none */
    @Override
    public String handleRequest(Map<String, Object> event, Context context) {
        return dynamoDb.listTables(r -> r.limit(1)).tableNames().stream().findFirst().orElse("");
    }
}
