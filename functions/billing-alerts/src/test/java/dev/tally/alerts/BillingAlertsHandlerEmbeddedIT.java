package dev.tally.alerts;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.EmbeddedBackend;

/** {@link BillingAlertsHandlerIT} on DynamoDB Local and ElasticMQ in this JVM. */
class BillingAlertsHandlerEmbeddedIT extends BillingAlertsHandlerIT {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
