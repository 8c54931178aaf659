package dev.tally.testsupport;

import dev.tally.local.EmbeddedAws;
import dev.tally.local.aws.AwsConnection;
import java.nio.file.Path;

/**
 * {@link AwsBackend} on DynamoDB Local and ElasticMQ embedded in the test JVM ({@link EmbeddedAws}), on free ports,
 * started on first use (about 3 s). Needs no Docker and no network.
 */
public class EmbeddedBackend extends TemplateBackend {
    private EmbeddedAws aws;

    /** The repository's {@code template.yaml} ({@link RepoPaths#template()}). */
    public EmbeddedBackend() {
        this(RepoPaths.template());
    }

    /** Another template, e.g. a test's own. */
    public EmbeddedBackend(Path template) {
        super(template);
    }

    @Override
    public String name() {
        return "embedded";
    }

    @Override
    protected AwsConnection start() {
        aws = EmbeddedAws.start();
        return aws.connection();
    }

    @Override
    protected void stop() {
        aws.close();
    }

    /** The emulators (started if they were not). */
    public EmbeddedAws embeddedAws() {
        stack();
        return aws;
    }
}
