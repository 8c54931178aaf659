package dev.tally.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by the commands that start the local runtime. */
final class RuntimeOptions {
    @Option(names = "--http-port", description = "Port of the HTTP API (Stripe webhooks). Default: ${DEFAULT-VALUE}.")
    int httpPort = 3000;

    @Option(names = "--sqs-port", description = "Port of the SQS endpoint (ElasticMQ). Default: ${DEFAULT-VALUE}.")
    int sqsPort = 9324;

    @Option(names = "--dynamodb-port", description = "Port of the DynamoDB endpoint (DynamoDB Local). Default: ${DEFAULT-VALUE}.")
    int dynamoDbPort = 8000;

    @Option(names = "--template", description = "SAM template that wires the system. Default: ${DEFAULT-VALUE}.")
    Path template = Path.of("template.yaml");

    @Option(names = "--webhook-secret", description = "Stripe webhook signing secret (whsec_...). "
            + "Default: $STRIPE_WEBHOOK_SECRET, else a fixed local secret.")
    String webhookSecret = System.getenv().getOrDefault("STRIPE_WEBHOOK_SECRET", "whsec_tally_local_development");

    @Option(names = "--grace-period", description = "Seconds after a period ends before it is invoiced. Default: ${DEFAULT-VALUE}.")
    long gracePeriodSeconds = 3600;
}
