package dev.tally.invoice;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.EmbeddedBackend;

/** {@link InvoiceGeneratorHandlerIT} on DynamoDB Local and ElasticMQ in this JVM. */
class InvoiceGeneratorHandlerEmbeddedIT extends InvoiceGeneratorHandlerIT {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
