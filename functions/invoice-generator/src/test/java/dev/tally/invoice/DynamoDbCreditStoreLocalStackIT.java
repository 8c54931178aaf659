package dev.tally.invoice;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.LocalStackBackend;
import org.testcontainers.junit.jupiter.Testcontainers;

/** {@link DynamoDbCreditStoreIT} on LocalStack in Docker; skipped, with Testcontainers' reason, without Docker. */
@Testcontainers(disabledWithoutDocker = true)
class DynamoDbCreditStoreLocalStackIT extends DynamoDbCreditStoreIT {
    static final AwsBackend BACKEND = new LocalStackBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
