package dev.tally.local.lambda;

/**
 * A handler threw during a local invocation. The cause is what it threw; the message names the function and the
 * request id.
 */
public final class HandlerException extends RuntimeException {
    private final String functionName;

    HandlerException(String functionName, String requestId, Throwable cause) {
        super(functionName + " (request " + requestId + ") failed: " + cause, cause);
        this.functionName = functionName;
    }

    /** The logical id of the function whose handler threw. */
    public String functionName() {
        return functionName;
    }
}
