package dev.tally.store;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.RequestLimitExceededException;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionInProgressException;

import java.util.List;
import java.util.Set;

/**
 * Which DynamoDB failures are transient (retry the same request later and it may succeed) and which are permanent
 * (the request itself is wrong: retrying changes nothing). From DynamoDB's error handling guide
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html) and the cancellation
 * reasons of TransactWriteItems (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
 */
public final class DynamoDbFailures {
    private static final Set<String> TRANSIENT_REASONS = Set.of("TransactionConflict", "ThrottlingError",
            "ProvisionedThroughputExceeded", "RequestLimitExceeded", "InternalServerError", "TransactionInProgress");
    private static final Set<String> TRANSIENT_CODES = Set.of("ThrottlingException", "Throttling",
            "ProvisionedThroughputExceededException", "RequestLimitExceeded", "InternalServerError",
            "ServiceUnavailable", "TransactionInProgressException", "LimitExceededException");

    private DynamoDbFailures() {
    }

    /**
     * @param failure what a DynamoDB call threw
     * @return true for throttling, a transaction conflict, a 5xx from DynamoDB, or a client-side failure (timeout,
     *     connection reset): worth retrying; false for a validation error (e.g. an item over 400 KB), an unmet
     *     condition, or anything that is not a DynamoDB failure
     */
    public static boolean isTransient(Throwable failure) {
        if (failure instanceof TransactionCanceledException e) {
            List<CancellationReason> reasons = e.cancellationReasons();
            if (reasons == null || reasons.isEmpty()) {
                return true;   // cancelled without a reason for any item: nothing says the request is wrong
            }
            boolean anyTransient = false;
            for (CancellationReason r : reasons) {
                String code = r.code();
                if ("ConditionalCheckFailed".equals(code) || "ValidationError".equals(code)
                        || "ItemCollectionSizeLimitExceeded".equals(code)) {
                    return false;
                }
                anyTransient |= TRANSIENT_REASONS.contains(code);
            }
            return anyTransient;
        }
        if (failure instanceof ProvisionedThroughputExceededException || failure instanceof RequestLimitExceededException
                || failure instanceof TransactionInProgressException || failure instanceof SdkClientException) {
            return true;
        }
        if (failure instanceof AwsServiceException e && e.awsErrorDetails() != null
                && TRANSIENT_CODES.contains(e.awsErrorDetails().errorCode())) {
            return true;
        }
        if (failure instanceof SdkServiceException e) {
            return e.isThrottlingException() || e.statusCode() >= 500;
        }
        return false;
    }

    /**
     * @param failure what a DynamoDB call threw
     * @return true for a validation error (an item larger than 400 KB, an attribute DynamoDB refuses), which fails
     *     the same way every time; false for anything else, e.g. a missing table or a denied action (configuration:
     *     left to surface as a function error, which alarms)
     */
    public static boolean isPermanent(Throwable failure) {
        if (failure instanceof TransactionCanceledException e) {
            return e.cancellationReasons() != null && e.cancellationReasons().stream()
                    .anyMatch(r -> "ValidationError".equals(r.code()) || "ItemCollectionSizeLimitExceeded".equals(r.code()));
        }
        return failure instanceof AwsServiceException e && e.awsErrorDetails() != null
                && "ValidationException".equals(e.awsErrorDetails().errorCode());
    }
}
