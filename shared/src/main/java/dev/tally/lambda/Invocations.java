package dev.tally.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import dev.tally.metrics.EmfMetrics;
import dev.tally.metrics.Metrics;
import software.amazon.lambda.powertools.logging.PowertoolsLogging;

import java.util.function.Supplier;

/**
 * What every handler does around one invocation, without AspectJ (Powertools' {@code @Logging} and {@code @FlushMetrics}
 * need it): the Lambda context's fields ({@code function_name}, {@code function_request_id}, {@code function_arn},
 * {@code cold_start}, {@code service} from {@code POWERTOOLS_SERVICE_NAME}, {@code xray_trace_id}) go into the log
 * context through {@link PowertoolsLogging#initializeLogging(Context)}, so every JSON log line of the invocation carries
 * them; afterwards the metrics are flushed (when they are {@link EmfMetrics}) and the log context is cleared, so
 * nothing leaks into the next invocation. Business keys ({@code account}, {@code invoice_id}, {@code event_id},
 * {@code stripe_event_id}) and {@link Batches#CORRELATION_ID} are put in the MDC by the code that knows them.
 */
public final class Invocations {
    private Invocations() {
    }

    /**
     * @param context Lambda's context; null when a test or the priming hook calls the handler (then no field is set)
     * @param metrics the function's metrics, flushed once the work is done (also when it throws)
     * @param work the invocation's work
     * @param <T> the handler's response type
     * @return what {@code work} returned
     */
    public static <T> T handle(Context context, Metrics metrics, Supplier<T> work) {
        if (context != null) {
            PowertoolsLogging.initializeLogging(context);
        }
        try {
            return work.get();
        } finally {
            if (metrics instanceof EmfMetrics emf) {
                emf.flush();
            }
            if (context != null) {
                PowertoolsLogging.clearState(true);
            }
        }
    }
}
