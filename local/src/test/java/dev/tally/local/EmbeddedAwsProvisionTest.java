package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.local.aws.ProvisionOptions;
import dev.tally.local.aws.TemplateStack;
import dev.tally.local.template.TemplateModel;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

class EmbeddedAwsProvisionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedAws aws;

    @BeforeAll
    static void start() {
        aws = EmbeddedAws.start();
    }

    @AfterAll
    static void stop() {
        aws.close();
    }

    private static TableDescription describe(String table) {
        return aws.dynamoDb().describeTable(r -> r.tableName(table)).table();
    }

    private static Map<QueueAttributeName, String> attributes(String queue) {
        String url = aws.sqs().getQueueUrl(r -> r.queueName(queue)).queueUrl();
        return aws.sqs().getQueueAttributes(r -> r.queueUrl(url).attributeNames(QueueAttributeName.ALL)).attributes();
    }

    @Test
    void createsTheTestTemplatesTablesAndQueuesAsDeclared() throws Exception {
        TemplateModel template = TemplateModel.load(TestPaths.testTemplate());
        Map<String, String> urls = aws.provision(template,
                new ProvisionOptions(java.util.OptionalInt.empty(), Map.of("WorkQueue", 7), true));

        TableDescription items = describe("ItemsTable");
        assertThat(items.keySchema()).singleElement().satisfies(k -> assertThat(k.attributeName()).isEqualTo("pk"));
        assertThat(items.globalSecondaryIndexes()).singleElement().satisfies(i -> {
            assertThat(i.indexName()).isEqualTo("by-kind");
            assertThat(i.projection().projectionTypeAsString()).isEqualTo("KEYS_ONLY");
        });
        assertThat(items.streamSpecification().streamEnabled()).isTrue();
        assertThat(items.streamSpecification().streamViewTypeAsString()).isEqualTo("NEW_AND_OLD_IMAGES");
        assertThat(items.latestStreamArn()).isNotBlank();
        assertThat(describe("LedgerTable").keySchema()).hasSize(2);
        assertThat(aws.dynamoDb().describeTimeToLive(r -> r.tableName("LedgerTable")).timeToLiveDescription()
                .timeToLiveStatus()).isIn(TimeToLiveStatus.ENABLED, TimeToLiveStatus.ENABLING);

        assertThat(urls).containsOnlyKeys("WorkQueue", "WorkDeadLetterQueue", "StreamFailuresQueue");
        assertThat(urls.get("WorkQueue")).isEqualTo(aws.sqsEndpoint() + "/000000000000/WorkQueue");
        Map<QueueAttributeName, String> work = attributes("WorkQueue");
        assertThat(work.get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo("7");
        JsonNode redrive = JSON.readTree(work.get(QueueAttributeName.REDRIVE_POLICY));
        assertThat(redrive.get("deadLetterTargetArn").asText())
                .isEqualTo(attributes("WorkDeadLetterQueue").get(QueueAttributeName.QUEUE_ARN))
                .isEqualTo("arn:aws:sqs:us-east-1:000000000000:WorkDeadLetterQueue");
        assertThat(redrive.get("maxReceiveCount").asInt()).isEqualTo(2);
    }

    @Test
    void createsEveryTableAndQueueOfTheRepositoryTemplateIdempotently() {
        TemplateModel template = TemplateModel.load(TestPaths.repoTemplate());
        aws.provision(template);
        aws.provision(template); // again: nothing fails, nothing changes

        for (String table : template.tables().keySet()) {
            assertThat(describe(table).tableStatusAsString()).as(table).isEqualTo("ACTIVE");
        }
        // stripe-sync reacts to a header that turns from draft to open: the filter reads both images
        assertThat(describe("InvoicesTable").streamSpecification().streamViewTypeAsString()).isEqualTo("NEW_AND_OLD_IMAGES");
        assertThat(describe("InvoicesTable").globalSecondaryIndexes()).hasSize(2);
        assertThat(describe("InvoiceLinesTable").keySchema()).hasSize(2);
        assertThat(describe("SubscriptionsTable").globalSecondaryIndexes()).hasSize(2);
        for (String queue : template.queues().keySet()) {
            assertThat(attributes(queue)).as(queue).containsKey(QueueAttributeName.QUEUE_ARN);
        }
        assertThat(attributes("UsageQueue").get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo("180");
        assertThat(attributes("InvoiceJobsQueue").get(QueueAttributeName.REDRIVE_POLICY))
                .contains("InvoiceJobsDeadLetterQueue");
    }

    @Test
    void buildsFunctionEnvironmentsForTheRepositoryTemplate() {
        TemplateModel template = TemplateModel.load(TestPaths.repoTemplate());
        aws.provision(template);
        try (TemplateStack stack = new TemplateStack(template, aws.connection(), Map.of())) {
            Map<String, String> env = stack.functionEnvironment("BillingRunFunction", Map.of("EXTRA", "1"));
            assertThat(env)
                    .containsEntry("INVOICE_JOBS_QUEUE_URL", aws.sqsEndpoint() + "/000000000000/InvoiceJobsQueue")
                    .containsEntry("BILLING_GRACE_PERIOD_SECONDS", "3600")
                    .containsEntry("SUBSCRIPTIONS_TABLE", "SubscriptionsTable")
                    .containsEntry("POWERTOOLS_SERVICE_NAME", "tally")
                    .containsEntry("AWS_REGION", "us-east-1")
                    .containsEntry("AWS_ENDPOINT_URL_DYNAMODB", aws.dynamoDbEndpoint().toString())
                    .containsEntry("AWS_ENDPOINT_URL_SQS", aws.sqsEndpoint().toString())
                    .containsEntry("AWS_LAMBDA_FUNCTION_NAME", "BillingRunFunction")
                    .containsEntry("TALLY_LOCAL", "true")
                    .containsEntry("EXTRA", "1")
                    .containsKeys("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
            assertThat(stack.functionEnvironment("BillingAlertsFunction", Map.of()))
                    .containsEntry("EVENT_BUS_NAME", "tally-billing")
                    .containsEntry("USAGE_ALERT_THRESHOLDS", "0.5,0.8,1.0");
            assertThat(stack.functionEnvironment("StripeWebhookFunction", Map.of()))
                    .containsEntry("STRIPE_WEBHOOK_SECRET_ARN", "");
        }
    }
}
