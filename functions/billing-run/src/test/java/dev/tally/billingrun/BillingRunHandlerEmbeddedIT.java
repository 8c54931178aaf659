package dev.tally.billingrun;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.EmbeddedBackend;

/** {@link BillingRunHandlerIT} on DynamoDB Local and ElasticMQ in this JVM. */
class BillingRunHandlerEmbeddedIT extends BillingRunHandlerIT {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
