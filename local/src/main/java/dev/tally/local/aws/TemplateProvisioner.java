package dev.tally.local.aws;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.local.template.QueueResource;
import dev.tally.local.template.TableResource;
import dev.tally.local.template.TemplateModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.waiters.WaiterOverrideConfiguration;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.LocalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.StreamSpecification;
import software.amazon.awssdk.services.dynamodb.waiters.DynamoDbWaiter;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueNameExistsException;

/**
 * Creates a template's DynamoDB tables and SQS queues through any DynamoDB and SQS endpoint (DynamoDB Local and
 * ElasticMQ, LocalStack, ...), using the local naming rule: a table's and a queue's name is its logical id.
 *
 * <p>Tables get their attribute definitions, key schema, global and local secondary indexes and stream; the
 * template's TTL is enabled when {@link ProvisionOptions#timeToLive()} (a failure there only logs a warning).
 * Queues are created dead-letter queues first, with {@code VisibilityTimeout} (possibly overridden),
 * {@code MessageRetentionPeriod}, {@code DelaySeconds}, {@code ReceiveMessageWaitTimeSeconds},
 * {@code MaximumMessageSize} and a {@code RedrivePolicy} JSON that carries the dead-letter queue's ARN as the
 * endpoint reports it. {@code SqsManagedSseEnabled}, point-in-time recovery and SSE have no local effect and are not
 * sent.
 *
 * <p>Idempotent: an existing table is left as it is; an existing queue gets its attributes set again. SDK errors
 * propagate as the SDK's runtime exceptions. Not thread-safe for concurrent calls on the same endpoint.
 */
public final class TemplateProvisioner {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateProvisioner.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DynamoDbClient dynamoDb;
    private final SqsClient sqs;

    /**
     * A provisioner working through these clients.
     *
     * @param dynamoDb a client for the DynamoDB endpoint (not closed by this class)
     * @param sqs a client for the SQS endpoint (not closed by this class)
     */
    public TemplateProvisioner(DynamoDbClient dynamoDb, SqsClient sqs) {
        this.dynamoDb = Objects.requireNonNull(dynamoDb, "dynamoDb");
        this.sqs = Objects.requireNonNull(sqs, "sqs");
    }

    /**
     * Creates every table and queue of the template.
     *
     * @return the queue URLs by logical id
     */
    public Map<String, String> provision(TemplateModel template, ProvisionOptions options) {
        for (TableResource table : template.tables().values()) {
            createTable(table, options.timeToLive());
        }
        Map<String, String> urls = new LinkedHashMap<>();
        Map<String, String> arns = new LinkedHashMap<>();
        for (String id : queueCreationOrder(template)) {
            String url = createQueue(template.queue(id), options, arns);
            urls.put(id, url);
            arns.put(id, sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.QUEUE_ARN))
                    .attributes().get(QueueAttributeName.QUEUE_ARN));
        }
        LOG.info("provisioned {} tables and {} queues from {}", template.tables().size(), urls.size(),
                template.source());
        return urls;
    }

    /**
     * Creates one table (named by its logical id) unless it exists, and waits until it is active.
     *
     * @param timeToLive whether to enable the table's TTL attribute, if it has one
     */
    public void createTable(TableResource table, boolean timeToLive) {
        String name = table.logicalId();
        boolean payPerRequest = table.billingMode().equals("PAY_PER_REQUEST");
        ProvisionedThroughput throughput = ProvisionedThroughput.builder()
                .readCapacityUnits(5L).writeCapacityUnits(5L).build();
        CreateTableRequest.Builder request = CreateTableRequest.builder()
                .tableName(name)
                .attributeDefinitions(table.attributeDefinitions().stream()
                        .map(a -> AttributeDefinition.builder()
                                .attributeName(a.attributeName()).attributeType(a.attributeType()).build())
                        .toList())
                .keySchema(keySchema(table.keySchema()));
        if (payPerRequest) {
            request.billingMode(BillingMode.PAY_PER_REQUEST);
        } else {
            request.billingMode(BillingMode.PROVISIONED).provisionedThroughput(throughput);
        }
        if (!table.globalSecondaryIndexes().isEmpty()) {
            request.globalSecondaryIndexes(table.globalSecondaryIndexes().stream().map(i -> {
                GlobalSecondaryIndex.Builder gsi = GlobalSecondaryIndex.builder()
                        .indexName(i.indexName())
                        .keySchema(keySchema(i.keySchema()))
                        .projection(projection(i));
                if (!payPerRequest) {
                    gsi.provisionedThroughput(throughput);
                }
                return gsi.build();
            }).toList());
        }
        if (!table.localSecondaryIndexes().isEmpty()) {
            request.localSecondaryIndexes(table.localSecondaryIndexes().stream()
                    .map(i -> LocalSecondaryIndex.builder()
                            .indexName(i.indexName())
                            .keySchema(keySchema(i.keySchema()))
                            .projection(projection(i))
                            .build())
                    .toList());
        }
        table.streamViewType().ifPresent(view -> request.streamSpecification(
                StreamSpecification.builder().streamEnabled(true).streamViewType(view).build()));
        try {
            dynamoDb.createTable(request.build());
            LOG.debug("created table {}", name);
        } catch (ResourceInUseException e) {
            LOG.debug("table {} exists", name);
        }
        try (DynamoDbWaiter waiter = DynamoDbWaiter.builder()
                .client(dynamoDb)
                .overrideConfiguration(WaiterOverrideConfiguration.builder()
                        .maxAttempts(150)
                        .backoffStrategyV2(BackoffStrategy.fixedDelay(Duration.ofMillis(200)))
                        .build())
                .build()) {
            waiter.waitUntilTableExists(r -> r.tableName(name));
        }
        if (timeToLive && table.timeToLiveAttribute().isPresent()) {
            String attribute = table.timeToLiveAttribute().get();
            try {
                dynamoDb.updateTimeToLive(r -> r.tableName(name)
                        .timeToLiveSpecification(s -> s.attributeName(attribute).enabled(true)));
            } catch (DynamoDbException e) {
                String message = String.valueOf(e.getMessage());
                if (!message.contains("already enabled")) {
                    LOG.warn("table {}: could not enable TTL on {}: {}", name, attribute, message);
                }
            }
        }
    }

    /**
     * Creates one queue (named by its logical id), or sets the attributes of the existing one.
     *
     * @param queueArns the ARNs of queues created so far, by logical id; must hold the queue's dead-letter queue
     * @return the queue URL
     * @throws IllegalStateException when the dead-letter queue has not been created yet
     */
    public String createQueue(QueueResource queue, ProvisionOptions options, Map<String, String> queueArns) {
        Map<QueueAttributeName, String> attributes = new LinkedHashMap<>();
        options.visibilityTimeoutFor(queue.logicalId()).ifPresentOrElse(
                v -> attributes.put(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(v)),
                () -> queue.visibilityTimeoutSeconds().ifPresent(
                        v -> attributes.put(QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(v))));
        queue.messageRetentionPeriodSeconds().ifPresent(
                v -> attributes.put(QueueAttributeName.MESSAGE_RETENTION_PERIOD, Integer.toString(v)));
        queue.delaySeconds().ifPresent(v -> attributes.put(QueueAttributeName.DELAY_SECONDS, Integer.toString(v)));
        queue.receiveMessageWaitTimeSeconds().ifPresent(
                v -> attributes.put(QueueAttributeName.RECEIVE_MESSAGE_WAIT_TIME_SECONDS, Integer.toString(v)));
        queue.maximumMessageSize().ifPresent(
                v -> attributes.put(QueueAttributeName.MAXIMUM_MESSAGE_SIZE, Integer.toString(v)));
        queue.redrivePolicy().ifPresent(r -> {
            String dlqArn = queueArns.get(r.deadLetterQueueLogicalId());
            if (dlqArn == null) {
                throw new IllegalStateException(queue.logicalId() + ": dead-letter queue "
                        + r.deadLetterQueueLogicalId() + " must be created first");
            }
            ObjectNode policy = JSON.createObjectNode()
                    .put("deadLetterTargetArn", dlqArn)
                    .put("maxReceiveCount", r.maxReceiveCount());
            attributes.put(QueueAttributeName.REDRIVE_POLICY, policy.toString());
        });
        String name = queue.logicalId();
        try {
            String url = sqs.createQueue(r -> r.queueName(name).attributes(attributes)).queueUrl();
            LOG.debug("created queue {} at {}", name, url);
            return url;
        } catch (QueueNameExistsException e) {
            String url = sqs.getQueueUrl(r -> r.queueName(name)).queueUrl();
            if (!attributes.isEmpty()) {
                sqs.setQueueAttributes(r -> r.queueUrl(url).attributes(attributes));
            }
            LOG.debug("queue {} exists at {}; attributes set again", name, url);
            return url;
        }
    }

    /** The template's queues ordered so that every dead-letter queue comes before the queues that use it. */
    static List<String> queueCreationOrder(TemplateModel template) {
        Set<String> ordered = new LinkedHashSet<>();
        for (String id : template.queues().keySet()) {
            visit(template, id, ordered, new HashSet<>());
        }
        return new ArrayList<>(ordered);
    }

    private static void visit(TemplateModel template, String id, Set<String> ordered, Set<String> path) {
        if (ordered.contains(id)) {
            return;
        }
        if (!path.add(id)) {
            throw new IllegalArgumentException(id + ": RedrivePolicy forms a cycle through " + path);
        }
        template.queue(id).redrivePolicy().ifPresent(r -> visit(template, r.deadLetterQueueLogicalId(), ordered, path));
        ordered.add(id);
    }

    private static List<KeySchemaElement> keySchema(List<TableResource.KeyElement> key) {
        return key.stream()
                .map(k -> KeySchemaElement.builder().attributeName(k.attributeName()).keyType(k.keyType()).build())
                .toList();
    }

    private static Projection projection(TableResource.SecondaryIndex index) {
        Projection.Builder p = Projection.builder().projectionType(index.projectionType());
        if (!index.nonKeyAttributes().isEmpty()) {
            p.nonKeyAttributes(index.nonKeyAttributes());
        }
        return p.build();
    }
}
