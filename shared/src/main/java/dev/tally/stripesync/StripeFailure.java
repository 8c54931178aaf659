package dev.tally.stripesync;

/**
 * A Stripe call that failed, after the in-call retries, classified for the sync
 * (https://docs.stripe.com/error-handling, https://docs.stripe.com/error-low-level):
 *
 * <ul>
 *   <li>{@link Kind#TRANSIENT}: no answer (connection refused or reset, a timeout), 429 (rate limited), 409 (a
 *       concurrent request with the same idempotency key), 5xx (Stripe's side), 401/403 (the API key: every
 *       invoice would fail alike, so it is not one invoice's fault), and {@code idempotency_error} (the key was used
 *       with other parameters: a new key fixes it). Retrying may succeed.</li>
 *   <li>{@link Kind#PERMANENT}: any other 4xx, e.g. 400 {@code resource_missing} for a customer Stripe does not
 *       have. The same request will fail the same way.</li>
 * </ul>
 *
 * <p>{@link #keyMustChange()}: Stripe saves the first answer given under an idempotency key once the endpoint
 * started executing, errors and 500s included, and replays it for 24 hours
 * (https://docs.stripe.com/api/idempotent_requests); 429s (the rate limiter runs before the idempotency layer) and
 * 409s (nothing saved while the first request executes) are not saved. When Stripe answered with an error that may
 * be saved, repeating the same key within 24 hours would get that error again, so the next attempt must use new
 * keys; when there was no answer, the request may still be executing and the next attempt must use the same keys.
 */
public final class StripeFailure extends RuntimeException {
    /** Whether a retry may succeed. */
    public enum Kind { TRANSIENT, PERMANENT }

    private final Kind kind;
    private final int httpStatus;
    private final String code;
    private final boolean keyMustChange;

    /**
     * @param message what was being done and what Stripe said
     * @param kind transient or permanent
     * @param httpStatus the HTTP status Stripe answered, 0 when there was no answer
     * @param code Stripe's error code ({@code resource_missing}, ...), or null
     * @param keyMustChange true when the answer may be saved under the idempotency key (see the class comment)
     * @param cause the client's exception, or null
     */
    public StripeFailure(String message, Kind kind, int httpStatus, String code, boolean keyMustChange, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.code = code;
        this.keyMustChange = keyMustChange;
    }

    /** @return whether a retry may succeed */
    public Kind kind() {
        return kind;
    }

    /** @return true for {@link Kind#PERMANENT} */
    public boolean permanent() {
        return kind == Kind.PERMANENT;
    }

    /** @return the HTTP status Stripe answered, 0 when there was no answer */
    public int httpStatus() {
        return httpStatus;
    }

    /** @return Stripe's error code, or null */
    public String code() {
        return code;
    }

    /** @return true when the next attempt must not repeat this request's idempotency key (see the class comment) */
    public boolean keyMustChange() {
        return keyMustChange;
    }

    /**
     * Classifies an HTTP answer as the class comment says.
     *
     * @param message what was being done and what Stripe said
     * @param httpStatus the status, 0 when there was no answer
     * @param errorType Stripe's {@code error.type} ({@code idempotency_error}, ...), or null
     * @param code Stripe's {@code error.code}, or null
     * @param cause the client's exception
     * @return the failure
     */
    public static StripeFailure of(String message, int httpStatus, String errorType, String code, Throwable cause) {
        boolean transientStatus = httpStatus == 0 || httpStatus == 401 || httpStatus == 403 || httpStatus == 409
                || httpStatus == 429 || httpStatus >= 500 || "idempotency_error".equals(errorType);
        boolean keyMustChange = httpStatus != 0 && httpStatus != 409 && httpStatus != 429;
        return new StripeFailure(message, transientStatus ? Kind.TRANSIENT : Kind.PERMANENT, httpStatus, code,
                keyMustChange, cause);
    }
}
