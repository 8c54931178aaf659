package dev.tally.entitlement;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.EmbeddedBackend;

/** {@link EntitlementsHandlerIT} on DynamoDB Local and ElasticMQ in this JVM. */
class EntitlementsHandlerEmbeddedIT extends EntitlementsHandlerIT {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
