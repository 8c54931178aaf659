package dev.tally.local.aws;

import dev.tally.local.template.ResourceLocator;
import dev.tally.local.template.TemplateModel;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * A {@link ResourceLocator} that asks the endpoints: names follow the local rule (logical id), URLs and ARNs come
 * from {@code GetQueueUrl}, {@code GetQueueAttributes} and {@code DescribeTable} and are cached once found (a table's
 * stream ARN is not cached, since re-creating a table changes it). Throws {@link IllegalStateException} naming the
 * resource when it does not exist, {@link IllegalArgumentException} when the logical id is not a table or queue of
 * the template. Thread-safe.
 */
public final class AwsResourceLocator implements ResourceLocator {
    private final TemplateModel template;
    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;
    private final Map<String, String> queueUrls = new ConcurrentHashMap<>();
    private final Map<String, String> queueArns = new ConcurrentHashMap<>();
    private final Map<String, String> tableArns = new ConcurrentHashMap<>();

    /**
     * A locator over these clients.
     *
     * @param template the template whose logical ids are looked up
     * @param dynamoDb a client for the DynamoDB endpoint (not closed here)
     * @param sqs a client for the SQS endpoint (not closed here)
     */
    public AwsResourceLocator(TemplateModel template, DynamoDbClient dynamoDb, SqsClient sqs) {
        this.template = Objects.requireNonNull(template, "template");
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.sqs = Objects.requireNonNull(sqs, "sqs");
    }

    @Override
    public String tableName(String tableLogicalId) {
        return template.table(tableLogicalId).logicalId();
    }

    @Override
    public String tableArn(String tableLogicalId) {
        return cached(tableArns, tableLogicalId, id -> describe(id).tableArn());
    }

    @Override
    public String tableStreamArn(String tableLogicalId) {
        String arn = describe(tableLogicalId).latestStreamArn();
        if (arn == null) {
            throw new IllegalStateException("table " + tableLogicalId + " has no stream");
        }
        return arn;
    }

    @Override
    public String queueName(String queueLogicalId) {
        return template.queue(queueLogicalId).logicalId();
    }

    @Override
    public String queueUrl(String queueLogicalId) {
        return cached(queueUrls, queueLogicalId, id -> {
            String name = queueName(id);
            try {
                return sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
            } catch (QueueDoesNotExistException e) {
                throw new IllegalStateException("queue " + name + " does not exist (not provisioned yet?)", e);
            }
        });
    }

    @Override
    public String queueArn(String queueLogicalId) {
        return cached(queueArns, queueLogicalId, id -> {
            String url = queueUrl(id);
            return sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN);
        });
    }

    private TableDescription describe(String tableLogicalId) {
        String name = tableName(tableLogicalId);
        try {
            return dynamoDb.describeTable(r -> r.tableName(name)).table();
        } catch (ResourceNotFoundException e) {
            throw new IllegalStateException("table " + name + " does not exist (not provisioned yet?)", e);
        }
    }

    /** Like computeIfAbsent, but without holding the map's lock during the remote call. */
    private static String cached(Map<String, String> cache, String key, Function<String, String> lookup) {
        String value = cache.get(key);
        if (value == null) {
            value = lookup.apply(key);
            cache.put(key, value);
        }
        return value;
    }
}
