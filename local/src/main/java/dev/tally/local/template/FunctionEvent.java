package dev.tally.local.template;

import java.util.List;
import java.util.Optional;

/**
 * One entry of an {@code AWS::Serverless::Function}'s {@code Events}: the event sources the local runtime wires to
 * the function. Only the four types below are supported; any other {@code Type} is rejected when the template is
 * read.
 */
public sealed interface FunctionEvent {

    /** The event's key under {@code Events}, e.g. {@code Usage}. */
    String name();

    /**
     * {@code Type: SQS}: an event source mapping from a queue.
     *
     * @param name the event's key
     * @param queueLogicalId the queue named by {@code Queue: Fn::GetAtt [Queue, Arn]}
     * @param batchSize {@code BatchSize}, 1 to 10,000 (default 10)
     * @param maximumBatchingWindowSeconds {@code MaximumBatchingWindowInSeconds} (default 0)
     * @param reportBatchItemFailures whether {@code FunctionResponseTypes} holds {@code ReportBatchItemFailures}
     * @param enabled {@code Enabled} (default true)
     */
    record Sqs(String name, String queueLogicalId, int batchSize, int maximumBatchingWindowSeconds,
               boolean reportBatchItemFailures, boolean enabled) implements FunctionEvent {
    }

    /**
     * {@code Type: DynamoDB}: an event source mapping from a table's stream.
     *
     * @param name the event's key
     * @param tableLogicalId the table named by {@code Stream: Fn::GetAtt [Table, StreamArn]}
     * @param startingPosition {@code TRIM_HORIZON} or {@code LATEST}
     * @param batchSize {@code BatchSize}, 1 to 10,000 (default 100)
     * @param maximumRetryAttempts {@code MaximumRetryAttempts}; -1 (the default) retries until the record expires
     * @param reportBatchItemFailures whether {@code FunctionResponseTypes} holds {@code ReportBatchItemFailures}
     * @param filters the parsed {@code FilterCriteria.Filters[].Pattern}s; a record is delivered when it matches
     *     any of them, or always when there are none
     * @param onFailureQueueLogicalId the queue of {@code DestinationConfig.OnFailure.Destination}
     * @param enabled {@code Enabled} (default true)
     */
    record DynamoDb(String name, String tableLogicalId, String startingPosition, int batchSize,
                    int maximumRetryAttempts, boolean reportBatchItemFailures, List<EventPattern> filters,
                    Optional<String> onFailureQueueLogicalId, boolean enabled) implements FunctionEvent {
    }

    /**
     * {@code Type: HttpApi}: a route of the implicit HTTP API (payload format 2.0).
     *
     * @param name the event's key
     * @param path the route path, e.g. {@code /webhooks/stripe}; may hold {@code {param}} and {@code {proxy+}}
     *     segments; {@code $default} when the event has no {@code Path}
     * @param method the upper-case method, or {@code ANY}
     */
    record HttpApi(String name, String path, String method) implements FunctionEvent {
        /** The route key as API Gateway writes it, e.g. {@code POST /webhooks/stripe}, or {@code $default}. */
        public String routeKey() {
            return "$default".equals(path) ? "$default" : method + " " + path;
        }
    }

    /**
     * {@code Type: ScheduleV2}: an EventBridge Scheduler schedule.
     *
     * @param name the event's key
     * @param scheduleExpression {@code cron(...)}, {@code rate(...)} or {@code at(...)}
     * @param timezone {@code ScheduleExpressionTimezone} (default {@code UTC})
     * @param maximumRetryAttempts {@code RetryPolicy.MaximumRetryAttempts} (default 0 locally)
     * @param enabled false when {@code State} is {@code DISABLED}
     */
    record Schedule(String name, String scheduleExpression, String timezone, int maximumRetryAttempts,
                    boolean enabled) implements FunctionEvent {
    }
}
