package dev.tally.ingest;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.EmbeddedBackend;

/** {@link UsageIngestHandlerIT} on DynamoDB Local and ElasticMQ in this JVM. */
class UsageIngestHandlerEmbeddedIT extends UsageIngestHandlerIT {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
