package dev.tally.local.template;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * Typed view of an {@code AWS::SQS::Queue} resource. Only standard queues are supported.
 *
 * @param logicalId the resource's logical id, which is also its local queue name
 * @param visibilityTimeoutSeconds {@code VisibilityTimeout} in seconds (SQS default 30 when empty)
 * @param messageRetentionPeriodSeconds {@code MessageRetentionPeriod} in seconds
 * @param delaySeconds {@code DelaySeconds}
 * @param receiveMessageWaitTimeSeconds {@code ReceiveMessageWaitTimeSeconds}
 * @param maximumMessageSize {@code MaximumMessageSize} in bytes
 * @param redrivePolicy where messages go after too many receives
 */
public record QueueResource(
        String logicalId,
        OptionalInt visibilityTimeoutSeconds,
        OptionalInt messageRetentionPeriodSeconds,
        OptionalInt delaySeconds,
        OptionalInt receiveMessageWaitTimeSeconds,
        OptionalInt maximumMessageSize,
        Optional<RedrivePolicy> redrivePolicy) {

    /**
     * The queue's {@code RedrivePolicy}.
     *
     * @param deadLetterQueueLogicalId the logical id named by {@code deadLetterTargetArn: Fn::GetAtt [Dlq, Arn]}
     * @param maxReceiveCount receives after which SQS moves a message to the dead-letter queue
     */
    public record RedrivePolicy(String deadLetterQueueLogicalId, int maxReceiveCount) {
    }
}
