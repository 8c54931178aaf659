package dev.tally.testsupport;

import dev.tally.local.aws.AwsConnection;
import java.nio.file.Path;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * {@link AwsBackend} on LocalStack ({@value #IMAGE}, services DynamoDB and SQS) in Docker, through Testcontainers,
 * started on first use. A test class using it must carry
 * {@code @org.testcontainers.junit.jupiter.Testcontainers(disabledWithoutDocker = true)} so that it is skipped,
 * with Testcontainers' reason, where there is no Docker engine.
 */
public class LocalStackBackend extends TemplateBackend {
    /** The LocalStack image. */
    public static final String IMAGE = "localstack/localstack:3.8";

    private LocalStackContainer container;

    /** The repository's {@code template.yaml} ({@link RepoPaths#template()}). */
    public LocalStackBackend() {
        this(RepoPaths.template());
    }

    /** Another template, e.g. a test's own. */
    public LocalStackBackend(Path template) {
        super(template);
    }

    @Override
    public String name() {
        return "localstack";
    }

    @Override
    protected AwsConnection start() {
        container = new LocalStackContainer(DockerImageName.parse(IMAGE))
                .withServices(LocalStackContainer.Service.DYNAMODB, LocalStackContainer.Service.SQS);
        container.start();
        return new AwsConnection(
                container.getEndpointOverride(LocalStackContainer.Service.DYNAMODB),
                container.getEndpointOverride(LocalStackContainer.Service.SQS),
                container.getRegion(), container.getAccessKey(), container.getSecretKey());
    }

    @Override
    protected void stop() {
        container.stop();
    }

    /** The running container (started if it was not). */
    public LocalStackContainer container() {
        stack();
        return container;
    }
}
