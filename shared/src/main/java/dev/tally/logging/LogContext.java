package dev.tally.logging;

import org.slf4j.MDC;

import java.util.HashMap;
import java.util.Map;

/**
 * The business keys of the log context (SLF4J's MDC), with the names every Tally log line uses: the JSON layout of
 * the functions (log4j2-lambda.xml) writes each as a field of its own, so a log query can find every line about an
 * account, an invoice, a usage event or a Stripe event. Values are ids only: never personal data (names, emails,
 * addresses, phones) or secrets.
 *
 * <pre>{@code
 * try (LogContext.Scope ignored = LogContext.with(LogContext.ACCOUNT, account, LogContext.INVOICE_ID, invoiceId)) {
 *     LOG.info("invoice finalized");
 * }
 * }</pre>
 */
public final class LogContext {
    /** Id of the message or stream record being handled (SQS message id, stream event id, API request id). */
    public static final String CORRELATION_ID = "correlation_id";
    /** Tally account (organisation) id. */
    public static final String ACCOUNT = "account";
    /** Tally invoice id, {@code tin_...}. */
    public static final String INVOICE_ID = "invoice_id";
    /** Usage event id (the producer's idempotency key). */
    public static final String EVENT_ID = "event_id";
    /** Stripe event id, {@code evt_...}. */
    public static final String STRIPE_EVENT_ID = "stripe_event_id";

    private LogContext() {
    }

    /** Restores the keys it set to their previous values when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Puts keys in the log context until the returned scope is closed; a null value leaves its key out.
     *
     * @param keysAndValues key, value, key, value...
     * @return the scope to close (try-with-resources)
     * @throws IllegalArgumentException when the arguments are not pairs
     */
    public static Scope with(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values come in pairs");
        }
        Map<String, String> previous = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            String key = keysAndValues[i];
            String value = keysAndValues[i + 1];
            if (value == null) {
                continue;
            }
            if (!previous.containsKey(key)) {
                previous.put(key, MDC.get(key));
            }
            MDC.put(key, value);
        }
        return () -> previous.forEach((key, value) -> {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        });
    }
}
