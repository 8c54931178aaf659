package dev.tally.cli;

import dev.tally.local.LocalRuntime;
import dev.tally.local.LocalRuntimeConfig;

/** Starts the local runtime the way the commands (and the end-to-end tests) need it. */
final class RuntimeFactory {

    private RuntimeFactory() {
    }

    /**
     * @param options template, ports (0 for free ones), webhook secret and grace period
     * @param automaticSchedules fire schedules when the clock passes them ({@code serve}); the demo fires the
     *                           billing run itself after advancing the clock, so it turns this off
     * @return the started runtime; close it
     * @throws IllegalStateException or {@link java.io.UncheckedIOException} when it cannot start (the message says
     *     why)
     */
    static LocalRuntime start(RuntimeOptions options, boolean automaticSchedules) {
        LocalRuntimeConfig.Builder builder = LocalRuntimeConfig.builder(options.template)
                .httpPort(options.httpPort).sqsPort(options.sqsPort).dynamoDbPort(options.dynamoDbPort)
                .clockTicking(true)
                .automaticSchedules(automaticSchedules)
                .parameter("BillingGracePeriodSeconds", Long.toString(options.gracePeriodSeconds))
                .environment("STRIPE_WEBHOOK_SECRET", options.webhookSecret);
        if (options.clockStart != null) {
            builder.clockStart(options.clockStart);
        }
        return LocalRuntime.start(builder.build());
    }
}
