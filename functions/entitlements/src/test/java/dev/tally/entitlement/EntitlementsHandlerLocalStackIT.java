package dev.tally.entitlement;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.LocalStackBackend;
import org.testcontainers.junit.jupiter.Testcontainers;

/** {@link EntitlementsHandlerIT} on LocalStack in Docker; skipped, with Testcontainers' reason, without Docker. */
@Testcontainers(disabledWithoutDocker = true)
class EntitlementsHandlerLocalStackIT extends EntitlementsHandlerIT {
    static final AwsBackend BACKEND = new LocalStackBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
