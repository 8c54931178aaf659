package dev.tally.stripesync;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.EmbeddedBackend;

/** {@link StripeSyncHandlerIT} on DynamoDB Local and ElasticMQ in this JVM. */
class StripeSyncHandlerEmbeddedIT extends StripeSyncHandlerIT {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
