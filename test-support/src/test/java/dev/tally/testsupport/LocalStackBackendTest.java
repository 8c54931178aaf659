package dev.tally.testsupport;

import org.testcontainers.junit.jupiter.Testcontainers;

/** The same contract on LocalStack in Docker; skipped, with Testcontainers' reason, where Docker is missing. */
@Testcontainers(disabledWithoutDocker = true)
class LocalStackBackendTest extends AwsBackendContractTest {
    static final AwsBackend BACKEND = new LocalStackBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
