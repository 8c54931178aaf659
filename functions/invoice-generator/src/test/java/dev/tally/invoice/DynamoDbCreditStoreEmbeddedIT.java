package dev.tally.invoice;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.EmbeddedBackend;

/** {@link DynamoDbCreditStoreIT} on DynamoDB Local and ElasticMQ in this JVM. */
class DynamoDbCreditStoreEmbeddedIT extends DynamoDbCreditStoreIT {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
