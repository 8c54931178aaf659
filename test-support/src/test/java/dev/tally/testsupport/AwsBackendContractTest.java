package dev.tally.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The pattern the functions' integration tests follow: one abstract test class, run once per backend by a subclass
 * that only says which backend. This one checks what every backend must provide.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AwsBackendContractTest {

    /** The backend to run against, usually a static field of the subclass. */
    protected abstract AwsBackend backend();

    @BeforeAll
    void provision() {
        backend().provision();
    }

    @AfterAll
    void close() {
        backend().close();
    }

    @Test
    void tablesOfTheTemplateExistAndWork() {
        String table = backend().tableName("AccountsTable");
        assertThat(backend().dynamoDb().describeTable(r -> r.tableName(table)).table().tableStatusAsString())
                .isEqualTo("ACTIVE");
        backend().dynamoDb().putItem(r -> r.tableName(table).item(Map.of(
                "accountId", AttributeValue.fromS("acct_contract"),
                "stripeCustomerId", AttributeValue.fromS("cus_contract"))));
        assertThat(backend().dynamoDb().getItem(r -> r.tableName(table)
                .key(Map.of("accountId", AttributeValue.fromS("acct_contract")))).item())
                .containsEntry("stripeCustomerId", AttributeValue.fromS("cus_contract"));
        for (String id : backend().template().tables().keySet()) {
            String name = backend().tableName(id);
            assertThat(backend().dynamoDb().describeTable(r -> r.tableName(name)).table().tableName()).isEqualTo(id);
        }
    }

    @Test
    void queuesOfTheTemplateExistWithTheirRedrivePolicy() {
        String url = backend().queueUrl("UsageQueue");
        backend().sqs().sendMessage(r -> r.queueUrl(url).messageBody("{\"contract\":true}"));
        assertThat(backend().sqs().receiveMessage(r -> r.queueUrl(url).waitTimeSeconds(5)).messages())
                .singleElement().satisfies(m -> assertThat(m.body()).isEqualTo("{\"contract\":true}"));
        assertThat(backend().sqs().getQueueAttributes(r -> r.queueUrl(url)
                .attributeNames(QueueAttributeName.REDRIVE_POLICY)).attributes().get(QueueAttributeName.REDRIVE_POLICY))
                .contains("UsageDeadLetterQueue");
        for (String id : backend().template().queues().keySet()) {
            assertThat(backend().queueUrl(id)).endsWith("/" + id);
        }
    }

    @Test
    void functionEnvironmentsPointAtThisBackend() {
        Map<String, String> env = backend().functionEnvironment("BillingRunFunction", Map.of("EXTRA", "x"));
        assertThat(env)
                .containsEntry("INVOICE_JOBS_QUEUE_URL", backend().queueUrl("InvoiceJobsQueue"))
                .containsEntry("SUBSCRIPTIONS_TABLE", backend().tableName("SubscriptionsTable"))
                .containsEntry("AWS_ENDPOINT_URL_DYNAMODB", backend().dynamoDbEndpoint().toString())
                .containsEntry("AWS_ENDPOINT_URL_SQS", backend().sqsEndpoint().toString())
                .containsEntry("AWS_REGION", backend().region().id())
                .containsEntry("AWS_ACCESS_KEY_ID", backend().credentialsProvider().resolveCredentials().accessKeyId())
                .containsEntry("TALLY_LOCAL", "true")
                .containsEntry("EXTRA", "x");
    }
}
