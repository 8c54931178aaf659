package dev.tally.reconciliation;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.EmbeddedBackend;

/** {@link ReconciliationIT} on DynamoDB Local and ElasticMQ in this JVM. */
class ReconciliationEmbeddedIT extends ReconciliationIT {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
