package dev.tally.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.local.template.FunctionEvent;
import dev.tally.local.template.FunctionResource;
import dev.tally.local.template.TemplateModel;
import org.junit.jupiter.api.Test;

class TemplateModelTest {

    @Test
    void readsTheRepositoryTemplate() {
        TemplateModel t = TemplateModel.load(TestPaths.repoTemplate());

        assertThat(t.tables()).containsKeys("AccountsTable", "SubscriptionsTable", "UsageEventsTable", "UsageBucketsTable",
                "CreditsTable", "InvoicesTable");
        assertThat(t.table("UsageBucketsTable").streamViewType()).contains("NEW_AND_OLD_IMAGES");
        assertThat(t.table("UsageEventsTable").streamViewType()).contains("NEW_IMAGE");
        assertThat(t.table("UsageBucketsTable").timeToLiveAttribute()).contains("expiresAt");
        assertThat(t.table("WebhookEventsTable").timeToLiveAttribute()).contains("expiresAt");
        assertThat(t.table("SubscriptionsTable").globalSecondaryIndexes())
                .extracting(i -> i.indexName()).containsExactly("by-account", "by-period-end");
        assertThat(t.queue("UsageQueue").redrivePolicy()).hasValueSatisfying(r -> {
            assertThat(r.deadLetterQueueLogicalId()).isEqualTo("UsageDeadLetterQueue");
            assertThat(r.maxReceiveCount()).isEqualTo(5);
        });
        assertThat(t.parameters().get("BillingGracePeriodSeconds").defaultValue()).contains("3600");

        FunctionResource ingest = t.function("UsageIngestFunction");
        assertThat(ingest.handlerClass()).isEqualTo("dev.tally.ingest.UsageIngestHandler");
        assertThat(ingest.handlerMethod()).isEqualTo("handleRequest");
        assertThat(ingest.timeoutSeconds()).isEqualTo(30);
        assertThat(ingest.environment()).containsKeys("ACCOUNTS_TABLE", "POWERTOOLS_SERVICE_NAME");
        assertThat(ingest.events(FunctionEvent.Sqs.class)).singleElement().satisfies(e -> {
            assertThat(e.queueLogicalId()).isEqualTo("UsageQueue");
            assertThat(e.batchSize()).isEqualTo(100);
            assertThat(e.maximumBatchingWindowSeconds()).isEqualTo(1);
            assertThat(e.reportBatchItemFailures()).isTrue();
        });
        assertThat(t.function("StripeSyncFunction").events(FunctionEvent.DynamoDb.class)).singleElement()
                .satisfies(e -> {
                    assertThat(e.tableLogicalId()).isEqualTo("InvoicesTable");
                    assertThat(e.maximumRetryAttempts()).isEqualTo(5);
                    assertThat(e.filters()).hasSize(1);
                    assertThat(e.onFailureQueueLogicalId()).contains("StreamFailuresQueue");
                });
        assertThat(t.function("BillingAlertsFunction").events(FunctionEvent.DynamoDb.class)).hasSize(2);
        assertThat(t.function("StripeWebhookFunction").events(FunctionEvent.HttpApi.class)).singleElement()
                .satisfies(e -> assertThat(e.routeKey()).isEqualTo("POST /webhooks/stripe"));
        assertThat(t.function("BillingRunFunction").events(FunctionEvent.Schedule.class)).singleElement()
                .satisfies(e -> {
                    assertThat(e.scheduleExpression()).isEqualTo("cron(5 * * * ? *)");
                    assertThat(e.maximumRetryAttempts()).isEqualTo(2);
                });
    }

    @Test
    void rejectsAnUnsupportedResourceTypeNamingIt() {
        String yaml = """
                Resources:
                  Topic:
                    Type: AWS::Kinesis::Stream
                """;
        assertThatThrownBy(() -> TemplateModel.parse(yaml, "t.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Topic: resource type AWS::Kinesis::Stream is not supported");
    }

    @Test
    void rejectsAnUnsupportedEventTypeNamingTheFunction() {
        String yaml = """
                Resources:
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      Events:
                        Api:
                          Type: Api
                """;
        assertThatThrownBy(() -> TemplateModel.parse(yaml, "t.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Fn Events.Api: event type Api is not supported");
    }

    @Test
    void rejectsAnUnsupportedFilterOperatorWhenRead() {
        String yaml = """
                Resources:
                  T:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
                      KeySchema: [{AttributeName: pk, KeyType: HASH}]
                      StreamSpecification: {StreamViewType: NEW_IMAGE}
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      Events:
                        S:
                          Type: DynamoDB
                          Properties:
                            Stream: {"Fn::GetAtt": [T, StreamArn]}
                            StartingPosition: TRIM_HORIZON
                            FilterCriteria:
                              Filters:
                                - Pattern: '{"dynamodb": {"NewImage": {"n": {"N": [{"numeric": [">", 1]}]}}}}'
                """;
        assertThatThrownBy(() -> TemplateModel.parse(yaml, "t.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Fn Events.S")
                .hasMessageContaining("numeric is not supported");
    }

    @Test
    void rejectsAStreamEventOnATableWithoutStream() {
        String yaml = """
                Resources:
                  T:
                    Type: AWS::DynamoDB::Table
                    Properties:
                      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
                      KeySchema: [{AttributeName: pk, KeyType: HASH}]
                  Fn:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: a.B::handleRequest
                      Events:
                        S:
                          Type: DynamoDB
                          Properties:
                            Stream: {"Fn::GetAtt": [T, StreamArn]}
                            StartingPosition: TRIM_HORIZON
                """;
        assertThatThrownBy(() -> TemplateModel.parse(yaml, "t.yaml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("table T has no StreamSpecification");
    }
}
