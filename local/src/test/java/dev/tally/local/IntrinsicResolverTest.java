package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.local.template.IntrinsicResolver;
import dev.tally.local.template.ResourceLocator;
import dev.tally.local.template.TemplateModel;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IntrinsicResolverTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Names resources the way the local runtime does, without any endpoint. */
    private static final ResourceLocator LOCATOR = new ResourceLocator() {
        @Override
        public String tableName(String id) {
            return id;
        }

        @Override
        public String tableArn(String id) {
            return "arn:aws:dynamodb:us-east-1:000000000000:table/" + id;
        }

        @Override
        public String tableStreamArn(String id) {
            return tableArn(id) + "/stream/1";
        }

        @Override
        public String queueName(String id) {
            return id;
        }

        @Override
        public String queueUrl(String id) {
            return "http://localhost:9324/000000000000/" + id;
        }

        @Override
        public String queueArn(String id) {
            return "arn:aws:sqs:us-east-1:000000000000:" + id;
        }
    };

    private final TemplateModel template = TemplateModel.load(TestPaths.repoTemplate());
    private final IntrinsicResolver resolver = new IntrinsicResolver(template,
            Map.of("BillingGracePeriodSeconds", "60"), LOCATOR);

    private String resolve(String json) throws Exception {
        JsonNode node = JSON.readTree(json);
        return resolver.resolve(node, "test");
    }

    @Test
    void resolvesRefsOfTablesQueuesParametersAndBuses() throws Exception {
        assertThat(resolve("{\"Ref\": \"AccountsTable\"}")).isEqualTo("AccountsTable");
        assertThat(resolve("{\"Ref\": \"InvoiceJobsQueue\"}"))
                .isEqualTo("http://localhost:9324/000000000000/InvoiceJobsQueue");
        assertThat(resolve("{\"Ref\": \"BillingGracePeriodSeconds\"}")).isEqualTo("60");
        assertThat(resolve("{\"Ref\": \"UsageAlertThresholds\"}")).isEqualTo("0.5,0.8,1.0");
        assertThat(resolve("{\"Ref\": \"StripeWebhookSecretArn\"}")).isEmpty();
        assertThat(resolve("{\"Ref\": \"BillingEventBus\"}")).isEqualTo("tally-billing");
        assertThat(resolve("{\"Ref\": \"AWS::NoValue\"}")).isNull();
        assertThat(resolve("\"literal\"")).isEqualTo("literal");
        assertThat(resolve("3600")).isEqualTo("3600");
    }

    @Test
    void resolvesGetAttAndSub() throws Exception {
        assertThat(resolve("{\"Fn::GetAtt\": [\"StreamFailuresQueue\", \"QueueName\"]}"))
                .isEqualTo("StreamFailuresQueue");
        assertThat(resolve("{\"Fn::GetAtt\": [\"UsageQueue\", \"Arn\"]}"))
                .isEqualTo("arn:aws:sqs:us-east-1:000000000000:UsageQueue");
        assertThat(resolve("{\"Fn::GetAtt\": [\"InvoicesTable\", \"StreamArn\"]}")).endsWith("InvoicesTable/stream/1");
        assertThat(resolve("{\"Fn::GetAtt\": [\"BillingEventBus\", \"Arn\"]}"))
                .isEqualTo("arn:aws:events:us-east-1:000000000000:event-bus/tally-billing");
        assertThat(resolve("{\"Fn::Sub\": \"${AWS::StackName}/${AWS::Region}/${AWS::AccountId}/${AccountsTable}/"
                + "${UsageQueue.QueueName}/${!Literal}\"}"))
                .isEqualTo("tally/us-east-1/000000000000/AccountsTable/UsageQueue/${Literal}");
        assertThat(resolve("{\"Fn::Sub\": [\"${A}-${AWS::Region}\", {\"A\": {\"Ref\": \"AlertsTable\"}}]}"))
                .isEqualTo("AlertsTable-us-east-1");
    }

    @Test
    void rejectsWhatItCannotResolveNamingWhere() {
        assertThatThrownBy(() -> resolve("{\"Fn::Join\": [\",\", [\"a\"]]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("test: intrinsic Fn::Join is not supported");
        assertThatThrownBy(() -> resolve("{\"Ref\": \"Nope\"}"))
                .hasMessageContaining("Ref Nope names no parameter or resource");
        assertThatThrownBy(() -> resolve("{\"Fn::GetAtt\": [\"UsageQueue\", \"Color\"]}"))
                .hasMessageContaining("Fn::GetAtt [UsageQueue, Color] is not supported");
        assertThatThrownBy(() -> new IntrinsicResolver(template, Map.of("Nope", "1"), LOCATOR))
                .hasMessageContaining("parameter override Nope is not a parameter");
    }
}
