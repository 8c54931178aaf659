package dev.tally.local.template;

/**
 * Physical names and ARNs of a template's tables and queues in one deployment (embedded emulators, LocalStack, ...).
 * Used by {@link IntrinsicResolver} to answer {@code Ref} and {@code Fn::GetAtt}. Implementations throw
 * {@link IllegalStateException} when a resource does not exist (not provisioned yet) and
 * {@link IllegalArgumentException} when the logical id is not a resource of that kind.
 */
public interface ResourceLocator {

    /** The physical table name of a table's logical id. */
    String tableName(String tableLogicalId);

    /** The table's ARN. */
    String tableArn(String tableLogicalId);

    /** The ARN of the table's latest stream ({@code Fn::GetAtt [Table, StreamArn]}). */
    String tableStreamArn(String tableLogicalId);

    /** The physical queue name of a queue's logical id. */
    String queueName(String queueLogicalId);

    /** The queue's URL ({@code Ref Queue}). */
    String queueUrl(String queueLogicalId);

    /** The queue's ARN. */
    String queueArn(String queueLogicalId);
}
