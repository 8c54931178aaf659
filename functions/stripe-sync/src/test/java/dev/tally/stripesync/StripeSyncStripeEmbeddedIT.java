package dev.tally.stripesync;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.EmbeddedBackend;

/** {@link StripeSyncStripeIT} on DynamoDB Local and ElasticMQ in this JVM. */
class StripeSyncStripeEmbeddedIT extends StripeSyncStripeIT {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
