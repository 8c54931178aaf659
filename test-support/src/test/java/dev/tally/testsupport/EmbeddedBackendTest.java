package dev.tally.testsupport;

/** The contract on DynamoDB Local and ElasticMQ in this JVM. */
class EmbeddedBackendTest extends AwsBackendContractTest {
    static final AwsBackend BACKEND = new EmbeddedBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
