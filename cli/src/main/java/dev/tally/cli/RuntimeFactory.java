package dev.tally.cli;

import dev.tally.metrics.RecordingMetrics;
import dev.tally.local.LocalRuntime;
import dev.tally.local.LocalRuntimeConfig;
import dev.tally.stripesync.StripeSyncHandler;
import dev.tally.stripesync.SyncState;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Starts the local runtime the way the commands (and the end-to-end tests) need it, with the admin actions the
 * {@code tally} program offers: {@value #INVOICE_RESYNC} ({@code {"invoiceId"}}: the stripe-sync function's
 * {@link StripeSyncHandler#resync}, answered with the sync state: {@code invoiceId}, {@code status} (wire name),
 * {@code stripeInvoiceId}, {@code attempts}, {@code keyGeneration}, {@code lastError}, {@code lastAttemptAt},
 * {@code nextAttemptAt}; see {@link InvoiceResyncCommand}).
 */
final class RuntimeFactory {
    /** Admin action name of {@code tally invoices resync}. */
    static final String INVOICE_RESYNC = "invoice-resync";
    /** The template's logical id of the stripe-sync function. */
    static final String STRIPE_SYNC_FUNCTION = "StripeSyncFunction";

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
                .handlerCollaborator(new RecordingMetrics())
                .parameter("BillingGracePeriodSeconds", Long.toString(options.gracePeriodSeconds))
                .environment("STRIPE_WEBHOOK_SECRET", options.webhookSecret)
                .adminAction(INVOICE_RESYNC, (runtime, body) -> {
                    String invoiceId = body.path("invoiceId").asText("");
                    if (invoiceId.isEmpty()) {
                        throw new IllegalArgumentException("give \"invoiceId\"");
                    }
                    SyncState s = runtime.withHandler(STRIPE_SYNC_FUNCTION, StripeSyncHandler.class, h -> h.resync(invoiceId));
                    Map<String, Object> answer = new LinkedHashMap<>();
                    answer.put("invoiceId", s.invoiceId());
                    answer.put("status", s.status().wireName());
                    answer.put("stripeInvoiceId", s.stripeInvoiceId());
                    answer.put("attempts", s.attempts());
                    answer.put("keyGeneration", s.keyGeneration());
                    answer.put("lastError", s.lastError());
                    answer.put("lastAttemptAt", s.lastAttemptAt());
                    answer.put("nextAttemptAt", s.nextAttemptAt());
                    return answer;
                });
        if (options.clockStart != null) {
            builder.clockStart(options.clockStart);
        }
        return LocalRuntime.start(builder.build());
    }
}
