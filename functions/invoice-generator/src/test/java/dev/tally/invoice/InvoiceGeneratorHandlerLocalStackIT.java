package dev.tally.invoice;

import dev.tally.testsupport.AwsBackend;
import dev.tally.testsupport.LocalStackBackend;
import org.testcontainers.junit.jupiter.Testcontainers;

/** {@link InvoiceGeneratorHandlerIT} on LocalStack in Docker; skipped, with Testcontainers' reason, without Docker. */
@Testcontainers(disabledWithoutDocker = true)
class InvoiceGeneratorHandlerLocalStackIT extends InvoiceGeneratorHandlerIT {
    static final AwsBackend BACKEND = new LocalStackBackend();

    @Override
    protected AwsBackend backend() {
        return BACKEND;
    }
}
