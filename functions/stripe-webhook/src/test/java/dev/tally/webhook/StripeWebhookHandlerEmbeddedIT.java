package dev.tally.webhook;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.EmbeddedBackend;

/** {@link StripeWebhookHandlerIT} on DynamoDB Local and ElasticMQ in this JVM. */
class StripeWebhookHandlerEmbeddedIT extends StripeWebhookHandlerIT {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
