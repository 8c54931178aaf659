package dev.tally.stripesync;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.LocalStackBackend;
import org.testcontainers.junit.jupiter.Testcontainers;

/** {@link StripeSyncStripeIT} on LocalStack in Docker; skipped, with Testcontainers' reason, without Docker. */
@Testcontainers(disabledWithoutDocker = true)
class StripeSyncStripeLocalStackIT extends StripeSyncStripeIT {
    static final AwsBackend BACKEND = new LocalStackBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
