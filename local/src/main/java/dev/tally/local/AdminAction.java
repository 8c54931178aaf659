package dev.tally.local;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An operation the admin API serves at {@code POST /_tally/actions/<name>}, registered by whoever starts the runtime
 * ({@link LocalRuntimeConfig.Builder#adminAction}), so that the runtime stays generic while the program that knows
 * the functions' classes (the {@code tally} CLI) offers operations on them, e.g. resyncing an invoice to Stripe.
 */
@FunctionalInterface
public interface AdminAction {
    /**
     * @param runtime the running runtime (see {@link LocalRuntime#withHandler} to call a function's handler)
     * @param body the request's JSON body, an empty object when there was none
     * @return the answer, turned into JSON with Jackson ({@code valueToTree})
     * @throws IllegalArgumentException when the request names something that does not exist (answered 404 with the
     *     message)
     * @throws RuntimeException when the operation failed (answered 502 with the message)
     */
    Object run(LocalRuntime runtime, JsonNode body);
}
