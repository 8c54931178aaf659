package dev.tally.store;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import static org.assertj.core.api.Assertions.assertThat;

class DynamoDbFailuresTest {

    private static TransactionCanceledException cancelled(String... codes) {
        return TransactionCanceledException.builder().statusCode(400).cancellationReasons(java.util.Arrays.stream(codes)
                .map(c -> CancellationReason.builder().code(c).build()).toList()).build();
    }

    private static DynamoDbException error(int status, String code) {
        return (DynamoDbException) DynamoDbException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
    }

    @Test
    void conflictsThrottlingServerErrorsAndTimeoutsAreTransient() {
        assertThat(DynamoDbFailures.isTransient(cancelled("None", "TransactionConflict"))).isTrue();
        assertThat(DynamoDbFailures.isTransient(cancelled("ThrottlingError", "None"))).isTrue();
        assertThat(DynamoDbFailures.isTransient(ProvisionedThroughputExceededException.builder().statusCode(400).build())).isTrue();
        assertThat(DynamoDbFailures.isTransient(error(500, "InternalServerError"))).isTrue();
        assertThat(DynamoDbFailures.isTransient(error(400, "ThrottlingException"))).isTrue();
        assertThat(DynamoDbFailures.isTransient(SdkClientException.create("read timed out"))).isTrue();
    }

    @Test
    void failedConditionsAndValidationErrorsAreNot() {
        assertThat(DynamoDbFailures.isTransient(cancelled("ConditionalCheckFailed", "TransactionConflict"))).isFalse();
        assertThat(DynamoDbFailures.isTransient(cancelled("None", "ValidationError"))).isFalse();
        assertThat(DynamoDbFailures.isTransient(error(400, "ValidationException"))).isFalse();
        assertThat(DynamoDbFailures.isTransient(new IllegalStateException("bug"))).isFalse();
    }

    @Test
    void onlyValidationErrorsArePermanent() {
        assertThat(DynamoDbFailures.isPermanent(cancelled("None", "ValidationError"))).isTrue();
        assertThat(DynamoDbFailures.isPermanent(error(400, "ValidationException"))).isTrue();
        assertThat(DynamoDbFailures.isPermanent(ResourceNotFoundException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ResourceNotFoundException").build()).build())).isFalse();
        assertThat(DynamoDbFailures.isPermanent(cancelled("None", "TransactionConflict"))).isFalse();
    }
}
