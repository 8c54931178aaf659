package dev.tally.stripesync;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.LocalStackBackend;
import org.testcontainers.junit.jupiter.Testcontainers;

/** {@link StripeSyncHandlerIT} on LocalStack in Docker; skipped, with Testcontainers' reason, without Docker. */
@Testcontainers(disabledWithoutDocker = true)
class StripeSyncHandlerLocalStackIT extends StripeSyncHandlerIT {
    static final AwsBackend BACKEND = new LocalStackBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
