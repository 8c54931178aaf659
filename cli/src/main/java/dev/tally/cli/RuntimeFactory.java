package dev.tally.cli;

import dev.tally.local.LocalRuntime;
import dev.tally.local.LocalRuntimeConfig;

/** Starts the local runtime the way the commands (and the end-to-end test) need it. */
final class RuntimeFactory {

    private RuntimeFactory() {
    }

    /**
     * @param options template, webhook secret and grace period
     * @param httpPort HTTP API port, 0 for a free one
     * @param sqsPort SQS port, 0 for a free one
     * @param dynamoDbPort DynamoDB port, 0 for a free one
     * @param automaticSchedules fire schedules when the clock passes them ({@code serve}); the demo fires the
     *                           billing run itself after advancing the clock, so it turns this off
     * @return the started runtime; close it
     */
    static LocalRuntime start(RuntimeOptions options, int httpPort, int sqsPort, int dynamoDbPort, boolean automaticSchedules) {
        LocalRuntimeConfig config = LocalRuntimeConfig.builder(options.template)
                .httpPort(httpPort).sqsPort(sqsPort).dynamoDbPort(dynamoDbPort)
                .clockTicking(true)
                .automaticSchedules(automaticSchedules)
                .parameter("BillingGracePeriodSeconds", Long.toString(options.gracePeriodSeconds))
                .environment("STRIPE_WEBHOOK_SECRET", options.webhookSecret)
                .build();
        return LocalRuntime.start(config);
    }
}
